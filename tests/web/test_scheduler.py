"""The scheduler waits until the next timer falls due (at most its interval), and never busy-loops on a timer
that cannot fire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from engine import clock, instances
from engine.deployment import deploy
from tests.engine.conftest import RULES, diagram
from web.extensions import db
from web.scheduler import MIN_PAUSE, Scheduler


@pytest.fixture
def scheduler(app):
    return Scheduler(app, interval_seconds=1.0)


def test_with_nothing_waiting_the_scheduler_waits_its_interval(scheduler):
    assert scheduler.tick(sweep=False) == (0, 0)
    assert scheduler.pause(0) == 1.0


def test_the_scheduler_wakes_when_the_next_timer_falls_due(scheduler, session):
    deploy(session, diagram("escalation.bpmn"), name="esc", rules=RULES)
    started = clock.now()
    instances.start_process(session, "escalation", {})
    db.session.remove()
    with time_machine.travel(started + timedelta(days=3) - timedelta(seconds=0.3), tick=False):
        assert scheduler.tick(sweep=False) == (0, 0)
    assert 0.2 < scheduler.pause(0) < 0.4
    with time_machine.travel(started + timedelta(days=3) - timedelta(minutes=5), tick=False):
        scheduler.tick(sweep=False)
    assert scheduler.pause(0) == 1.0  # the interval bounds the wait
    with time_machine.travel(started + timedelta(days=3, seconds=1), tick=False):
        assert scheduler.tick(sweep=False) == (1, 0)
    assert scheduler.pause(1) == 1.0  # nothing waits any more


def test_a_due_timer_that_cannot_fire_does_not_make_the_scheduler_spin(scheduler, session):
    deploy(session, diagram("escalation.bpmn"), name="esc", rules=RULES)
    started = clock.now()
    instance = instances.start_process(session, "escalation", {})
    instances.suspend_instance(session, instance.id, suspended=True)
    db.session.remove()
    with time_machine.travel(started + timedelta(days=4), tick=False):
        assert scheduler.tick(sweep=False) == (0, 0)
    assert scheduler.pause(0) == 1.0
    assert scheduler.pause(3) == MIN_PAUSE  # after a tick that fired something, more may be due at once


def test_timer_start_events_count_for_the_next_wake_up(scheduler, session):
    with time_machine.travel(datetime(2026, 11, 30, 16, 59, 59, 500000, tzinfo=UTC), tick=False):
        deploy(session, diagram("monthly_accrual.bpmn"), name="monthly", rules=RULES)  # 1 December 00:00 +07
        db.session.remove()
        scheduler.tick(sweep=False)
    assert scheduler.pause(0) == pytest.approx(0.5)
