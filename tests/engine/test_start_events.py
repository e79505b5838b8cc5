"""Timer start events: a monthly cycle starts an instance on the 1st of every month in its own time zone, a date
or a duration fires once, two schedulers start one instance per firing, and a new version takes the schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from engine import instances, start_events, timers
from engine.deployment import deploy
from engine.errors import InvalidInput
from engine.models import HumanTask, ProcessInstance, StartEvent, Timer
from identity.administration import save_partner
from tests.engine.conftest import RULES, assert_state_round_trips, diagram, two_schedulers_at
from web.extensions import db

NOVEMBER = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
MONTHLY = "monthly_accrual.bpmn"


def _with_timer(definition: str) -> dict[str, bytes]:
    """The monthly diagram with another timer definition on its start event."""
    content = diagram(MONTHLY)[MONTHLY].replace(
        b'<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">R/2026-12-01T00:00:00+07:00/P1M</bpmn:timeCycle>',
        definition.encode())
    return {MONTHLY: content}


def _started(session) -> list[ProcessInstance]:
    session.expire_all()
    return list(session.scalars(select(ProcessInstance).order_by(ProcessInstance.started_at)))


def _row(session) -> StartEvent:
    session.expire_all()
    return session.scalars(select(StartEvent)).one()


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_a_monthly_cycle_starts_an_instance_on_the_first_of_each_month_in_its_time_zone(session):
    with time_machine.travel(NOVEMBER, tick=False):
        deploy(session, diagram(MONTHLY), name="monthly", rules=RULES)
        assert timers.fire_due(session) == 0
    assert _utc(_row(session).due_at) == datetime(2026, 11, 30, 17, tzinfo=UTC)  # 1 December 00:00 +07
    with time_machine.travel(datetime(2026, 11, 30, 17, 0, 1, tzinfo=UTC), tick=False):
        assert timers.fire_due(session) == 1
        assert timers.fire_due(session) == 0
    assert _utc(_row(session).due_at) == datetime(2026, 12, 31, 17, tzinfo=UTC)  # 1 January 00:00 +07
    with time_machine.travel(datetime(2026, 12, 31, 17, 0, 1, tzinfo=UTC), tick=False):
        assert timers.fire_due(session) == 1
    [december, january] = _started(session)
    assert session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.task_key == "check_accrual")) \
        == 2
    assert _row(session).fired_count == 2 and _row(session).repeats_left == -1
    assert_state_round_trips(session, december.id)
    assert_state_round_trips(session, january.id)


@pytest.mark.parametrize("definition, fires_at", [
    ('<bpmn:timeDate xsi:type="bpmn:tFormalExpression">2026-12-01T09:00:00+07:00</bpmn:timeDate>',
     datetime(2026, 12, 1, 2, tzinfo=UTC)),
    ('<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT2H</bpmn:timeDuration>',
     NOVEMBER + timedelta(hours=2)),
])
def test_a_date_or_a_duration_start_timer_fires_once(session, definition, fires_at):
    with time_machine.travel(NOVEMBER, tick=False):
        deploy(session, _with_timer(definition), name="once", rules=RULES)
    assert _utc(_row(session).due_at) == fires_at
    with time_machine.travel(fires_at + timedelta(seconds=1), tick=False):
        assert timers.fire_due(session) == 1
    with time_machine.travel(fires_at + timedelta(days=100), tick=False):
        assert timers.fire_due(session) == 0
    assert len(_started(session)) == 1 and _row(session).due_at is None


def test_a_limited_cycle_stops_after_its_repetitions(session):
    with time_machine.travel(NOVEMBER, tick=False):
        deploy(session, _with_timer('<bpmn:timeCycle>R2/PT1H</bpmn:timeCycle>'), name="twice", rules=RULES)
    for hour in range(1, 5):
        with time_machine.travel(NOVEMBER + timedelta(hours=hour, seconds=1), tick=False):
            timers.fire_due(session)
    assert len(_started(session)) == 2 and _row(session).repeats_left == 0


def test_deploying_a_new_version_moves_the_schedule_to_it(session):
    with time_machine.travel(NOVEMBER, tick=False):
        deploy(session, diagram(MONTHLY), name="monthly", rules=RULES)
        changed = diagram(MONTHLY)[MONTHLY].replace("Проверить начисление".encode(), "Сверить начисление".encode())
        second = deploy(session, {MONTHLY: changed}, name="monthly", rules=RULES).processes[0]
    assert _row(session).definition_id == second.id
    with time_machine.travel(datetime(2026, 12, 1, tzinfo=UTC), tick=False):
        assert timers.fire_due(session) == 1
    assert [i.definition_id for i in _started(session)] == [second.id]


def test_two_schedulers_at_once_start_one_instance_per_firing(app):
    with time_machine.travel(NOVEMBER, tick=False):
        deploy(db.session, diagram(MONTHLY), name="monthly", rules=RULES)
    db.session.remove()
    two_schedulers_at(app, datetime(2026, 12, 1, tzinfo=UTC))
    assert len(_started(db.session)) == 1


def test_the_next_repetition_skips_the_ones_already_past():
    cycle = "R/2026-12-01T00:00:00+07:00/P1M"
    due = datetime(2026, 11, 30, 17, tzinfo=UTC)
    assert start_events.next_due(cycle, due, datetime(2027, 2, 10, tzinfo=UTC)) == datetime(2027, 2, 28, 17,
                                                                                             tzinfo=UTC)


def test_a_start_timer_whose_value_needs_variables_is_refused_on_deploy(session):
    with pytest.raises(InvalidInput, match="start event first_of_month: the timer value must be known at deploy"):
        deploy(session, _with_timer('<bpmn:timeDate>${first_day}</bpmn:timeDate>'), name="bad", rules=RULES)
    assert session.scalar(select(func.count()).select_from(StartEvent)) == 0


@pytest.mark.parametrize("cycle", ["R/2026-12-01T00:00:00+07:00/P1D", "R/2026-12-01T00:00:00+07:00/P1M"])
def test_a_manual_start_of_a_process_whose_only_start_event_is_a_cycle_runs_exactly_one_path(session, cycle):
    timer = f'<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">{cycle}</bpmn:timeCycle>'
    with time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=UTC), tick=False):  # dozens of days, 3 months passed
        deploy(session, _with_timer(timer), name="monthly", rules=RULES)
        started = instances.start_process(session, "monthly_accrual")
    tasks = session.scalars(select(HumanTask.task_key).where(HumanTask.instance_id == started.id)).all()
    assert tasks == ["check_accrual"]
    assert session.scalar(select(func.count()).select_from(Timer).where(Timer.instance_id == started.id)) == 0
    assert_state_round_trips(session, started.id)


def test_a_manual_start_before_the_cycle_begins_runs_at_once_instead_of_waiting(session):
    with time_machine.travel(NOVEMBER, tick=False):
        deploy(session, diagram(MONTHLY), name="monthly", rules=RULES)
        started = instances.start_process(session, "monthly_accrual")
        assert timers.fire_due(session) == 0
    assert session.scalars(select(HumanTask.task_key).where(HumanTask.instance_id == started.id)).all() == [
        "check_accrual"
    ]
    assert session.scalar(select(func.count()).select_from(Timer)) == 0


def _per_partner() -> dict[str, bytes]:
    """The monthly diagram as a regulation every partner runs (`perPartner` on its start event)."""
    content = diagram(MONTHLY)[MONTHLY].replace(
        b'<bpmn:timerEventDefinition>',
        b'<bpmn:extensionElements><camunda:properties><camunda:property name="perPartner" value="true" />'
        b'</camunda:properties></bpmn:extensionElements><bpmn:timerEventDefinition>', 1)
    return {MONTHLY: content}


def _partners(session, *codes: str) -> list[int]:
    ids = [save_partner(session, code, f"ООО «{code}»", None).id for code in codes]
    session.commit()
    return ids


def test_a_per_partner_start_timer_starts_one_instance_for_each_partner_on_each_firing(session):
    east, west = _partners(session, "east", "west")
    with time_machine.travel(NOVEMBER, tick=False):
        deploy(session, _per_partner(), name="monthly", rules=RULES)
    with time_machine.travel(datetime(2026, 11, 30, 17, 0, 1, tzinfo=UTC), tick=False):
        assert timers.fire_due(session) == 2
        assert timers.fire_due(session) == 0
    started = _started(session)
    assert sorted(i.partner_id for i in started) == [east, west]
    assert sorted(instances.instance_variables(session, i.id)["partner_id"] for i in started) == [east, west]
    tasks = session.scalars(select(HumanTask).where(HumanTask.task_key == "check_accrual")).all()
    assert sorted(t.partner_id for t in tasks) == [east, west]  # each partner's staff get their own task
    [armed] = session.scalars(select(StartEvent)).all()  # the partners' one-off rows are gone once they fired
    assert _utc(armed.due_at) == datetime(2026, 12, 31, 17, tzinfo=UTC) and armed.fired_count == 1
    _partners(session, "north")  # a partner that joins later takes part from the next firing on
    with time_machine.travel(datetime(2026, 12, 31, 17, 0, 1, tzinfo=UTC), tick=False):
        assert timers.fire_due(session) == 3


def test_two_schedulers_at_once_start_each_partners_instance_once(app):
    partners = _partners(db.session, "east", "west")
    with time_machine.travel(NOVEMBER, tick=False):
        deploy(db.session, _per_partner(), name="monthly", rules=RULES)
    db.session.remove()
    two_schedulers_at(app, datetime(2026, 12, 1, tzinfo=UTC))
    assert sorted(i.partner_id for i in _started(db.session)) == partners
