"""`/metrics` in the Prometheus text format: the queues read from the database at scrape time (every web node
answers for the whole installation), request latency measured by this process."""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from engine import clock, timers
from engine.models import Job, Timer
from web.extensions import db

blueprint = Blueprint("metrics", __name__)
registry = CollectorRegistry()
REQUEST_SECONDS = Histogram("reglament_request_seconds", "HTTP request latency", ["endpoint", "method"],
                            registry=registry)


class QueueCollector:
    """Jobs by status, incidents, due timers and the scheduler's lag, counted when Prometheus scrapes."""

    def collect(self):
        session = db.session
        jobs = GaugeMetricFamily("reglament_jobs", "Jobs by status", labels=["status"])
        for status, count in session.execute(select(Job.status, func.count()).group_by(Job.status)):
            jobs.add_metric([status], count)
        yield jobs
        due = session.scalar(select(func.count()).select_from(Timer)
                             .where(Timer.status == "waiting", Timer.due_at <= clock.now()))
        yield GaugeMetricFamily("reglament_timers_due", "Timers due and not yet fired", value=due)
        yield GaugeMetricFamily("reglament_scheduler_lag_seconds", "How late the most overdue timer is",
                                value=timers.lag_seconds(session))


registry.register(QueueCollector())


@blueprint.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Time every request of `app`."""

    @app.before_request
    def _started() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _finished(response):
        started = g.pop("request_started", None)
        if started is not None:
            REQUEST_SECONDS.labels(request.endpoint or "unknown", request.method).observe(
                time.perf_counter() - started)
        return response
