"""The FEEL that dmn-js writes in decision tables, translated to the Python that SpiffWorkflow's DMN engine evaluates.

How Spiff reads the cells (SpiffWorkflow/dmn/engine/DMNEngine.py, parser/DMNParser.py):
- an input entry of "-" (or no text) matches anything;
- an input entry containing `?` (outside quotes) is evaluated as a Python condition with `?` replaced by the value
  of the column's input expression; otherwise Spiff guesses between `(input) == (cell)` and `input + cell`.
- an output entry and an input expression are plain Python expressions evaluated against the task data.

So every translated input cell is an explicit condition on `?` (`? is not None and 30 <= ? < 90`), never Spiff's
guess. FEEL compares with null to null (no match), hence the `? is not None` guard on orderings. String literals are
written with quotes and backslashes as `\\xNN` escapes: Spiff finds the `?` by counting quotes, so the only quotes in
a translated cell are the delimiters. Dates become `date(2026, 1, 1)` (the sandbox helper); the input must then be a
`date`, not an ISO string. Names: `client.type` becomes `client["type"]` (task data are dicts); names with spaces
are not supported.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from datetime import date

__all__ = ["FeelError", "literal_to_python", "unary_test_to_python"]


class FeelError(ValueError):
    """A FEEL cell or expression outside the supported subset; the message names the text."""


def unary_test_to_python(cell: str) -> str:
    """An input-entry cell (simple unary tests) as a Python condition on `?`; "" means "matches anything"."""
    text = (cell or "").strip()
    if text in ("", "-"):
        return ""
    parser = _Parser(text)
    if parser.at_name("not") and parser.peek().value == "(":
        parser.take()
        parser.expect("(")
        tests = parser.positive_tests()
        parser.expect(")")
        parser.expect_end()
        return _negate(tests)
    tests = parser.positive_tests()
    parser.expect_end()
    return _disjunction(tests)


def literal_to_python(text: str) -> str:
    """An output entry or input expression (FEEL literal or simple expression) as a Python expression."""
    text = (text or "").strip()
    if not text:
        return ""
    parser = _Parser(text)
    result = parser.expression()[0]
    parser.expect_end()
    return result


# --- tokens ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "string", "name", "op", "end"
    value: str


_OPERATORS = ("..", "**", "<=", ">=", "!=", "<", ">", "=", "[", "]", "(", ")", ",", "+", "-", "*", "/", ".")
_ESCAPES = {'"': '"', "\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t"}


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char == '"':
            value, i = _read_string(text, i)
            tokens.append(_Token("string", value))
        elif char.isdigit():
            start = i
            while i < len(text) and text[i].isdigit():
                i += 1
            # "1..2" is a range, so a dot is a decimal point only when a digit follows it.
            if text.startswith(".", i) and i + 1 < len(text) and text[i + 1].isdigit():
                i += 1
                while i < len(text) and text[i].isdigit():
                    i += 1
            tokens.append(_Token("number", text[start:i]))
        elif char.isalpha() or char == "_":
            start = i
            while i < len(text) and (text[i].isalnum() or text[i] == "_"):
                i += 1
            tokens.append(_Token("name", text[start:i]))
        else:
            operator = next((op for op in _OPERATORS if text.startswith(op, i)), None)
            if operator is None:
                raise FeelError(f"unexpected character {char!r} in {text!r}")
            tokens.append(_Token("op", operator))
            i += len(operator)
    tokens.append(_Token("end", ""))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and text[i + 1: i + 2] == "u" and i + 6 <= len(text):
            chars.append(chr(int(text[i + 2: i + 6], 16)))
            i += 6
        elif char == "\\" and text[i + 1: i + 2] in _ESCAPES:
            chars.append(_ESCAPES[text[i + 1]])
            i += 2
        elif char == '"':
            return "".join(chars), i + 1
        else:
            chars.append(char)
            i += 1
    raise FeelError(f"unterminated string in {text!r}")


def _python_string(value: str) -> str:
    """A double-quoted Python literal whose only quote characters are its delimiters (see the module docstring)."""
    escaped = "".join(f"\\x{ord(c):02x}" if c in "\"'\\" or c < " " or c == "\x7f" else c for c in value)
    return f'"{escaped}"'


# --- parser ------------------------------------------------------------------------------------------------------

_OR, _AND, _NOT, _CMP, _ADD, _MUL, _UNARY, _POWER, _ATOM = range(2, 11)
_COMPARISONS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_CONSTANTS = {"true": "True", "false": "False", "null": "None"}
_Piece = tuple[str, int]  # Python text and its precedence level


@dataclass(frozen=True)
class _Test:
    """One positive unary test: equality with a value, or a ready condition on `?`."""

    value: str | None = None
    condition: str | None = None


def _wrap(piece: _Piece, level: int) -> str:
    return piece[0] if piece[1] >= level else f"({piece[0]})"


def _equality(value: str, negate: bool = False) -> str:
    if value in ("True", "False", "None"):  # identity: FEEL's true does not equal 1
        return f"? {'is not' if negate else 'is'} {value}"
    return f"? {'!=' if negate else '=='} {value}"


def _disjunction(tests: list[_Test]) -> str:
    values = [t.value for t in tests if t.value is not None]
    if len(values) == len(tests) and len(values) > 1 and not {"True", "False", "None"} & set(values):
        return f"? in ({', '.join(values)})"
    conditions = [_equality(t.value) if t.value is not None else t.condition for t in tests]
    if len(conditions) == 1:
        return conditions[0]
    return " or ".join(f"({c})" if " and " in c else c for c in conditions)


def _negate(tests: list[_Test]) -> str:
    values = [t.value for t in tests if t.value is not None]
    if len(values) == len(tests):
        if len(values) == 1:
            return _equality(values[0], negate=True)
        if not {"True", "False", "None"} & set(values):
            return f"? not in ({', '.join(values)})"
    return f"not ({_disjunction(tests)})"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def peek(self) -> _Token:
        return self.tokens[min(self.index + 1, len(self.tokens) - 1)]

    def at(self, *values: str) -> bool:
        return self.token.kind == "op" and self.token.value in values

    def at_name(self, *values: str) -> bool:
        return self.token.kind == "name" and self.token.value in values

    def take(self) -> _Token:
        token = self.token
        self.index += 1
        return token

    def expect(self, value: str) -> None:
        if not self.at(value):
            raise self.error(f"expected '{value}'")
        self.take()

    def expect_end(self) -> None:
        if self.token.kind != "end":
            raise self.error("expected the end")

    def error(self, message: str) -> FeelError:
        found = "the end" if self.token.kind == "end" else f"'{self.token.value}'"
        return FeelError(f"{message}, found {found}: not supported FEEL in {self.text!r}")

    # unary tests

    def positive_tests(self) -> list[_Test]:
        tests = [self.positive_test()]
        while self.at(","):
            self.take()
            tests.append(self.positive_test())
        return tests

    def positive_test(self) -> _Test:
        if self.at("<", "<=", ">", ">="):
            operator = self.take().value
            return _Test(condition=f"? is not None and ? {operator} {self.endpoint()}")
        if self.at("=", "!="):
            operator = self.take().value
            value = self.endpoint()
            return _Test(value=value) if operator == "=" else _Test(condition=_equality(value, negate=True))
        if self.at("[", "]", "("):
            return self.interval()
        return _Test(value=self.endpoint())

    def interval(self) -> _Test:
        opening = self.take().value
        low = self.endpoint()
        self.expect("..")
        high = self.endpoint()
        if not self.at("]", ")", "["):
            raise self.error("expected ']', ')' or '['")
        closing = self.take().value
        low_operator = "<=" if opening == "[" else "<"
        high_operator = "<=" if closing == "]" else "<"
        return _Test(condition=f"? is not None and {low} {low_operator} ? {high_operator} {high}")

    def endpoint(self) -> str:
        """A literal, a date or a name: what a simple unary test compares with."""
        if self.at("-") and self.peek().kind == "number":
            self.take()
            return f"-{_number(self.take().value)}"
        piece = self.primary(in_expression=False)
        return piece[0]

    # expressions (output entries, input expressions)

    def expression(self) -> _Piece:
        left = self.conjunction()
        while self.at_name("or"):
            self.take()
            left = f"{_wrap(left, _OR)} or {_wrap(self.conjunction(), _OR)}", _OR
        return left

    def conjunction(self) -> _Piece:
        left = self.comparison()
        while self.at_name("and"):
            self.take()
            left = f"{_wrap(left, _AND)} and {_wrap(self.comparison(), _AND)}", _AND
        return left

    def comparison(self) -> _Piece:
        left = self.additive()
        if self.at(*_COMPARISONS):
            operator = _COMPARISONS[self.take().value]
            right = self.additive()
            if "None" in (left[0], right[0]) and operator in ("==", "!="):
                operator = "is" if operator == "==" else "is not"
            return f"{_wrap(left, _CMP + 1)} {operator} {_wrap(right, _CMP + 1)}", _CMP
        return left

    def additive(self) -> _Piece:
        left = self.multiplicative()
        while self.at("+", "-"):
            operator = self.take().value
            left = f"{_wrap(left, _ADD)} {operator} {_wrap(self.multiplicative(), _ADD + 1)}", _ADD
        return left

    def multiplicative(self) -> _Piece:
        left = self.unary()
        while self.at("*", "/"):
            operator = self.take().value
            left = f"{_wrap(left, _MUL)} {operator} {_wrap(self.unary(), _MUL + 1)}", _MUL
        return left

    def unary(self) -> _Piece:
        if self.at("-"):
            self.take()
            return f"-{_wrap(self.unary(), _UNARY)}", _UNARY
        base = self.primary(in_expression=True)
        if self.at("**"):
            self.take()
            return f"{_wrap(base, _ATOM)} ** {_wrap(self.unary(), _UNARY)}", _POWER
        return base

    def primary(self, in_expression: bool) -> _Piece:
        token = self.token
        if token.kind == "number":
            self.take()
            return _number(token.value), _ATOM
        if token.kind == "string":
            self.take()
            return _python_string(token.value), _ATOM
        if in_expression and self.at("("):
            self.take()
            inner = self.expression()
            self.expect(")")
            return f"({inner[0]})", _ATOM
        if token.kind == "name":
            if token.value in _CONSTANTS:
                self.take()
                return _CONSTANTS[token.value], _ATOM
            if self.peek().value == "(" and self.peek().kind == "op":
                return self.call(in_expression)
            return self.path(), _ATOM
        raise self.error("expected a value")

    def call(self, in_expression: bool) -> _Piece:
        name = self.take().value
        self.expect("(")
        if name == "date" and self.token.kind == "string":
            text = self.take().value
            self.expect(")")
            try:
                day = date.fromisoformat(text)
            except ValueError:
                raise FeelError(f"invalid date {text!r} in {self.text!r}") from None
            return f"date({day.year}, {day.month}, {day.day})", _ATOM
        if name == "not" and in_expression:
            inner = self.expression()
            self.expect(")")
            return f"not {_wrap(inner, _NOT)}", _NOT
        raise FeelError(f"function {name}() is not supported in {self.text!r}")

    def path(self) -> str:
        """`a.b.c` as `a["b"]["c"]`: task data are dicts."""
        text = self.name()
        while self.at("."):
            self.take()
            text += f"[{_python_string(self.name())}]"
        return text

    def name(self) -> str:
        token = self.token
        if token.kind != "name":
            raise self.error("expected a name")
        if keyword.iskeyword(token.value) or token.value in ("some", "every", "for", "if", "in", "then", "else"):
            raise FeelError(f"'{token.value}' is not supported in {self.text!r}")
        return self.take().value


def _number(text: str) -> str:
    return str(int(text)) if text.isdigit() else repr(float(text))
