"""Camunda JUEL (`${...}`) translated to the sandbox's Python at deploy time.

Supported: variables; `a.b`, `a['x']`, `a[0]` (task data are dicts, so `a.b` becomes `a["b"]`); numbers, strings,
true/false/null; comparisons (== != < > <= >= eq ne lt gt le ge); && || ! and or not; + - * / % div mod; parentheses;
`a ? b : c`; `empty x`; calls of the sandbox helpers by name (`add_business_days(today(), 3)`); and the due-date
idiom `dateTime().plusDays(2).toDate()` with plus/minus Minutes, Hours, Days, Weeks, Months, Years, which becomes
`now() + timedelta(days=2)` (months and years through `add_months`).

Composite text ("Hello ${name}!") becomes a concatenation, `"Hello " + str(name) + "!"`; unlike JUEL, a null value
reads "None". Not supported (ExpressionError): other method calls, `#{...}` deferred expressions, lambdas, `+=`,
`;`, assignment, `instanceof`, namespaced functions (`fn:x()`).
"""

from __future__ import annotations

import json
import keyword
from dataclasses import dataclass

from engine.sandbox import HELPERS

__all__ = ["ExpressionError", "is_juel", "to_python"]


class ExpressionError(ValueError):
    """A JUEL expression cannot be translated; the message says what and where."""


def is_juel(text: str) -> bool:
    """True when `text` contains a `${...}` or `#{...}` expression."""
    return "${" in text or "#{" in text


def to_python(text: str) -> str:
    """Translate JUEL text to a Python expression; text without `${}`/`#{}` is returned unchanged."""
    if not is_juel(text):
        return text
    parts: list[str] = []  # Python operands of the concatenation
    lone_expression = None
    stripped = text.strip()
    position = 0
    while position < len(stripped):
        start = _next_expression_start(stripped, position)
        if start < 0:
            parts.append(json.dumps(stripped[position:], ensure_ascii=False))
            break
        if start > position:
            parts.append(json.dumps(stripped[position:start], ensure_ascii=False))
        if stripped[start] == "#":
            raise ExpressionError(f"deferred expressions #{{...}} are not supported, use ${{...}}: {text!r}")
        tokens, position = _tokenize(stripped, start + 2, text)
        python, _ = _Parser(tokens, text).parse()
        lone_expression = python
        parts.append(f"str({python})")
    if len(parts) == 1 and lone_expression is not None:
        return lone_expression
    return " + ".join(parts)


def _next_expression_start(text: str, position: int) -> int:
    starts = [i for i in (text.find("${", position), text.find("#{", position)) if i >= 0]
    return min(starts) if starts else -1


# --- tokens ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "string", "name", "op", "end"
    value: str
    column: int


_OPERATORS = ("&&", "||", "==", "!=", "<=", ">=", "->", "+=", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":",
              ".", "[", "]", "(", ")", ",", ";", "=")
_ESCAPES = {"'": "'", '"': '"', "\\": "\\"}


def _tokenize(text: str, position: int, source: str) -> tuple[list[_Token], int]:
    """Tokens from `position` up to the closing `}`; returns them and the position after the `}`."""
    tokens: list[_Token] = []
    i = position
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char == "}":
            tokens.append(_Token("end", "}", i))
            return tokens, i + 1
        elif char in "'\"":
            value, end = _read_string(text, i, source)
            tokens.append(_Token("string", value, i))
            i = end
        elif char.isdigit() or (char == "." and i + 1 < len(text) and text[i + 1].isdigit()):
            start = i
            while i < len(text) and (text[i].isdigit() or text[i] == "."):
                i += 1
            if i < len(text) and text[i] in "eE":
                i += 1
                if i < len(text) and text[i] in "+-":
                    i += 1
                while i < len(text) and text[i].isdigit():
                    i += 1
            tokens.append(_Token("number", text[start:i], start))
        elif char.isalpha() or char in "_$":
            start = i
            while i < len(text) and (text[i].isalnum() or text[i] in "_$"):
                i += 1
            tokens.append(_Token("name", text[start:i], start))
        else:
            operator = next((op for op in _OPERATORS if text.startswith(op, i)), None)
            if operator is None:
                raise ExpressionError(f"unexpected character {char!r} in {source!r}")
            tokens.append(_Token("op", operator, i))
            i += len(operator)
    raise ExpressionError(f"missing '}}' in {source!r}")


def _read_string(text: str, start: int, source: str) -> tuple[str, int]:
    quote = text[start]
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPES:
            chars.append(_ESCAPES[text[i + 1]])
            i += 2
        elif char == quote:
            return "".join(chars), i + 1
        else:
            chars.append(char)
            i += 1
    raise ExpressionError(f"unterminated string in {source!r}")


# --- parser: JUEL grammar, emitting Python with the precedence of each piece -------------------------------------

# Python precedence levels of the emitted text; a child is parenthesised when its level is too low.
_OR, _AND, _NOT, _CMP, _ADD, _MUL, _UNARY, _ATOM = range(2, 10)

_EQUALITY = {"==": "==", "!=": "!=", "eq": "==", "ne": "!="}
_RELATIONAL = {"<": "<", ">": ">", "<=": "<=", ">=": ">=", "lt": "<", "gt": ">", "le": "<=", "ge": ">="}
_MULTIPLICATIVE = {"*": "*", "/": "/", "div": "/", "%": "%", "mod": "%"}
_LITERALS = {"true": "True", "false": "False", "null": "None"}
_RESERVED = {"and", "or", "not", "eq", "ne", "lt", "gt", "le", "ge", "div", "mod", "empty", "instanceof"}
_DATE_UNITS = {"Minutes": "minutes", "Hours": "hours", "Days": "days", "Weeks": "weeks", "Seconds": "seconds"}
_FUNCTIONS = frozenset(name for name, value in HELPERS.items() if callable(value))

_Piece = tuple[str, int]  # Python text and its precedence level


def _wrap(piece: _Piece, level: int) -> str:
    text, precedence = piece
    return text if precedence >= level else f"({text})"


class _Parser:
    def __init__(self, tokens: list[_Token], source: str) -> None:
        self.tokens = tokens
        self.source = source
        self.index = 0

    # token helpers

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def at(self, *values: str) -> bool:
        return self.token.kind in ("op", "name") and self.token.value in values

    def take(self) -> _Token:
        token = self.token
        self.index += 1
        return token

    def expect(self, value: str) -> None:
        if not self.at(value):
            found = "the end of the expression" if self.token.kind == "end" else f"'{self.token.value}'"
            raise self.error(f"expected '{value}', found {found}")
        self.take()

    def error(self, message: str) -> ExpressionError:
        return ExpressionError(f"{message} (column {self.token.column + 1}) in {self.source!r}")

    # grammar

    def parse(self) -> _Piece:
        if self.token.kind == "end":
            raise self.error("empty expression")
        piece = self.ternary()
        if self.token.kind != "end":
            if self.at("->"):
                raise self.error("lambda expressions are not supported")
            if self.at("+=", ";", "="):
                raise self.error(f"operator '{self.token.value}' is not supported")
            raise self.error(f"expected '}}', found '{self.token.value}'")
        return piece

    def ternary(self) -> _Piece:
        condition = self.or_()
        if not self.at("?"):
            return condition
        self.take()
        if_true = self.ternary()
        self.expect(":")
        if_false = self.ternary()
        return f"({if_true[0]} if {condition[0]} else {if_false[0]})", _ATOM

    def or_(self) -> _Piece:
        left = self.and_()
        while self.at("||", "or"):
            self.take()
            left = f"{_wrap(left, _OR)} or {_wrap(self.and_(), _OR)}", _OR
        return left

    def and_(self) -> _Piece:
        left = self.equality()
        while self.at("&&", "and"):
            self.take()
            left = f"{_wrap(left, _AND)} and {_wrap(self.equality(), _AND)}", _AND
        return left

    def equality(self) -> _Piece:
        left = self.relational()
        while self.at(*_EQUALITY):
            operator = _EQUALITY[self.take().value]
            right = self.relational()
            if "None" in (left[0], right[0]):
                operator = "is" if operator == "==" else "is not"
            # Python would chain `a < b == c`; JUEL does not, so comparisons inside comparisons get parentheses.
            left = f"{_wrap(left, _CMP + 1)} {operator} {_wrap(right, _CMP + 1)}", _CMP
        return left

    def relational(self) -> _Piece:
        left = self.additive()
        while self.at(*_RELATIONAL):
            operator = _RELATIONAL[self.take().value]
            left = f"{_wrap(left, _CMP + 1)} {operator} {_wrap(self.additive(), _CMP + 1)}", _CMP
        if self.at("instanceof"):
            raise self.error("instanceof is not supported")
        return left

    def additive(self) -> _Piece:
        left = self.multiplicative()
        while self.at("+", "-"):
            operator = self.take().value
            left = f"{_wrap(left, _ADD)} {operator} {_wrap(self.multiplicative(), _ADD + 1)}", _ADD
        return left

    def multiplicative(self) -> _Piece:
        left = self.unary()
        while self.at(*_MULTIPLICATIVE):
            operator = _MULTIPLICATIVE[self.take().value]
            left = f"{_wrap(left, _MUL)} {operator} {_wrap(self.unary(), _MUL + 1)}", _MUL
        return left

    def unary(self) -> _Piece:
        if self.at("-"):
            self.take()
            return f"-{_wrap(self.unary(), _UNARY)}", _UNARY
        if self.at("!", "not"):
            self.take()
            return f"not {_wrap(self.unary(), _NOT)}", _NOT
        if self.at("empty"):
            self.take()
            return f"is_empty({self.unary()[0]})", _ATOM
        return self.postfix(self.primary())

    def postfix(self, piece: _Piece) -> _Piece:
        while True:
            if self.at("."):
                self.take()
                name = self.name()
                if self.at("("):
                    raise self.error(f"method call {name}() is not supported")
                piece = f"{_wrap(piece, _ATOM)}[{json.dumps(name, ensure_ascii=False)}]", _ATOM
            elif self.at("["):
                self.take()
                index = self.ternary()
                self.expect("]")
                piece = f"{_wrap(piece, _ATOM)}[{index[0]}]", _ATOM
            else:
                return piece

    def primary(self) -> _Piece:
        token = self.token
        if token.kind == "number":
            self.take()
            return _number(token.value, self), _ATOM
        if token.kind == "string":
            self.take()
            return json.dumps(token.value, ensure_ascii=False), _ATOM
        if self.at("("):
            self.take()
            inner = self.ternary()
            self.expect(")")
            return (f"({inner[0]})", _ATOM) if inner[1] < _ATOM else inner
        if token.kind == "name":
            if token.value in _LITERALS:
                self.take()
                return _LITERALS[token.value], _ATOM
            name = self.name()
            if self.at(":") and self.tokens[self.index + 1].kind == "name" and self.tokens[self.index + 2].value == "(":
                raise self.error("namespaced functions are not supported")
            if self.at("("):
                return self.call(name)
            return name, _ATOM
        if token.kind == "end":
            raise self.error("unexpected end of the expression")
        raise self.error(f"unexpected '{token.value}'")

    def name(self) -> str:
        token = self.token
        if token.kind != "name":
            raise self.error("expected a name")
        if token.value in _RESERVED or token.value in _LITERALS:
            raise self.error(f"'{token.value}' cannot be used here")
        if keyword.iskeyword(token.value) or "$" in token.value:
            raise self.error(f"the name '{token.value}' cannot be used in Python")
        return self.take().value

    def arguments(self) -> list[str]:
        self.expect("(")
        arguments: list[str] = []
        while not self.at(")"):
            if arguments:
                self.expect(",")
            arguments.append(self.ternary()[0])
        self.take()
        return arguments

    def call(self, name: str) -> _Piece:
        if name == "dateTime":
            if self.arguments():
                raise self.error("dateTime() takes no arguments")
            return self.date_chain()
        if name not in _FUNCTIONS:
            raise self.error(f"function {name}() is not supported")
        return f"{name}({', '.join(self.arguments())})", _ATOM

    def date_chain(self) -> _Piece:
        """`dateTime().plusDays(2)...toDate()` as helper arithmetic on `now()`."""
        piece: _Piece = ("now()", _ATOM)
        while self.at("."):
            self.take()
            method = self.name()
            if method == "toDate":
                if self.arguments():
                    raise self.error("toDate() takes no arguments")
                if self.at(".", "["):
                    raise self.error("nothing may follow toDate()")
                return piece
            sign, unit = ("+", method[4:]) if method.startswith("plus") else ("-", method[5:])
            if not (method.startswith(("plus", "minus")) and (unit in _DATE_UNITS or unit in ("Months", "Years"))):
                raise self.error(f"method call {method}() is not supported")
            arguments = self.arguments()
            if len(arguments) != 1:
                raise self.error(f"{method}() takes one argument")
            amount = arguments[0]
            if unit in _DATE_UNITS:
                piece = f"{_wrap(piece, _ADD)} {sign} timedelta({_DATE_UNITS[unit]}={amount})", _ADD
            else:
                months = amount if unit == "Months" else f"({amount}) * 12"
                months = months if sign == "+" else f"-({months})"
                piece = f"add_months({piece[0]}, {months})", _ATOM
        return piece


def _number(text: str, parser: _Parser) -> str:
    try:
        if text.isdigit():
            return str(int(text))  # "007" is not valid Python
        return repr(float(text))
    except ValueError:
        raise parser.error(f"invalid number '{text}'") from None
