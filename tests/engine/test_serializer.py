"""Saved instance state: no spec inside, everything else survives save and load."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from engine.operators import registry
from engine.parser import parse_resources
from engine.runtime import new_workflow
from engine.script_engine import script_engine
from engine.serializer import STATE_VERSION, dump_data, dump_workflow, load_data, load_workflow, serializer

DIAGRAMS = Path(__file__).parent / "diagrams"
READY, STARTED, COMPLETED = 16, 32, 64  # SpiffWorkflow's TaskState values


@pytest.fixture(scope="module")
def bundle():
    return parse_resources({p.name: p.read_bytes() for p in DIAGRAMS.iterdir() if p.suffix in (".bpmn", ".dmn")})


@pytest.fixture
def accrue_operator():
    registry.register("test.accrue_penalty")(lambda account, note, amounts, meta: {"amount": 7})
    yield
    registry._operators.pop("test.accrue_penalty", None)


def start(bundle, key, **data):
    process = bundle.processes[key]
    workflow = new_workflow(process.spec, process.subprocess_specs, data)
    workflow.do_engine_steps()
    return workflow


def reload(bundle, key, workflow):
    process = bundle.processes[key]
    return load_workflow(dump_workflow(workflow), process.spec, process.subprocess_specs, script_engine)


def states(workflow) -> dict[str, int]:
    return {str(t.id): t.state for t in workflow.get_tasks()}


def ready_user_task(workflow):
    return next(t for t in workflow.get_tasks() if t.state == READY and t.task_spec.manual)


def test_an_instance_saved_at_a_user_task_is_restored_completed_and_finished(bundle, accrue_operator):
    workflow = start(bundle, "debtor_claim", account="A-1", debt=20000, waived=False)
    restored = reload(bundle, "debtor_claim", workflow)
    assert states(restored) == states(workflow)
    assert restored.script_engine is script_engine
    review = ready_user_task(restored)
    assert review.data == ready_user_task(workflow).data

    review.set_data(approved=True)
    review.run()
    restored = reload(bundle, "debtor_claim", restored)
    restored.do_engine_steps()
    restored = reload(bundle, "debtor_claim", restored)
    assert restored.is_completed()
    assert restored.data["approved"] is True and restored.data["penalty"] == 7 and restored.data["risk"] == "high"


def test_a_waiting_timer_survives_save_and_load_and_fires_afterwards(bundle):
    workflow = start(bundle, "check_with_timeout")
    before = [(e.name, e.value) for e in workflow.waiting_events()]
    assert len(before) == 1 and before[0][1]  # the due time was computed from PT3S

    restored = reload(bundle, "check_with_timeout", workflow)
    assert [(e.name, e.value) for e in restored.waiting_events()] == before
    timer = next(t for t in restored.get_tasks() if t.task_spec.bpmn_id == "Event_timeout")
    timer.internal_data["event_value"] = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    restored.refresh_timers()
    restored.do_engine_steps()
    restored = reload(bundle, "check_with_timeout", restored)
    assert restored.is_completed()
    assert restored.data["escalated"] is True


def test_a_service_task_waiting_for_a_worker_stays_waiting_after_load(bundle):
    workflow = start(bundle, "debtor_claim", account="A-1", debt=20000, waived=False)
    restored = reload(bundle, "debtor_claim", workflow)
    accrue = next(t for t in restored.get_tasks() if t.task_spec.bpmn_id == "Activity_accrue")
    assert accrue.state == STARTED
    assert accrue.internal_data["service_params"]["account"] == "A-1"


def test_decimals_dates_and_datetimes_in_task_data_survive(bundle):
    values = {"sum": Decimal("1234.56"), "day": date(2026, 3, 8), "at": datetime(2026, 3, 8, 9, 30, tzinfo=UTC)}
    workflow = start(bundle, "check_with_timeout", **values)
    data = ready_user_task(reload(bundle, "check_with_timeout", workflow)).data
    assert {k: data[k] for k in values} == values
    assert type(data["day"]) is date


def test_the_saved_state_holds_no_spec_and_is_much_smaller_than_spiffs(bundle, accrue_operator):
    workflow = start(bundle, "debtor_claim", account="A-1", debt=20000, waived=False)
    state = dump_workflow(workflow)
    full = serializer.serialize_json(workflow)
    dct = json.loads(state)
    assert dct["spec"] == "debtor_claim" and "subprocess_specs" not in dct
    assert "task_specs" not in state and "task_specs" in full
    assert dct["state_version"] == STATE_VERSION
    assert len(state) < 0.6 * len(full)


def test_spiffs_full_serialization_round_trips_the_dialect_specs(bundle, accrue_operator):
    workflow = start(bundle, "debtor_claim", account="A-1", debt=20000, waived=False)
    restored = serializer.deserialize_json(serializer.serialize_json(workflow))
    specs = restored.spec.task_specs
    assert specs["Activity_accrue"].topic == "test.accrue_penalty"
    assert specs["Activity_accrue"].input_expressions["meta"] == "{'kind': 'penalty', 'double': debt * 2}"
    assert specs["Activity_review"].candidate_groups == ["partner_operator", "uk_lawyer"]
    penalty = serializer.deserialize_json(serializer.serialize_json(start(bundle, "penalty_decision",
                                                                          days_overdue=1, client_type="ЮЛ")))
    rule_task = penalty.spec.task_specs["Activity_rate_var"]
    assert (rule_task.decision_ref, rule_task.result_variable) == ("penalty_rate", "decision")


def test_a_state_is_refused_for_another_process_or_an_unknown_version(bundle):
    state = dump_workflow(start(bundle, "check_with_timeout"))
    other = bundle.processes["debtor_claim"]
    with pytest.raises(ValueError, match="check_with_timeout"):
        load_workflow(state, other.spec, other.subprocess_specs, script_engine)
    own = bundle.processes["check_with_timeout"]
    with pytest.raises(ValueError, match="version"):
        load_workflow(state.replace(f'"state_version":"{STATE_VERSION}"', '"state_version":"0"'),
                      own.spec, own.subprocess_specs, script_engine)


def test_sets_and_tuples_survive_a_save_as_sets_and_tuples():
    value = {"groups": {"uk_lawyer", "manager"}, "pair": (1, "a"), "frozen": frozenset({2}), "nested": [{3}]}
    assert load_data(dump_data(value)) == value
    assert isinstance(load_data(dump_data(value))["pair"], tuple)


def test_saving_states_in_one_thread_never_disturbs_task_data_encoded_in_another(bundle):
    workflow = start(bundle, "check_with_timeout", amount=Decimal("12.50"), on=date(2026, 3, 1))
    value = {"amount": Decimal("1.50"), "on": date(2026, 1, 31), "lines": [{"sum": Decimal("0.01")}]}
    stop, errors = threading.Event(), []

    def save_states():
        while not stop.is_set():
            dump_workflow(workflow)

    savers = [threading.Thread(target=save_states) for _ in range(2)]
    for saver in savers:
        saver.start()
    try:
        for _ in range(3000):
            try:
                assert load_data(dump_data(value)) == value
            except (TypeError, AssertionError) as error:
                errors.append(error)
    finally:
        stop.set()
        for saver in savers:
            saver.join()
    assert errors == []


def test_a_saved_state_keeps_cyrillic_as_utf8_and_has_no_padding(bundle):
    state = dump_workflow(start(bundle, "check_with_timeout", client="Иванов"))
    assert '"Иванов"' in state and "\\u0418" not in state
    assert ", " not in state and '": ' not in state
