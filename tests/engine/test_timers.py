"""Timers: a boundary escalation after three days, tested in milliseconds by moving the one clock; a timer
cancelled by the task finishing first; two schedulers racing; many timers due in the same second."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
import time_machine
from sqlalchemy import event, func, make_url, select, update

from db import Base
from engine import clock, instances, messages, store, timers
from engine.deployment import deploy
from engine.messages import NotCorrelated
from engine.models import AuditEvent, HumanTask, MessageSubscription, ProcessInstance, Timer
from engine.scope import SYSTEM
from tests.conftest import empty_pg_tables, make_test_app
from tests.engine.conftest import RULES, assert_state_round_trips, diagram, two_schedulers_at
from web.extensions import db

THREE_DAYS = timedelta(days=3, seconds=1)


@pytest.fixture
def escalation(session):
    deploy(session, diagram("escalation.bpmn"), name="esc", rules=RULES)


def _open_tasks(session) -> list[str]:
    session.expire_all()
    return sorted(session.scalars(select(HumanTask.task_key).where(HumanTask.status == "open")))


def test_a_boundary_timer_escalates_after_three_days(session, escalation):
    started = clock.now()
    instance = instances.start_process(session, "escalation", {})
    [timer] = session.scalars(select(Timer))
    assert timer.status == "waiting" and abs((timer.due_at.replace(tzinfo=started.tzinfo) - started)
                                             - timedelta(days=3)) < timedelta(seconds=5)
    assert timers.fire_due(session) == 0 and _open_tasks(session) == ["review"]
    with time_machine.travel(started + THREE_DAYS, tick=False):
        assert timers.fire_due(session) == 1
    assert _open_tasks(session) == ["escalate"]
    session.expire_all()
    assert session.get(Timer, timer.id).status == "fired"
    assert session.scalar(select(HumanTask.status).where(HumanTask.task_key == "review")) == "cancelled"
    assert instance.status == "active"


def test_reindexing_gives_timers_written_before_the_kinds_existed_their_kind(session, escalation):
    instances.start_process(session, "escalation", {})
    session.execute(update(Timer).values(kind="intermediate"))  # as a row of a release without kinds says
    session.commit()
    assert instances.reindex_waits(session) == 1
    assert session.scalars(select(Timer.kind)).all() == ["boundary"]
    assert timers.counts_by_kind(session)[0]["boundary"] == 1



@pytest.mark.postgres
def test_a_server_on_novosibirsk_time_keeps_due_times_in_utc(pg_database):
    """A PostgreSQL server whose default zone is not UTC must not move any stored time."""
    with psycopg.connect(make_url(pg_database).set(drivername="postgresql").render_as_string(False),
                         autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{make_url(pg_database).database}" SET timezone TO \'Asia/Novosibirsk\'')
    application = make_test_app(pg_database)
    try:
        with application.app_context():
            db.engine.dispose()  # connections opened before the change keep the old zone
            Base.metadata.create_all(db.engine)
            deploy(db.session, diagram("escalation.bpmn"), name="esc", rules=RULES)
            started = clock.now()
            instances.start_process(db.session, "escalation", {})
            db.session.remove()
            [due_at] = db.session.scalars(select(Timer.due_at))
            due_at = due_at.replace(tzinfo=started.tzinfo)
            assert abs(due_at - (started + timedelta(days=3))) < timedelta(seconds=5)
            # from the stored due time, not from `started`: on a loaded machine the start may take over a second
            with time_machine.travel(due_at + timedelta(seconds=1), tick=False):
                assert timers.fire_due(db.session) == 1
            empty_pg_tables(db.engine)
            db.engine.dispose()
    finally:
        with psycopg.connect(make_url(pg_database).set(drivername="postgresql").render_as_string(False),
                             autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{make_url(pg_database).database}" RESET timezone')

def test_finishing_the_task_first_cancels_its_timer(session, escalation):
    instances.start_process(session, "escalation", {})
    task_id = session.scalar(select(HumanTask.id).where(HumanTask.status == "open"))
    instances.complete_task(session, task_id, {})
    session.expire_all()
    assert session.scalar(select(Timer.status)) == "cancelled"
    with time_machine.travel(clock.now() + THREE_DAYS, tick=False):
        assert timers.fire_due(session) == 0


def test_two_schedulers_at_once_fire_each_timer_once(app, escalation):
    for _ in range(10):
        instances.start_process(db.session, "escalation", {})
    db.session.remove()
    two_schedulers_at(app, clock.now() + THREE_DAYS)
    assert _open_tasks(db.session) == ["escalate"] * 10
    fired = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "timers_fired"))
    assert fired == 10


def test_a_batch_of_due_instances_fires_in_one_transaction(session, escalation):
    ids = [instances.start_process(session, "escalation", {}).id for _ in range(5)]
    records = [store.read_instance(session, instance_id, SYSTEM) for instance_id in ids]
    session.commit()
    commits = []

    def count(connection) -> None:
        commits.append(connection)

    event.listen(session.get_bind(), "commit", count)
    try:
        with time_machine.travel(clock.now() + THREE_DAYS, tick=False):
            assert instances.fire_timers_batch(session, records) == 5
    finally:
        event.remove(session.get_bind(), "commit", count)
    assert len(commits) == 1
    assert _open_tasks(session) == ["escalate"] * 5
    for instance_id in ids:
        assert_state_round_trips(session, instance_id)


def test_a_batch_skips_an_instance_changed_meanwhile_and_fires_the_others(session, escalation):
    ids = [instances.start_process(session, "escalation", {}).id for _ in range(5)]
    records = [store.read_instance(session, instance_id, SYSTEM) for instance_id in ids]
    session.commit()
    changed = session.scalar(select(HumanTask.id).where(HumanTask.instance_id == ids[2]))
    instances.complete_task(session, changed)  # after the scheduler read it: its record is stale
    with time_machine.travel(clock.now() + THREE_DAYS, tick=False):
        assert instances.fire_timers_batch(session, records) == 4
    session.expire_all()
    assert session.get(ProcessInstance, ids[2]).status == "completed"
    assert sorted(session.scalars(select(HumanTask.instance_id).where(HumanTask.task_key == "escalate"))) == sorted(
        ids[:2] + ids[3:])
    fired = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "timers_fired"))
    assert fired == 4
    for instance_id in ids:
        assert_state_round_trips(session, instance_id)


def test_many_timers_due_in_the_same_second_all_fire(session, escalation):
    if session.get_bind().dialect.name == "postgresql":
        # 2,000 commits: durability is not what this test is about, and waiting for the disk would be most of it.
        event.listen(session.get_bind(), "connect", lambda connection, _: _no_sync_commit(connection))
        session.get_bind().dispose()
    with time_machine.travel(clock.now(), tick=False):
        for _ in range(1000):
            instances.start_process(session, "escalation", {})
    with time_machine.travel(clock.now() + THREE_DAYS, tick=False):
        while timers.fire_due(session, limit=500):
            pass
        assert timers.lag_seconds(session) == 0.0
    assert session.scalar(select(func.count()).select_from(Timer).where(Timer.status == "fired")) == 1000


def _no_sync_commit(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    connection.commit()


@pytest.fixture
def race(session):
    deploy(session, diagram("payment_or_reminder.bpmn"), name="race", rules=RULES)


def test_a_payment_before_the_reminder_wins_the_event_based_gateway_and_cancels_its_timer(session, race):
    instance = instances.start_process(session, "payment_or_reminder", {}, business_key="ЛС-001")
    assert session.scalar(select(Timer.task_key).where(Timer.status == "waiting")) == "race"
    assert_state_round_trips(session, instance.id)
    messages.correlate_message(session, "payment_received", business_key="ЛС-001", variables={"paid": True})
    session.expire_all()
    assert session.get(ProcessInstance, instance.id).status == "completed"
    assert session.scalar(select(Timer.status)) == "cancelled"
    assert session.scalar(select(func.count()).select_from(MessageSubscription)) == 0
    with time_machine.travel(clock.now() + timedelta(days=11), tick=False):
        assert timers.fire_due(session) == 0
    assert_state_round_trips(session, instance.id)


def test_the_reminder_wins_the_event_based_gateway_when_no_payment_comes(session, race):
    instance = instances.start_process(session, "payment_or_reminder", {}, business_key="ЛС-001")
    with time_machine.travel(clock.now() + timedelta(days=10, seconds=1), tick=False):
        assert timers.fire_due(session) == 1
    assert _open_tasks(session) == ["remind"]
    assert session.scalar(select(func.count()).select_from(MessageSubscription)) == 0
    with pytest.raises(NotCorrelated):
        messages.correlate_message(session, "payment_received", business_key="ЛС-001")
    assert_state_round_trips(session, instance.id)
