"""What the runtime reads from a waiting workflow: assignment and SLA resolved against the task data; and a script
that never ends stops the instance instead of the server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from engine import runtime
from engine.parser import parse_resources

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="sla" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="prepare" scriptFormat="python"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="review" name="Проверить" camunda:assignee="${{responsible}}"
        camunda:candidateGroups="uk_lawyer,${{extra_group}}" camunda:dueDate="{due}" camunda:priority="${{urgency}}">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare" />
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="review" />
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
NOW = datetime(2026, 12, 30, 3, 0, tzinfo=UTC)  # 10:00 in Novosibirsk, a Wednesday before the New Year holidays


def _waiting(due: str, script: str = "urgency = 80"):
    process = parse_resources({"sla.bpmn": DIAGRAM.format(due=due, script=script).encode()}).processes["sla"]
    workflow = runtime.new_workflow(process.spec, process.subprocess_specs,
                                    {"responsible": "ivanov", "extra_group": "uk_accountant"})
    return workflow, runtime.advance(workflow)


@time_machine.travel(NOW, tick=False)
def test_assignee_groups_and_priority_come_from_the_task_data():
    workflow, failure = _waiting("P3D")
    [task] = runtime.waiting_user_tasks(workflow)
    assert failure is None
    assert (task.assignee, task.candidate_groups, task.priority) == ("ivanov", ["uk_lawyer", "uk_accountant"], 80)
    assert task.due_at == NOW + timedelta(days=3)


@time_machine.travel(NOW, tick=False)
def test_the_camunda_due_date_idiom_is_evaluated():
    workflow, _ = _waiting("${dateTime().plusDays(2).toDate()}")
    assert runtime.waiting_user_tasks(workflow)[0].due_at == NOW + timedelta(days=2)


@time_machine.travel(NOW, tick=False)
def test_a_due_date_in_business_days_skips_the_new_year_holidays():
    workflow, _ = _waiting("${add_business_days(today(), 2)}")
    # 31.12.2026 is a day off, 1–8.01 are holidays, 9–10.01 a weekend: the 11th and the 12th are the two
    # business days, and the task is due at the end of the 12th, local time.
    assert runtime.waiting_user_tasks(workflow)[0].due_at == datetime(2027, 1, 12, 16, 59, 59, tzinfo=UTC)


def test_a_script_that_never_ends_stops_the_instance_with_a_time_limit_error():
    workflow, failure = _waiting("P1D", script="while True:\n    pass")
    assert failure is not None and failure.task_key == "prepare"
    assert "time" in failure.message.lower()
    assert runtime.waiting_user_tasks(workflow) == []


def test_an_attribute_expression_with_a_bad_value_fails_the_step_with_the_element():
    workflow, _ = _waiting("P1D", script="urgency = 'срочно'")
    try:
        runtime.waiting_user_tasks(workflow)
    except runtime.StepFailed as failed:
        assert failed.failure.task_key == "review" and "срочно" in failed.failure.message
    else:
        raise AssertionError("a priority that is not a number must fail the step")


def test_a_script_value_that_cannot_be_stored_fails_the_script_with_its_name():
    _, failure = _waiting("P1D", script="urgency = 80\nsteps = range(3)")
    assert failure is not None and failure.task_key == "prepare"
    assert "steps" in failure.message and "range" in failure.message
