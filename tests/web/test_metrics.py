"""/metrics: what an operator's Prometheus scrapes."""

from __future__ import annotations

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
    assert "reglament_timers_due 0.0" in text and "reglament_scheduler_lag_seconds 0.0" in text
    assert 'reglament_request_seconds_count{endpoint="home.healthz",method="GET"}' in text
