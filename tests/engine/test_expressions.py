from datetime import datetime, timedelta

import pytest

from engine import clock, sandbox
from engine.expressions import ExpressionError, is_juel, to_python


@pytest.mark.parametrize(("text", "expected"), [
    ("${amount > 1000 && !urgent}", "amount > 1000 and not urgent"),
    ("${amount gt 1000 and not urgent}", "amount > 1000 and not urgent"),
    ("${a || b && c}", "a or b and c"),
    ("${(a || b) && c}", "(a or b) and c"),
    ("${a.b['x'][0]}", 'a["b"]["x"][0]'),
    ('${client.type == "ЮЛ"}', 'client["type"] == "ЮЛ"'),
    ("${x eq 'a && b || c'}", 'x == "a && b || c"'),
    ("${x == null}", "x is None"),
    ("${x ne null}", "x is not None"),
    ("${flag == true}", "flag == True"),
    ("${a < b == c < d}", "(a < b) == (c < d)"),
    ("${!a == b}", "(not a) == b"),
    ("${a - (b - c)}", "a - (b - c)"),
    ("${a div 2 + b mod 3 - -c}", "a / 2 + b % 3 - -c"),
    ("${1.5e3 + 007}", "1500.0 + 7"),
    ("${a ? b : c}", "(b if a else c)"),
    ("${a ? 1 : b ? 2 : 3}", "(1 if a else (2 if b else 3))"),
    ("${empty items}", "is_empty(items)"),
    ("${not empty items && !empty name}", "not is_empty(items) and not is_empty(name)"),
    ("${add_business_days(today(), 3)}", "add_business_days(today(), 3)"),
    ("  ${a}  ", "a"),
])
def test_juel_expressions_become_python(text, expected):
    assert to_python(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${dateTime().plusDays(2).toDate()}", "now() + timedelta(days=2)"),
    ("${dateTime().plusHours(4).plusMinutes(30)}", "now() + timedelta(hours=4) + timedelta(minutes=30)"),
    ("${dateTime().plusWeeks(sla_weeks).toDate()}", "now() + timedelta(weeks=sla_weeks)"),
    ("${dateTime().plusMonths(1).plusDays(1).toDate()}", "add_months(now(), 1) + timedelta(days=1)"),
    ("${dateTime().minusDays(1)}", "now() - timedelta(days=1)"),
    ("${dateTime().plusYears(1)}", "add_months(now(), (1) * 12)"),
])
def test_the_due_date_idiom_becomes_helper_arithmetic(text, expected):
    assert to_python(text) == expected


def test_a_translated_due_date_evaluates_in_the_sandbox(monkeypatch):
    fixed = datetime(2026, 1, 31, 9, 0, tzinfo=clock.BUSINESS_TZ)
    monkeypatch.setattr(sandbox, "now", lambda: fixed)
    assert sandbox.evaluate(to_python("${dateTime().plusDays(2).toDate()}"), {}) == fixed + timedelta(days=2)
    assert sandbox.evaluate(to_python("${dateTime().plusMonths(1)}"), {}) == datetime(2026, 2, 28, 9, 0,
                                                                                        tzinfo=clock.BUSINESS_TZ)


def test_translated_expressions_compute_what_juel_means():
    context = {"amount": 1500, "urgent": False, "client": {"type": "ЮЛ"}, "items": [], "a": 1, "b": 2, "c": 3}
    cases = {
        "${amount > 1000 && !urgent}": True,
        "${client.type == 'ЮЛ' ? 'legal' : 'person'}": "legal",
        "${empty items || a > b}": True,
        "${a < b == b < c}": True,  # JUEL: (1 < 2) == (2 < 3); a chained Python comparison would say False
        "${(a + b) * c mod 4}": 1,
    }
    for text, expected in cases.items():
        assert sandbox.evaluate(to_python(text), context) == expected, text


def test_composite_text_becomes_a_concatenation():
    python = to_python("Здравствуйте, ${name}! Долг: ${debt} ₽")
    assert python == '"Здравствуйте, " + str(name) + "! Долг: " + str(debt) + " ₽"'
    assert sandbox.evaluate(python, {"name": "Иван", "debt": 10}) == "Здравствуйте, Иван! Долг: 10 ₽"


def test_text_without_an_expression_is_returned_unchanged():
    assert to_python("amount > 1000") == "amount > 1000"
    assert to_python("P3D") == "P3D"


def test_is_juel_recognises_both_expression_kinds():
    assert is_juel("${a}")
    assert is_juel("#{a}")
    assert is_juel("x ${a} y")
    assert not is_juel("a > 1")
    assert not is_juel("$ {a}")


@pytest.mark.parametrize(("text", "message"), [
    ("${list.size() > 0}", "method call size() is not supported"),
    ("${dateTime().getDayOfWeek()}", "method call getDayOfWeek() is not supported"),
    ("${dateTime().toDate().plusDays(1)}", "nothing may follow toDate()"),
    ("${execution.getVariable('x')}", "method call getVariable() is not supported"),
    ("#{bean.value}", "deferred expressions"),
    ("${x -> x + 1}", "lambda expressions are not supported"),
    ("${fn:upper(name)}", "namespaced functions are not supported"),
    ("${system(1)}", "function system() is not supported"),
    ("${a = 1}", "operator '=' is not supported"),
    ("${a += 1}", "operator '+=' is not supported"),
    ("${a; b}", "operator ';' is not supported"),
    ("${a instanceof b}", "instanceof is not supported"),
    ("${class}", "cannot be used in Python"),
    ("${}", "empty expression"),
    ("${a", "missing '}'"),
    ("${'abc}", "unterminated string"),
    ("${a @ b}", "unexpected character"),
    ("${(a}", "expected ')'"),
])
def test_what_cannot_be_translated_is_an_expression_error_saying_what(text, message):
    with pytest.raises(ExpressionError) as caught:
        to_python(text)
    assert message in str(caught.value)


def test_a_closing_brace_inside_a_string_does_not_end_the_expression():
    assert to_python("${x == '}'}") == 'x == "}"'


def test_every_supported_translation_compiles_in_the_sandbox():
    texts = ["${amount > 1000 && !urgent}", "${a.b['x']}", "${a ? b : c}", "${not empty x}",
             "${dateTime().plusMonths(2).plusDays(1).toDate()}", "Hello ${name}", "${-a mod 2 div 3}"]
    for text in texts:
        sandbox.compile_expression(to_python(text))
