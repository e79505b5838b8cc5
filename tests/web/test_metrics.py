"""/metrics: what an operator's Prometheus scrapes."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from engine import instances
from engine.deployment import deploy
from tests.engine import test_jobs  # noqa: F401 — registers test.notify
from tests.engine.conftest import RULES, diagram


def test_metrics_show_the_job_queue_timers_and_request_latency(client, session):
    deploy(session, diagram("async_notify.bpmn"), name="async", rules=RULES)
    instances.start_process(session, "async_notify", {"client": "ООО «Ромашка»", "amount": 1})
    client.get("/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'reglament_jobs{status="pending"} 1.0' in text
    assert 'reglament_timers_due{kind="boundary"} 0.0' in text and "reglament_scheduler_lag_seconds 0.0" in text
    assert 'reglament_request_seconds_count{endpoint="home.healthz",method="GET"}' in text


def test_metrics_count_waiting_and_due_timers_by_kind_start_events_included(client, session):
    with time_machine.travel(datetime(2026, 11, 15, 12, tzinfo=UTC), tick=False):
        deploy(session, {**diagram("escalation.bpmn"), **diagram("payment_or_reminder.bpmn"),
                         **diagram("monthly_accrual.bpmn")}, name="timers", rules=RULES)
        for _ in range(2):
            instances.start_process(session, "escalation")
        instances.start_process(session, "payment_or_reminder", business_key="ЛС-1")
        text = client.get("/metrics").get_data(as_text=True)
        assert 'reglament_timers_waiting{kind="boundary"} 2.0' in text
        assert 'reglament_timers_waiting{kind="intermediate"} 1.0' in text
        assert 'reglament_timers_waiting{kind="start"} 1.0' in text
        assert 'reglament_timers_due{kind="start"} 0.0' in text
        assert 'reglament_timers_due{kind="boundary"} 0.0' in text
    with time_machine.travel(datetime(2026, 11, 19, tzinfo=UTC), tick=False):  # past the escalations' P3D
        text = client.get("/metrics").get_data(as_text=True)
    assert 'reglament_timers_due{kind="boundary"} 2.0' in text
    assert 'reglament_timers_due{kind="intermediate"} 0.0' in text and 'reglament_timers_due{kind="start"} 0.0' in text
    with time_machine.travel(datetime(2026, 11, 30, 18, tzinfo=UTC), tick=False):  # 1 December 01:00 +07, past P10D
        text = client.get("/metrics").get_data(as_text=True)
    assert 'reglament_timers_due{kind="intermediate"} 1.0' in text and 'reglament_timers_due{kind="start"} 1.0' in text
