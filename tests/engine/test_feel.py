from datetime import date
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.camunda.parser import CamundaParser

from engine import sandbox
from engine.feel import FeelError, literal_to_python, unary_test_to_python


@pytest.mark.parametrize(("cell", "expected"), [
    ("-", ""),
    ("", ""),
    ("  ", ""),
    (">= 30", "? is not None and ? >= 30"),
    ("< 5.5", "? is not None and ? < 5.5"),
    ("30", "? == 30"),
    ("-5", "? == -5"),
    ('"ЮЛ"', '? == "ЮЛ"'),
    ("[30..90)", "? is not None and 30 <= ? < 90"),
    ("(1..2]", "? is not None and 1 < ? <= 2"),
    ("]1..2[", "? is not None and 1 < ? < 2"),
    ("[1..2[", "? is not None and 1 <= ? < 2"),
    ('"ФЛ","ИП"', '? in ("ФЛ", "ИП")'),
    ("1, 2, 3", "? in (1, 2, 3)"),
    ('not("x")', '? != "x"'),
    ("not(1, 2)", "? not in (1, 2)"),
    ("not(null)", "? is not None"),
    ("not(< 5)", "not (? is not None and ? < 5)"),
    ("true", "? is True"),
    ("false", "? is False"),
    ("null", "? is None"),
    ('date("2026-01-01")', "? == date(2026, 1, 1)"),
    ('< date("2026-01-01")', "? is not None and ? < date(2026, 1, 1)"),
    ("< 5, > 10", "(? is not None and ? < 5) or (? is not None and ? > 10)"),
    ("> client.limit", '? is not None and ? > client["limit"]'),
])
def test_simple_unary_tests_become_conditions_on_the_input(cell, expected):
    assert unary_test_to_python(cell) == expected


def test_quotes_in_a_string_are_escaped_so_spiff_finds_the_question_mark():
    python = unary_test_to_python(r'"Что? \"ООО\" и \'ИП\'"')
    assert python == r'? == "Что? \x22ООО\x22 и \x27ИП\x27"'
    assert python.count('"') == 2
    assert eval(python.replace("?", "v", 1), {"v": "Что? \"ООО\" и 'ИП'"})


@pytest.mark.parametrize(("text", "expected"), [
    ('"Крупный"', '"Крупный"'),
    ("10", "10"),
    ("0.15", "0.15"),
    ("true", "True"),
    ("null", "None"),
    ("amount * 0.1", "amount * 0.1"),
    ("(a + b) / 2", "(a + b) / 2"),
    ("-x", "-x"),
    ("client.type", 'client["type"]'),
    ('date("2026-03-01")', "date(2026, 3, 1)"),
    ("a = null", "a is None"),
    ("", ""),
])
def test_literals_and_simple_expressions_become_python(text, expected):
    assert literal_to_python(text) == expected


@pytest.mark.parametrize("cell", [
    'contains(name, "ООО")',
    "some x in items satisfies x > 1",
    "? > 5",
    "Customer Type",
    'date("2026-13-01")',
    "[1..2",
    'not("a", not("b"))',
    'date and time("2026-01-01T10:00:00")',
])
def test_unsupported_feel_is_a_feel_error_naming_the_cell(cell):
    with pytest.raises(FeelError) as caught:
        unary_test_to_python(cell)
    assert repr(cell) in str(caught.value)


@pytest.mark.parametrize("text", ['if a then "x" else "y"', "substring(name, 1, 3)", "for x in xs return x"])
def test_unsupported_literal_expressions_are_feel_errors(text):
    with pytest.raises(FeelError):
        literal_to_python(text)


# --- the translated cells evaluated by SpiffWorkflow's own DMN engine -------------------------------------------

INPUTS = ("amount", "client.type", "signed_on")  # input expressions as dmn-js writes them
OUTPUTS = ("category", "discount")
RULES = [  # FEEL cells as dmn-js writes them: 3 inputs, 2 outputs
    ((">= 100000", '"ЮЛ"', "-"), ('"large"', "0.1")),
    (("[1000..100000)", '"ЮЛ","ИП"', '>= date("2026-01-01")'), ('"medium new"', "0.05")),
    (("[1000..100000)", '"ЮЛ","ИП"', '< date("2026-01-01")'), ('"medium old"', "0.03")),
    (("< 1000", 'not("ЮЛ")', "-"), ('"small"', "0")),
    ((">= 1000", '"ФЛ"', "null"), ('"person unsigned"', "0")),
    ((">= 1000", '"ФЛ"', "not(null)"), ('"person"', "amount * 0.01")),
]


def _decision_table_xml() -> str:
    inputs = "".join(
        f'<input id="in{i}" label="{name}"><inputExpression id="ie{i}" typeRef="string">'
        f"<text>{escape(literal_to_python(name))}</text></inputExpression></input>"
        for i, name in enumerate(INPUTS))
    outputs = "".join(f'<output id="out{i}" name="{name}" typeRef="string"/>' for i, name in enumerate(OUTPUTS))
    rules = "".join(
        f'<rule id="r{r}">'
        + "".join(f'<inputEntry id="r{r}i{i}"><text>{escape(unary_test_to_python(cell) or "-")}</text></inputEntry>'
                  for i, cell in enumerate(cells))
        + "".join(f'<outputEntry id="r{r}o{i}"><text>{escape(literal_to_python(cell))}</text></outputEntry>'
                  for i, cell in enumerate(results))
        + "</rule>"
        for r, (cells, results) in enumerate(RULES))
    return (
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x">'
        '<decision id="discount" name="Discount"><decisionTable id="t" hitPolicy="UNIQUE">'
        f"{inputs}{outputs}{rules}</decisionTable></decision></definitions>")


BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="x">
  <bpmn:process id="decide" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rule"/>
    <bpmn:businessRuleTask id="rule" camunda:decisionRef="discount"/>
    <bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


class SandboxScriptEngine(PythonScriptEngine):
    """The smallest bridge from Spiff to engine.sandbox, to prove the cells also run restricted."""

    def evaluate(self, task, expression, external_context=None):
        return sandbox.evaluate(expression, {**task.data, **(external_context or {})})


def _decide(script_engine, data):
    parser = CamundaParser()
    parser.add_dmn_str(_decision_table_xml().encode())
    parser.add_bpmn_str(BPMN.encode())
    workflow = BpmnWorkflow(parser.get_spec("decide"), script_engine=script_engine)
    workflow.task_tree.data.update(data)
    workflow.do_engine_steps()
    assert workflow.is_completed()
    return {key: workflow.data.get(key) for key in OUTPUTS}


SCRIPT_ENGINES = {
    "spiff": PythonScriptEngine(environment=TaskDataEnvironment({"date": date})),
    "sandbox": SandboxScriptEngine(),
}


@pytest.mark.parametrize("engine_name", SCRIPT_ENGINES)
@pytest.mark.parametrize(("data", "expected"), [
    ({"amount": 150000, "client": {"type": "ЮЛ"}, "signed_on": None}, ("large", 0.1)),
    ({"amount": 1000, "client": {"type": "ИП"}, "signed_on": date(2026, 1, 1)}, ("medium new", 0.05)),
    ({"amount": 99999.99, "client": {"type": "ЮЛ"}, "signed_on": date(2025, 12, 31)}, ("medium old", 0.03)),
    ({"amount": 999, "client": {"type": "ФЛ"}, "signed_on": None}, ("small", 0)),
    ({"amount": 5000, "client": {"type": "ФЛ"}, "signed_on": None}, ("person unsigned", 0)),
    ({"amount": 5000, "client": {"type": "ФЛ"}, "signed_on": date(2024, 5, 1)}, ("person", 50.0)),
    ({"amount": 999, "client": {"type": "ЮЛ"}, "signed_on": None}, (None, None)),  # no rule matches
    ({"amount": None, "client": {"type": "ЮЛ"}, "signed_on": None}, (None, None)),  # FEEL: null < 1000 is no match
])
def test_translated_cells_decide_in_spiffworkflows_dmn_engine(engine_name, data, expected):
    assert tuple(_decide(SCRIPT_ENGINES[engine_name], data).values()) == expected


def test_every_translated_input_cell_uses_the_question_mark_so_spiff_never_guesses():
    for cells, _ in RULES:
        for cell in cells:
            python = unary_test_to_python(cell)
            assert python == "" or "?" in python
