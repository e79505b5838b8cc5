"""Messages: the subscription projection follows the workflow; correlation by business key, instance and
correlation keys; message start events; a message that matches nothing is refused and changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from engine import instances, messages
from engine.deployment import deploy
from engine.errors import InvalidInput
from engine.messages import EXECUTION, PROCESS_DEFINITION, NotCorrelated
from engine.models import CorrelationKey, HumanTask, MessageSubscription, ProcessInstance, StartEvent
from tests.engine.conftest import RULES, assert_state_round_trips, diagram
from tests.support.statements import recording
from web.extensions import db


@pytest.fixture
def payment_wait(session):
    deploy(session, diagram("payment_wait.bpmn"), name="pay", rules=RULES)


def _waiting_for(session, instance_id: str) -> list[tuple[str, str]]:
    session.expire_all()
    return sorted(session.execute(select(MessageSubscription.task_key, MessageSubscription.message_name)
                                  .where(MessageSubscription.instance_id == instance_id)).all())


def _status(session, instance_id: str) -> str:
    session.expire_all()
    return session.get(ProcessInstance, instance_id).status


def test_a_receive_task_a_catch_event_and_a_boundary_event_each_take_their_message(session, payment_wait):
    instance = instances.start_process(session, "payment_wait", {"account": "ЛС-001"}, business_key="ЛС-001")
    assert _waiting_for(session, instance.id) == [("wait_signature", "contract_signed")]
    assert_state_round_trips(session, instance.id)

    [signed] = messages.correlate_message(session, "contract_signed", business_key="ЛС-001",
                                          variables={"signed_on": "2026-12-01"})
    assert signed.result_type == EXECUTION and signed.instance.id == instance.id
    assert _waiting_for(session, instance.id) == [("wait_payment", "payment_received")]
    assert_state_round_trips(session, instance.id)

    messages.correlate_message(session, "payment_received", business_key="ЛС-001",
                               variables={"amount": Decimal("1500.50")})
    assert _waiting_for(session, instance.id) == [("withdrawn", "claim_withdrawn")]
    assert session.scalar(select(HumanTask.task_key).where(HumanTask.status == "open")) == "review"
    values = instances.instance_variables(session, instance.id)
    assert values["amount"] == Decimal("1500.50") and values["signed_on"] == "2026-12-01"
    assert_state_round_trips(session, instance.id)

    messages.correlate_message(session, "claim_withdrawn", process_instance_id=instance.id)
    assert _status(session, instance.id) == "completed"
    assert session.scalar(select(HumanTask.status).where(HumanTask.task_key == "review")) == "cancelled"
    assert _waiting_for(session, instance.id) == []
    assert_state_round_trips(session, instance.id)


def test_a_message_goes_only_to_the_instance_with_its_business_key(session, payment_wait):
    first = instances.start_process(session, "payment_wait", {}, business_key="ЛС-001")
    second = instances.start_process(session, "payment_wait", {}, business_key="ЛС-002")
    [result] = messages.correlate_message(session, "contract_signed", business_key="ЛС-002")
    assert result.instance.id == second.id
    assert _waiting_for(session, first.id) == [("wait_signature", "contract_signed")]
    assert _waiting_for(session, second.id) == [("wait_payment", "payment_received")]


def test_correlation_keys_pick_the_instance_whose_variables_are_equal(session, payment_wait):
    first = instances.start_process(session, "payment_wait", {"contract_no": "Д-7"})
    second = instances.start_process(session, "payment_wait", {"contract_no": "Д-8"})
    [result] = messages.correlate_message(session, "contract_signed", correlation_keys={"contract_no": "Д-8"})
    assert result.instance.id == second.id
    assert _waiting_for(session, first.id) == [("wait_signature", "contract_signed")]


def test_a_message_that_matches_nothing_is_refused_and_changes_nothing(session, payment_wait):
    instance = instances.start_process(session, "payment_wait", {}, business_key="ЛС-001")
    state = session.get(ProcessInstance, instance.id).state
    for kwargs in ({"business_key": "ЛС-999"}, {"correlation_keys": {"contract_no": "нет"}}):
        with pytest.raises(NotCorrelated, match="No process definition or execution matches"):
            messages.correlate_message(session, "contract_signed", **kwargs)
    with pytest.raises(NotCorrelated):
        messages.correlate_message(session, "payment_received", business_key="ЛС-001")  # not waited for yet
    session.expire_all()
    assert session.get(ProcessInstance, instance.id).state == state
    assert _waiting_for(session, instance.id) == [("wait_signature", "contract_signed")]


def test_a_message_matching_two_instances_is_refused_unless_all_are_meant(session, payment_wait):
    ids = {instances.start_process(session, "payment_wait", {}).id for _ in range(2)}
    with pytest.raises(NotCorrelated, match="to a single execution. 2 executions match"):
        messages.correlate_message(session, "contract_signed")
    results = messages.correlate_message(session, "contract_signed", all_matches=True)
    assert {r.instance.id for r in results} == ids
    assert session.scalar(select(func.count()).select_from(MessageSubscription)
                          .where(MessageSubscription.message_name == "payment_received")) == 2


def test_cancelling_an_instance_removes_its_subscriptions(session, payment_wait):
    instance = instances.start_process(session, "payment_wait", {})
    instances.cancel_instance(session, instance.id)
    assert _waiting_for(session, instance.id) == []
    with pytest.raises(NotCorrelated):
        messages.correlate_message(session, "contract_signed")


def test_a_message_start_event_starts_an_instance_with_the_variables_and_business_key(session):
    deploy(session, diagram("application_start.bpmn"), name="app", rules=RULES)
    [result] = messages.correlate_message(session, "application_received", business_key="З-1",
                                          variables={"address": "ул. Ленина, 1"})
    assert result.result_type == PROCESS_DEFINITION and result.task_id is None
    instance = session.get(ProcessInstance, result.instance.id)
    assert (instance.business_key, instance.status) == ("З-1", "active")
    assert session.scalar(select(HumanTask.task_key).where(HumanTask.instance_id == instance.id)) == "register"
    assert instances.instance_variables(session, instance.id) == {"address": "ул. Ленина, 1"}
    assert _waiting_for(session, instance.id) == []
    assert_state_round_trips(session, instance.id)


def test_deploying_a_new_version_moves_the_message_start_event_to_it(session):
    deploy(session, diagram("application_start.bpmn"), name="app", rules=RULES)
    changed = diagram("application_start.bpmn")["application_start.bpmn"].replace(
        "Зарегистрировать заявку".encode(), "Зарегистрировать заявку (v2)".encode())
    second = deploy(session, {"application_start.bpmn": changed}, name="app", rules=RULES).processes[0]
    assert list(session.scalars(select(StartEvent.definition_id))) == [second.id]
    [result] = messages.correlate_message(session, "application_received")
    assert result.instance.definition_id == second.id


def test_a_message_whose_variables_cannot_be_stored_is_refused_and_the_instance_keeps_waiting(session, payment_wait):
    instance = instances.start_process(session, "payment_wait", {"account": "ЛС-001"}, business_key="ЛС-001")
    with pytest.raises(InvalidInput, match="signed_on"):
        messages.correlate_message(session, "contract_signed", business_key="ЛС-001",
                                   variables={"signed_on": {1: "ключ не строка"}})
    session.rollback()
    assert _waiting_for(session, instance.id) == [("wait_signature", "contract_signed")]
    assert _status(session, instance.id) == "active"


def test_correlation_keys_find_one_of_a_thousand_waiting_instances_in_a_bounded_number_of_statements(
        session, payment_wait):
    ids = [instances.start_process(session, "payment_wait", {"contract_no": f"Д-{n}", "amount": n % 10}).id
           for n in range(1000)]
    with recording(db.engine) as log:
        [result] = messages.correlate_message(session, "contract_signed", correlation_keys={"contract_no": "Д-777"})
    assert result.instance.id == ids[777]
    assert len(log.matching("correlation_key")) == 3  # the lookup; the delivery's delete and insert of keys
    assert len(log) <= 10, log.statements  # 8 here: the lookup, then one delivery
    assert "process_instance" not in " ".join(log.statements[:1])  # the lookup reads no instance state
    assert _waiting_for(session, ids[777]) == [("wait_payment", "payment_received")]
    # The next subscription carries the keys too; numbers match by value, and both keys must match.
    [paid] = messages.correlate_message(session, "payment_received",
                                        correlation_keys={"contract_no": "Д-777", "amount": Decimal("7.00")})
    assert paid.instance.id == ids[777]
    with pytest.raises(NotCorrelated, match="No process definition or execution matches"):
        messages.correlate_message(session, "contract_signed", correlation_keys={"contract_no": "Д-1", "amount": 2})
    with pytest.raises(NotCorrelated, match="to a single execution. 100 executions match"):
        messages.correlate_message(session, "contract_signed", correlation_keys={"amount": 3})
    assert_state_round_trips(session, ids[777])


def test_correlation_keys_follow_the_variables_when_they_change(session, payment_wait):
    instance = instances.start_process(session, "payment_wait", {"contract_no": "Д-7"})
    instances.modify_variables(session, instance.id, {"contract_no": "Д-7/1", "urgent": True}, [])
    with pytest.raises(NotCorrelated):
        messages.correlate_message(session, "contract_signed", correlation_keys={"contract_no": "Д-7"})
    with pytest.raises(NotCorrelated):
        messages.correlate_message(session, "contract_signed", correlation_keys={"urgent": 1})  # not a boolean
    [result] = messages.correlate_message(session, "contract_signed",
                                          correlation_keys={"contract_no": "Д-7/1", "urgent": True})
    assert result.instance.id == instance.id
    instances.cancel_instance(session, instance.id)
    assert session.scalar(select(func.count()).select_from(CorrelationKey)) == 0


def test_a_correlation_key_that_is_not_a_scalar_is_refused(session, payment_wait):
    instances.start_process(session, "payment_wait", {"contract_no": "Д-7"})
    with pytest.raises(InvalidInput, match="correlation key 'contract_no'"):
        messages.correlate_message(session, "contract_signed", correlation_keys={"contract_no": ["Д-7"]})


def test_reindexing_gives_subscriptions_written_before_the_keys_existed_their_keys(session, payment_wait):
    instance = instances.start_process(session, "payment_wait", {"contract_no": "Д-7"})
    session.execute(delete(CorrelationKey))  # as after upgrading from a release without the index
    session.commit()
    with pytest.raises(NotCorrelated):
        messages.correlate_message(session, "contract_signed", correlation_keys={"contract_no": "Д-7"})
    assert instances.reindex_waits(session) == 1
    [result] = messages.correlate_message(session, "contract_signed", correlation_keys={"contract_no": "Д-7"})
    assert result.instance.id == instance.id
