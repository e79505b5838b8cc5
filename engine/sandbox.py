"""Restricted Python for the scripts and expressions analysts write in diagrams: untrusted input.

Compilation goes through RestrictedPython's policy (no names or attributes starting with "_", guarded attribute, item,
iteration and write access) plus this module's own checks (no imports, classes, `with`, generators, async, and none
of eval/exec/open/getattr/type/...). Only `HELPERS` are available as built-ins.

Time limit: instead of `sys.settrace` (which never sees a one-line `while True: pass` on Python 3.11 and is unset
as soon as it raises), a checkpoint call is inserted at the top of every loop body, every function and lambda, and
into every comprehension; it raises when the deadline has passed. Code without loops, comprehensions or functions
cannot run long in Python code, so a gateway condition has no checkpoint and no overhead; and a script that swallows
the timeout meets the next checkpoint of its loop. Not covered: a single long C-level operation such as
`10 ** 10 ** 9` or `sum(range(10 ** 12))` (`range` is capped at 10**6 items for that reason).
"""

from __future__ import annotations

import ast
import builtins
import operator
import textwrap
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from types import CodeType, FunctionType, MappingProxyType
from typing import Any

from RestrictedPython import RestrictingNodeTransformer
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr_raise,
)

from engine import clock
from engine.calendar import calendar

__all__ = ["HELPERS", "ScriptError", "compile_expression", "compile_script", "evaluate", "execute", "now"]

SCRIPT_FILENAME = "<diagram script>"
RANGE_LIMIT = 1_000_000
_CHECKPOINT = "_checkpoint_"


class ScriptError(Exception):
    """A script or expression failed to compile or to run; `kind` is syntax, forbidden, failed or timeout."""

    def __init__(self, message: str, line: int | None = None, kind: str = "failed") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.kind = kind

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message

    def __reduce__(self):
        # Keeps line and kind when the error crosses a process boundary (Celery pickles exceptions).
        return type(self), (self.message, self.line, self.kind)


class _Timeout(BaseException):
    """Raised by a checkpoint; a BaseException so that `except Exception` in a script does not swallow it."""


# --- helpers -----------------------------------------------------------------------------------------------------


def now() -> datetime:
    """The current time in Novosibirsk (timezone-aware), read from the engine's one clock; patched by tests."""
    return clock.local_now()


def _now() -> datetime:
    """The current time in Novosibirsk (timezone-aware)."""
    return now()  # looked up at call time, so patching `engine.sandbox.now` reaches scripts too


def today() -> date:
    """Today's date in Novosibirsk."""
    return now().date()


def round_money(x: Any) -> Decimal:
    """`x` as a Decimal rounded half-up to kopecks (0.01)."""
    # A float goes through its shortest repr, so 2.675 rounds to 2.68 as a person expects, not to 2.67.
    value = Decimal(repr(x)) if isinstance(x, float) else Decimal(x)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def kopecks(x: Any) -> int:
    """An amount in rubles as whole kopecks."""
    return int(round_money(x) * 100)


def rubles(kopecks_amount: int) -> Decimal:
    """Whole kopecks as a Decimal amount in rubles."""
    return (Decimal(int(kopecks_amount)) / 100).quantize(Decimal("0.01"))


def format_money(x: Any) -> str:
    """An amount as Russians write it: "1 234,56 ₽" with no-break spaces and a decimal comma."""
    value = round_money(x)
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u00a0")
    return f"{sign}{grouped},{fraction}\u00a0₽"


def is_empty(x: Any) -> bool:
    """True for None, "" and an empty list/dict/tuple/set (JUEL's `empty`)."""
    if x is None:
        return True
    if isinstance(x, str | list | dict | tuple | set | frozenset):
        return len(x) == 0
    return False


def add_months(moment: date, n: int) -> date:
    """`moment` shifted by n calendar months, the day clamped to the month's end (Joda's plusMonths)."""
    month_index = moment.month - 1 + int(n)
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def add_business_days(d: date, n: int) -> date:
    """The n-th business day after `d` in the Russian production calendar (n = 0: `d` or the next business day)."""
    return calendar.add_business_days(_as_date(d), n)


def is_business_day(d: date) -> bool:
    """True when `d` is a business day in the Russian production calendar."""
    return calendar.is_business_day(_as_date(d))


def _as_date(d: date) -> date:
    # A datetime is a date subclass; the calendar compares plain dates.
    return d.date() if isinstance(d, datetime) else d


def _range(*args: int) -> range:
    """range() capped at RANGE_LIMIT items: a huge range runs in C code, which no checkpoint can stop."""
    result = range(*args)
    if len(result) > RANGE_LIMIT:
        raise ValueError(f"range() of more than {RANGE_LIMIT} items is not allowed")
    return result


_FUNCTIONS = ("min", "max", "sum", "len", "abs", "round", "sorted", "str", "int", "float", "bool", "list", "dict",
              "set", "tuple", "enumerate", "zip", "any", "all", "isinstance", "reversed")

HELPERS: Mapping[str, Any] = MappingProxyType({
    "Decimal": Decimal, "date": date, "datetime": datetime, "timedelta": timedelta,
    "now": _now, "today": today, "round_money": round_money, "kopecks": kopecks, "rubles": rubles,
    "format_money": format_money, "is_empty": is_empty, "add_months": add_months,
    "add_business_days": add_business_days, "is_business_day": is_business_day,
    "range": _range,
    **{name: getattr(builtins, name) for name in _FUNCTIONS},
})

# Exceptions a script may raise or catch. BaseException, SystemExit, KeyboardInterrupt and GeneratorExit stay out.
_EXCEPTIONS = ("ArithmeticError", "AssertionError", "AttributeError", "Exception", "IndexError", "KeyError",
               "LookupError", "NameError", "OverflowError", "RecursionError", "RuntimeError", "TypeError",
               "ValueError", "ZeroDivisionError")

def _import_for_c_code(name: str, *args: Any, **kwargs: Any) -> Any:
    """`strftime`, `strptime` and `date.today()` import `time` / `_strptime` from C through the frame's builtins;
    scripts themselves cannot name `__import__` (RestrictedPython refuses `_` names), so only those two pass."""
    if name not in ("time", "_strptime"):
        raise ImportError(f"import of {name} is not allowed")
    return builtins.__import__(name, *args, **kwargs)


_BUILTINS: dict[str, Any] = {
    "None": None, "True": True, "False": False, "__import__": _import_for_c_code,
    **{name: getattr(builtins, name) for name in _EXCEPTIONS},
    **HELPERS,
}

# --- guards ------------------------------------------------------------------------------------------------------

# RestrictedPython already refuses "_…" names and frame/generator/code inspection attributes; `mro` would hand out
# BaseException and `object`, which a script never needs.
_FORBIDDEN_ATTRIBUTES = frozenset({"mro"})

_INPLACE_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
}


def _getattr(obj: Any, name: str) -> Any:
    if name in _FORBIDDEN_ATTRIBUTES:
        raise AttributeError(f'"{name}" is not allowed')
    return safer_getattr_raise(obj, name)


# One C-level operation cannot be interrupted by the time limit, so the sizes it could produce are capped instead:
# 'a' * 10**10 or 2 ** 10**8 would take gigabytes before any checkpoint runs.
MAX_ITEMS = 10_000_000
MAX_INT_BITS = 1_000_000
_SIZED_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "*": operator.mul, "**": operator.pow, "<<": operator.lshift,
    "*=": operator.imul, "**=": operator.ipow,
}


def _sized(op: str, left: Any, right: Any) -> Any:
    """`left op right`, refused when the result would be too large to build."""
    if op in ("*", "*="):
        for sequence, times in ((left, right), (right, left)):
            if isinstance(times, int) and isinstance(sequence, str | bytes | list | tuple) \
                    and len(sequence) * times > MAX_ITEMS:
                raise ValueError("the result would be too large")
    elif op in ("**", "**=") and isinstance(left, int) and isinstance(right, int) and left not in (0, 1, -1):
        if right * abs(left).bit_length() > MAX_INT_BITS:
            raise ValueError("the result would be too large")
    elif op == "<<" and isinstance(left, int) and isinstance(right, int) and left != 0:
        if right + left.bit_length() > MAX_INT_BITS:
            raise ValueError("the result would be too large")
    return _SIZED_OPERATORS[op](left, right)


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    if op in _SIZED_OPERATORS:
        return _sized(op, target, value)
    function = _INPLACE_OPERATORS.get(op)
    if function is None:
        raise TypeError(f"operator {op} is not allowed")
    return function(target, value)


_GLOBALS: dict[str, Any] = {
    "__builtins__": _BUILTINS,
    "_getattr_": _getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_sized_": _sized,
}
_RESERVED = frozenset(_GLOBALS) | {_CHECKPOINT}

# --- compilation -------------------------------------------------------------------------------------------------

_FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "compile", "open", "globals", "locals", "vars", "dir", "getattr", "setattr", "delattr",
    "hasattr", "type", "super", "object", "breakpoint", "input", "help", "memoryview", "classmethod", "staticmethod",
    "property", "BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit",
})
_FORBIDDEN_NODES: dict[type, str] = {
    ast.Import: "import", ast.ImportFrom: "import", ast.ClassDef: "class definitions", ast.With: "with",
    ast.AsyncWith: "async with", ast.AsyncFunctionDef: "async functions", ast.AsyncFor: "async for",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield from", ast.Global: "global",
    ast.Nonlocal: "nonlocal",
}
_NESTED_SCOPES = (ast.Lambda, ast.FunctionDef, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(frozen=True)
class Compiled:
    """A compiled script or expression and what running it needs."""

    code: CodeType
    mode: str  # "eval" or "exec"
    checkpoints: bool  # has loops, comprehensions or functions: runs with a deadline
    nested: bool  # has comprehensions, lambdas or functions: needs the context as globals, not locals


def compile_expression(source: str) -> Compiled:
    """Compile an expression; raises ScriptError(kind="syntax" or "forbidden"). Cached by source."""
    return _compile(source.strip(), "eval")


def compile_script(source: str) -> Compiled:
    """Compile a script; raises ScriptError(kind="syntax" or "forbidden"). Cached by source."""
    # Leading blank lines stay, so a reported line is the line the analyst sees in the diagram's script.
    return _compile(textwrap.dedent(source), "exec")


@lru_cache(maxsize=2048)
def _compile(source: str, mode: str) -> Compiled:
    try:
        tree = ast.parse(source, SCRIPT_FILENAME, mode)
    except SyntaxError as error:
        raise ScriptError(f"SyntaxError: {error.msg}", error.lineno, "syntax") from None
    nested = False
    for node in ast.walk(tree):
        _check_node(node, mode)
        nested = nested or isinstance(node, _NESTED_SCOPES)
    errors: list[str] = []
    tree = RestrictingNodeTransformer(errors, [], {}).visit(tree)
    if errors:
        line_text, _, message = errors[0].partition(": ")
        line = line_text.removeprefix("Line ")
        raise ScriptError(message, int(line) if line.isdigit() else None, "forbidden")
    inserter = _CheckpointInserter()
    tree = ast.fix_missing_locations(inserter.visit(_SizeGuard().visit(tree)))
    return Compiled(compile(tree, SCRIPT_FILENAME, mode), mode, inserter.inserted, nested)


def _check_node(node: ast.AST, mode: str) -> None:
    line = getattr(node, "lineno", None)
    if type(node) in _FORBIDDEN_NODES:
        raise ScriptError(f"{_FORBIDDEN_NODES[type(node)]} is not allowed", line, "forbidden")
    if isinstance(node, ast.Name) and node.id in _FORBIDDEN_NAMES:
        raise ScriptError(f"name '{node.id}' is not allowed", line, "forbidden")
    if isinstance(node, ast.ExceptHandler) and node.type is None:
        # A bare `except:` would also catch the time limit and let a runaway loop go on.
        raise ScriptError("a bare except is not allowed: name the exception (except ValueError:)", line, "forbidden")
    if isinstance(node, ast.NamedExpr) and mode == "eval":
        # An expression reads the task data; it must not change it.
        raise ScriptError("assignment expressions (:=) are not allowed in an expression", line, "forbidden")


class _SizeGuard(ast.NodeTransformer):
    """Routes `*`, `**` and `<<` through `_sized_` (see MAX_ITEMS)."""

    _OPERATORS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        symbol = self._OPERATORS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(ast.Name("_sized_", ast.Load()), [ast.Constant(symbol), node.left, node.right], [])
        return ast.copy_location(call, node)


class _CheckpointInserter(ast.NodeTransformer):
    """Adds a deadline check to every loop body, function, lambda and comprehension."""

    def __init__(self) -> None:
        self.inserted = False

    def _call(self, node: ast.AST) -> ast.Call:
        self.inserted = True
        return ast.copy_location(ast.Call(ast.Name(_CHECKPOINT, ast.Load()), [], []), node)

    def _prepend(self, node: ast.While | ast.For | ast.FunctionDef) -> ast.AST:
        self.generic_visit(node)
        first = node.body[0]
        node.body.insert(0, ast.copy_location(ast.Expr(self._call(first)), first))
        return node

    visit_While = visit_For = visit_FunctionDef = _prepend

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        self.generic_visit(node)
        # The checkpoint returns True, so `True and body` is the body.
        node.body = ast.copy_location(ast.BoolOp(ast.And(), [self._call(node.body), node.body]), node.body)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.ifs.insert(0, self._call(node.target))
        return node


# --- running -----------------------------------------------------------------------------------------------------


def evaluate(source: str, context: Mapping[str, Any], timeout: float = 2.0) -> Any:
    """Evaluate an expression against `context` (read-only) and return its value; every failure is a ScriptError."""
    compiled = compile_expression(source)
    if compiled.nested or compiled.checkpoints:
        # Comprehensions and lambdas look free names up in globals, so the context must be the globals.
        scope = _scope(context, compiled, timeout)
        return _run(compiled, scope, None, timeout)
    if _RESERVED.isdisjoint(context):
        return _run(compiled, _GLOBALS, context, timeout)  # the hot path: no copy of the context
    return _run(compiled, _GLOBALS, {k: v for k, v in context.items() if k not in _RESERVED}, timeout)


def execute(source: str, context: dict[str, Any], timeout: float = 2.0) -> None:
    """Run a script with `context` as its variables; new and changed variables end up in `context`.

    On failure `context` is left unchanged. Functions the script defines are not copied back (they are not data).
    """
    compiled = compile_script(source)
    scope = _scope(context, compiled, timeout)
    _run(compiled, scope, None, timeout)
    for name in [name for name in context if name not in scope and name not in _RESERVED]:
        del context[name]  # the script deleted it
    for name, value in scope.items():
        if name in _RESERVED or (isinstance(value, FunctionType) and value.__code__.co_filename == SCRIPT_FILENAME):
            continue
        context[name] = value


def _scope(context: Mapping[str, Any], compiled: Compiled, timeout: float) -> dict[str, Any]:
    scope = {k: v for k, v in context.items() if k not in _RESERVED}
    scope.update(_GLOBALS)
    if compiled.checkpoints:
        scope[_CHECKPOINT] = _checkpoint(time.monotonic() + timeout)
    return scope


def _checkpoint(deadline: float) -> Callable[[], bool]:
    monotonic = time.monotonic

    def checkpoint() -> bool:
        if monotonic() > deadline:
            raise _Timeout
        return True

    return checkpoint


def _run(compiled: Compiled, scope: dict[str, Any], local_scope: Mapping[str, Any] | None, timeout: float) -> Any:
    try:
        if compiled.mode == "eval":
            return eval(compiled.code, scope, local_scope)
        exec(compiled.code, scope)
        return None
    except _Timeout as timeout_error:
        line = _script_line(timeout_error.__traceback__)
        raise ScriptError(f"time limit of {timeout:g} s exceeded", line, "timeout") from None
    except Exception as error:
        raise ScriptError(f"{type(error).__name__}: {error}", _script_line(error.__traceback__), "failed") from error


def _script_line(tb: Any) -> int | None:
    """The line of the innermost frame of the script in a traceback."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SCRIPT_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
