"""Instances: start, the task projection, completion, claims, concurrency, cancel, suspend, variables, failures."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from engine import instances
from engine.deployment import deploy
from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import AuditEvent, HumanTask, ProcessInstance
from engine.operators import registry
from engine.scope import Scope
from identity.models import Partner
from tests.engine.conftest import CALLS, RULES, diagram
from web.extensions import db


def _open_task(session, instance_id: str) -> HumanTask:
    return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                   HumanTask.status == "open")).one()


def _kinds(session, instance_id: str) -> list[str]:
    return list(session.scalars(select(AuditEvent.kind).where(AuditEvent.instance_id == instance_id)
                                .order_by(AuditEvent.id)))


def test_start_runs_to_the_user_task_and_projects_it_for_the_worklist(session, deployed):
    instance = instances.start_process(session, "svc_debtor", {"debt": 5000}, business_key="ЛС-001",
                                       partner_id=None)
    assert instance.status == "active"
    task = _open_task(session, instance.id)
    assert (task.task_key, task.name, task.business_key) == ("review", "Проверить", "ЛС-001")
    assert task.candidate_groups == ["uk_lawyer"] and task.due_at is not None
    assert instances.instance_variables(session, instance.id)["penalty"] == 50
    assert _kinds(session, instance.id) == ["instance_started", "task_created"]


def test_completing_the_task_finishes_the_instance_and_closes_the_projection(session, deployed):
    instance = instances.start_process(session, "svc_debtor", {"debt": 5000})
    task = _open_task(session, instance.id)
    instances.complete_task(session, task.id, {"approved": True},
                           scope=Scope(username="lawyer", groups=frozenset({"uk_lawyer"})))
    session.expire_all()
    done = session.get(ProcessInstance, instance.id)
    assert done.status == "completed" and done.ended_at is not None
    closed = session.get(HumanTask, task.id)
    assert (closed.status, closed.completed_by) == ("completed", "lawyer")
    assert instances.instance_variables(session, instance.id)["approved"] is True
    assert _kinds(session, instance.id)[-2:] == ["task_completed", "instance_completed"]


def test_the_gateway_skips_the_service_task_for_a_small_debt(session, deployed):
    CALLS.clear()
    instance = instances.start_process(session, "svc_debtor", {"debt": 10})
    assert CALLS == [] and "penalty" not in instances.instance_variables(session, instance.id)


def test_a_completed_task_cannot_be_completed_again(session, deployed):
    instance = instances.start_process(session, "svc_debtor", {"debt": 5000})
    task_id = _open_task(session, instance.id).id
    instances.complete_task(session, task_id, {})
    with pytest.raises(Conflict, match="already completed"):
        instances.complete_task(session, task_id, {})


def test_a_partner_user_cannot_see_or_complete_another_partners_task(session, deployed):
    session.add_all([Partner(id=1, code="a", name="A"), Partner(id=2, code="b", name="B")])
    session.commit()
    instance = instances.start_process(session, "svc_debtor", {"debt": 5000}, partner_id=1)
    task_id = _open_task(session, instance.id).id
    with pytest.raises(NotFound):
        instances.complete_task(session, task_id, {}, scope=Scope(username="x", partner_id=2))
    with pytest.raises(NotFound):
        instances.instance_variables(session, instance.id, scope=Scope(username="x", partner_id=2))
    assert _open_task(session, instance.id).id == task_id


def test_claim_is_exclusive_until_unclaimed(session, deployed):
    instance = instances.start_process(session, "svc_debtor", {"debt": 5000})
    task_id = _open_task(session, instance.id).id
    instances.claim_task(session, task_id, "ivanov")
    instances.claim_task(session, task_id, "ivanov")  # claiming one's own task again is harmless
    with pytest.raises(Conflict, match="ivanov"):
        instances.claim_task(session, task_id, "petrov")
    instances.unclaim_task(session, task_id)
    instances.claim_task(session, task_id, "petrov")
    session.expire_all()
    assert session.get(HumanTask, task_id).assignee == "petrov"


def test_of_two_concurrent_completions_exactly_one_wins(app, deployed):
    instance = instances.start_process(db.session, "svc_debtor", {"debt": 5000})
    task_id = _open_task(db.session, instance.id).id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def complete(value: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                instances.complete_task(db.session, task_id, {"winner": value})
                outcomes.append("won")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=complete, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "won"]
    assert db.session.get(ProcessInstance, instance.id).status == "completed"
    assert _kinds(db.session, instance.id).count("task_completed") == 1


def test_cancel_ends_the_instance_and_its_tasks(session, deployed):
    instance = instances.start_process(session, "svc_debtor", {"debt": 5000})
    task_id = _open_task(session, instance.id).id
    instances.cancel_instance(session, instance.id, reason="долг погашен")
    session.expire_all()
    assert session.get(ProcessInstance, instance.id).status == "cancelled"
    assert session.get(HumanTask, task_id).status == "cancelled"
    with pytest.raises(Conflict):
        instances.cancel_instance(session, instance.id)


def test_a_suspended_instance_refuses_completion_until_resumed(session, deployed):
    instance = instances.start_process(session, "svc_debtor", {"debt": 5000})
    task_id = _open_task(session, instance.id).id
    instances.suspend_instance(session, instance.id, suspended=True)
    with pytest.raises(Conflict, match="suspended"):
        instances.complete_task(session, task_id, {})
    instances.suspend_instance(session, instance.id, suspended=False)
    instances.complete_task(session, task_id, {})
    assert session.get(ProcessInstance, instance.id).status == "completed"


def test_variables_can_be_modified_and_deleted_while_waiting(session, deployed):
    instance = instances.start_process(session, "svc_debtor", {"debt": 5000, "note": "x"})
    instances.modify_variables(session, instance.id, {"debt": 7000, "city": "Новосибирск"}, ["note"])
    values = instances.instance_variables(session, instance.id)
    assert values["debt"] == 7000 and values["city"] == "Новосибирск" and "note" not in values
    task_id = _open_task(session, instance.id).id
    assert instances.task_variables(session, task_id)["city"] == "Новосибирск"


def test_a_failing_script_stops_the_instance_with_the_element_and_line(session):
    deploy(session, diagram("broken_script.bpmn"), name="broken", rules=RULES)
    instance = instances.start_process(session, "broken_script", {"divisor": 0})
    assert instance.status == "failed"
    assert instance.error["task_key"] == "divide"
    assert instance.error["line"] == 2 and "division by zero" in instance.error["message"]
    assert _kinds(session, instance.id)[-1] == "instance_failed"


def test_an_unknown_process_key_is_not_found(session):
    with pytest.raises(NotFound, match="nope"):
        instances.start_process(session, "nope", {})


def test_instances_stay_on_their_version_after_a_new_deployment(session, deployed):
    old = instances.start_process(session, "svc_debtor", {"debt": 5000})
    content = diagram("debtor.bpmn")["debtor.bpmn"].decode()
    changed = {"debtor.bpmn": content.replace('name="Проверить"', 'name="Проверить v2"').encode()}
    deploy(session, changed, name="v2", rules=RULES)
    new = instances.start_process(session, "svc_debtor", {"debt": 5000})
    assert _open_task(session, old.id).name == "Проверить"
    assert _open_task(session, new.id).name == "Проверить v2"
    instances.complete_task(session, _open_task(session, old.id).id, {})
    assert session.get(ProcessInstance, old.id).status == "completed"


def test_a_failed_commit_is_an_error_and_nothing_is_stored(session, deployed, monkeypatch):
    def broken_commit():
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(session, "commit", broken_commit)
    with pytest.raises(OperationalError):
        instances.start_process(session, "svc_debtor", {"debt": 5000})
    monkeypatch.undo()
    assert session.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_variables_with_a_dictionary_key_that_is_not_a_string_are_refused_and_nothing_is_written(session, deployed):
    with pytest.raises(InvalidInput, match=r"variable 'by_month' cannot be kept: the dictionary key 1 \(int\)"):
        instances.start_process(session, "svc_debtor", {"debt": 5000, "by_month": {1: 100}})
    assert session.scalar(select(func.count()).select_from(ProcessInstance)) == 0

    instance = instances.start_process(session, "svc_debtor", {"debt": 5000})
    task = _open_task(session, instance.id)
    with pytest.raises(InvalidInput, match="dictionary key 2"):
        instances.complete_task(session, task.id, {"months": {2: "feb"}})
    with pytest.raises(InvalidInput, match="dictionary key 3"):
        instances.modify_variables(session, instance.id, {"months": {3: "mar"}}, [])
    session.expire_all()
    assert _open_task(session, instance.id).id == task.id
    assert "months" not in instances.instance_variables(session, instance.id)


@registry.register("test.by_month", synchronous=True)
def _by_month() -> dict:
    return {"by_month": {1: 100}}


BY_MONTH = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="by_month" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="sum" camunda:type="external" camunda:topic="test.by_month">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sum" />
    <bpmn:sequenceFlow id="f2" sourceRef="sum" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""


def test_an_operator_result_with_a_key_that_is_not_a_string_fails_the_instance_with_the_reason(session):
    deploy(session, {"by_month.bpmn": BY_MONTH}, name="test", rules=RULES)
    instance = instances.start_process(session, "by_month")
    assert instance.status == "failed"
    assert instance.error["task_key"] == "sum"
    assert "returned data that cannot be kept: variable 'by_month' cannot be kept: the dictionary key 1 (int)" \
        in instance.error["message"]
