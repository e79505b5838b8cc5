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
from web.scheduler import MIN_PAUSE, Scheduler, Tick


@pytest.fixture
def scheduler(app):
    return Scheduler(app, interval_seconds=1.0)


def test_with_nothing_waiting_the_scheduler_waits_its_interval(scheduler):
    tick = scheduler.tick(sweep=False)
    assert tick == Tick(moved=0, swept=0, next_in=None)
    assert scheduler.pause(tick) == 1.0
    assert scheduler.pause(None) == 1.0  # a tick that failed


def test_the_scheduler_wakes_when_the_next_timer_falls_due(scheduler, session):
    deploy(session, diagram("escalation.bpmn"), name="esc", rules=RULES)
    started = clock.now()
    instances.start_process(session, "escalation", {})
    db.session.remove()
    with time_machine.travel(started + timedelta(days=3) - timedelta(seconds=0.3), tick=False):
        tick = scheduler.tick(sweep=False)
    assert tick[:2] == (0, 0) and 0.2 < scheduler.pause(tick) < 0.4
    with time_machine.travel(started + timedelta(days=3) - timedelta(minutes=5), tick=False):
        tick = scheduler.tick(sweep=False)
    assert scheduler.pause(tick) == 1.0  # the interval bounds the wait
    with time_machine.travel(started + timedelta(days=3, seconds=1), tick=False):
        tick = scheduler.tick(sweep=False)
    assert tick == Tick(moved=1, swept=0, next_in=None) and scheduler.pause(tick) == 1.0  # nothing waits any more


def test_a_due_timer_that_cannot_fire_does_not_make_the_scheduler_spin(scheduler, session):
    deploy(session, diagram("escalation.bpmn"), name="esc", rules=RULES)
    started = clock.now()
    instance = instances.start_process(session, "escalation", {})
    instances.suspend_instance(session, instance.id, suspended=True)
    db.session.remove()
    with time_machine.travel(started + timedelta(days=4), tick=False):
        tick = scheduler.tick(sweep=False)
    assert tick == Tick(moved=0, swept=0, next_in=0) and scheduler.pause(tick) == 1.0
    # after a tick that fired something, more may be due at once
    assert scheduler.pause(tick._replace(moved=3)) == MIN_PAUSE


def test_timer_start_events_count_for_the_next_wake_up(scheduler, session):
    with time_machine.travel(datetime(2026, 11, 30, 16, 59, 59, 500000, tzinfo=UTC), tick=False):
        deploy(session, diagram("monthly_accrual.bpmn"), name="monthly", rules=RULES)  # 1 December 00:00 +07
        db.session.remove()
        tick = scheduler.tick(sweep=False)
    assert scheduler.pause(tick) == pytest.approx(0.5)
