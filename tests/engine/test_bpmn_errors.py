"""BPMN errors: an inline operator, a job's operator and an external worker throw them the same way; the matching
error boundary event (on the task or on an enclosing subprocess) catches them with camunda:errorCodeVariable and
camunda:errorMessageVariable; an uncaught one fails the inline step or becomes an incident, with nothing
half-written."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from engine import instances, jobs
from engine.deployment import deploy
from engine.models import AuditEvent, HumanTask, Job, ProcessInstance
from engine.operators import BpmnError, registry
from tests.engine.conftest import RULES, assert_state_round_trips, diagram

EXTERNAL_TOPIC = "crm.lookup_external"
_RULES = dataclasses.replace(RULES, topic_known=lambda t: t in registry or t == EXTERNAL_TOPIC)


def _lookup(inn: str) -> dict:
    if inn == "0000000000":
        raise BpmnError("CLIENT_NOT_FOUND", "нет клиента с таким ИНН", {"missing_inn": inn})
    if inn == "2222222222":
        raise BpmnError("CLIENT_BLOCKED", "клиент заблокирован")
    if inn == "1111111111":
        raise BpmnError("CRM_DOWN", "CRM недоступна")
    return {"crm_id": 1}


registry.register("test.lookup_inline", synchronous=True)(lambda inn: _lookup(inn))
registry.register("test.lookup_job")(lambda inn: _lookup(inn))


def _start(session, topic: str, inn: str) -> str:
    content = diagram("client_lookup.bpmn")["client_lookup.bpmn"].replace(b'"TOPIC"', f'"{topic}"'.encode())
    deploy(session, {"client_lookup.bpmn": content}, name=topic, rules=_RULES)
    return instances.start_process(session, "client_lookup", {"inn": inn}).id


def _open_tasks(session, instance_id: str) -> list[str]:
    session.expire_all()
    return list(
        session.scalars(
            select(HumanTask.task_key).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
        )
    )


def _jobs(session, instance_id: str) -> list[Job]:
    session.expire_all()
    return list(session.scalars(select(Job).where(Job.instance_id == instance_id)))


def _work(session, topic: str, instance_id: str) -> str:
    """Let the job of the instance run: a platform worker for the job topic, an external worker for the other."""
    if topic == "test.lookup_job":
        return jobs.work_once(session, "worker-1")
    [job] = jobs.claim(session, "external-1", external=True, topics=[EXTERNAL_TOPIC])
    assert job.instance_id == instance_id
    try:
        _lookup(
            "0000000000"
            if job.payload.find("0000000000") >= 0
            else "2222222222"
            if job.payload.find("2222222222") >= 0
            else "1111111111"
        )
    except BpmnError as error:
        return jobs.throw_error(session, job.id, "external-1", error.code, error.message, error.variables)
    raise AssertionError("the external worker was expected to report an error")


def test_an_inline_operators_bpmn_error_is_caught_by_the_boundary_event_with_code_and_message(session):
    instance_id = _start(session, "test.lookup_inline", "0000000000")
    assert _open_tasks(session, instance_id) == ["fix_client"]
    assert _jobs(session, instance_id) == []
    variables = instances.instance_variables(session, instance_id)
    assert (variables["error_code"], variables["error_message"], variables["missing_inn"]) == (
        "CLIENT_NOT_FOUND",
        "нет клиента с таким ИНН",
        "0000000000",
    )
    assert session.get(ProcessInstance, instance_id).status == "active"
    assert_state_round_trips(session, instance_id)


def test_an_inline_bpmn_error_leaves_the_subprocess_for_the_boundary_event_on_it(session):
    instance_id = _start(session, "test.lookup_inline", "2222222222")
    assert _open_tasks(session, instance_id) == ["review_block"]
    variables = instances.instance_variables(session, instance_id)
    assert variables["blocked_code"] == "CLIENT_BLOCKED"
    assert "error_message" not in variables  # the subprocess boundary names no message variable
    assert_state_round_trips(session, instance_id)


def test_an_uncaught_inline_bpmn_error_fails_the_instance_with_a_clear_reason_and_writes_no_task(session):
    instance_id = _start(session, "test.lookup_inline", "1111111111")
    session.expire_all()
    instance = session.get(ProcessInstance, instance_id)
    assert instance.status == "failed"
    assert instance.error["task_key"] == "lookup"
    assert instance.error["message"] == "BPMN error CRM_DOWN was not caught: CRM недоступна"
    assert _open_tasks(session, instance_id) == [] and _jobs(session, instance_id) == []
    assert "crm_id" not in instances.instance_variables(session, instance_id)
    assert_state_round_trips(session, instance_id)


def test_an_inline_operator_without_an_error_goes_on_normally(session):
    instance_id = _start(session, "test.lookup_inline", "7707083893")
    assert session.get(ProcessInstance, instance_id).status == "completed"


@pytest.mark.parametrize("topic", ["test.lookup_job", EXTERNAL_TOPIC])
def test_a_jobs_bpmn_error_is_caught_like_an_inline_one(session, topic):
    instance_id = _start(session, topic, "0000000000")
    assert _work(session, topic, instance_id) == "done"
    [job] = _jobs(session, instance_id)
    assert job.status == "done"
    assert _open_tasks(session, instance_id) == ["fix_client"]
    variables = instances.instance_variables(session, instance_id)
    assert (variables["error_code"], variables["error_message"], variables["missing_inn"]) == (
        "CLIENT_NOT_FOUND",
        "нет клиента с таким ИНН",
        "0000000000",
    )
    assert "bpmn_error_caught" in session.scalars(select(AuditEvent.kind)).all()
    assert_state_round_trips(session, instance_id)


@pytest.mark.parametrize("topic", ["test.lookup_job", EXTERNAL_TOPIC])
def test_a_jobs_bpmn_error_reaches_the_boundary_event_of_the_subprocess(session, topic):
    instance_id = _start(session, topic, "2222222222")
    assert _work(session, topic, instance_id) == "done"
    assert _open_tasks(session, instance_id) == ["review_block"]
    assert instances.instance_variables(session, instance_id)["blocked_code"] == "CLIENT_BLOCKED"
    assert_state_round_trips(session, instance_id)


@pytest.mark.parametrize("topic", ["test.lookup_job", EXTERNAL_TOPIC])
def test_an_uncaught_jobs_bpmn_error_becomes_an_incident_and_the_instance_waits_unchanged(session, topic):
    instance_id = _start(session, topic, "1111111111")
    state_before = session.get(ProcessInstance, instance_id).state
    assert _work(session, topic, instance_id) == "incident"
    [job] = _jobs(session, instance_id)
    assert (job.status, job.error_message) == ("incident", "BPMN error CRM_DOWN was not caught: CRM недоступна")
    instance = session.get(ProcessInstance, instance_id)
    assert instance.status == "active" and instance.state == state_before
    assert _open_tasks(session, instance_id) == []
