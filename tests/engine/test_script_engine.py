"""The platform's script engine: sandboxed scripts and expressions, JUEL at run time, operators."""

from __future__ import annotations

import pytest

from engine.operators import OperatorRegistry
from engine.parser import parse_resources
from engine.runtime import new_workflow
from engine.script_engine import PlatformScriptEngine, python_expression, script_engine
from engine.serializer import dump_workflow, load_workflow

READY = 16  # SpiffWorkflow's TaskState.READY


def script_process(script: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <bpmn:process id="scripted" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="Activity_script" scriptFormat="python"><bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="Activity_wait"><bpmn:incoming>Flow_2</bpmn:incoming><bpmn:outgoing>Flow_3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="Event_end"><bpmn:incoming>Flow_3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_script" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_script" targetRef="Activity_wait" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Activity_wait" targetRef="Event_end" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def run(script: str, **data):
    process = parse_resources({"scripted.bpmn": script_process(script)}).processes["scripted"]
    workflow = new_workflow(process.spec, process.subprocess_specs, data)
    workflow.do_engine_steps()
    return load_workflow(dump_workflow(workflow), process.spec, process.subprocess_specs, script_engine)


def waiting(workflow):
    return next(t for t in workflow.get_tasks() if t.state == READY and t.task_spec.manual)


def test_a_script_task_sets_variables_through_the_sandbox():
    task = waiting(run("total = price * count\nlabel = str(total)", price=3, count=4))
    assert (task.data["total"], task.data["label"]) == (12, "12")


def test_juel_expressions_are_translated_when_evaluated():
    task = waiting(run("x = 1", a=2, b=False))
    assert script_engine.evaluate(task, "${a > 1 && !b}") is True
    assert script_engine.evaluate(task, "a * 10") == 20
    assert python_expression("plain") == "plain"


def test_an_expression_error_names_the_expression_and_its_cause():
    task = waiting(run("x = 1"))
    with pytest.raises(Exception) as error:
        script_engine.evaluate(task, "missing + 1")
    assert "missing + 1" in str(error.value)
    assert error.value.task is task


@pytest.mark.parametrize(("script", "line", "fragment"), [
    ("a = 1\nimport os", 2, "import"),
    ("a = 1\nb = a.__class__", 2, "__class__"),
    ("a = 1\nb = a +", 2, ""),
])
def test_a_forbidden_or_broken_script_fails_its_task_with_the_line(script, line, fragment):
    with pytest.raises(Exception) as error:
        run(script)
    assert error.value.task.task_spec.bpmn_id == "Activity_script"
    assert error.value.line_number == line
    assert fragment in str(error.value)


def test_a_runtime_error_reports_the_script_line_and_leaves_the_data_untouched():
    with pytest.raises(Exception) as error:
        run("a = 1\nb = a / zero", zero=0)
    assert error.value.line_number == 2
    assert "ZeroDivisionError" in str(error.value) or "division" in str(error.value)
    assert "a" not in error.value.task.data


def test_run_operator_calls_a_synchronous_operator_and_leaves_unknown_topics_to_workers():
    operators = OperatorRegistry()
    operators.register("test.double", synchronous=True)(lambda value: {"value": value * 2})
    engine = PlatformScriptEngine(operators)
    assert engine.run_operator(None, "test.double", {"value": 21}) == {"value": 42}
    assert engine.run_operator(None, "test.unknown", {"value": 21}) is None


def test_an_operator_with_side_effects_waits_for_a_job_unless_the_diagram_says_synchronous():
    operators = OperatorRegistry()
    operators.register("test.send_email")(lambda to: {"sent": to})
    engine = PlatformScriptEngine(operators)
    task = waiting(run("x = 1"))
    assert engine.run_operator(task, "test.send_email", {"to": "a@b.ru"}) is None
    task.task_spec.synchronous = True
    assert engine.run_operator(task, "test.send_email", {"to": "a@b.ru"}) == {"sent": "a@b.ru"}


def test_call_service_surfaces_the_operators_own_error():
    operators = OperatorRegistry()

    @operators.register("test.broken", synchronous=True)
    def broken():
        raise ValueError("the bank is closed")

    task = waiting(run("x = 1"))
    with pytest.raises(Exception) as error:
        PlatformScriptEngine(operators).call_service(task, operation_name="test.broken", operation_params={})
    assert "the bank is closed" in str(error.value)
    assert error.value.task is task
