"""`/metrics` in the Prometheus text format: the queues read from the database at scrape time (every web node
answers for the whole installation), request latency measured by this process."""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from engine import timers
from engine.models import Job
from web.extensions import db

blueprint = Blueprint("metrics", __name__)
registry = CollectorRegistry()
REQUEST_SECONDS = Histogram("reglament_request_seconds", "HTTP request latency", ["endpoint", "method"],
                            registry=registry)


class QueueCollector:
    """Jobs by status, incidents, waiting and due timers by kind and the scheduler's lag, counted at scrape time."""

    def collect(self):
        session = db.session
        jobs = GaugeMetricFamily("reglament_jobs", "Jobs by status", labels=["status"])
        for status, count in session.execute(select(Job.status, func.count()).group_by(Job.status)):
            jobs.add_metric([status], count)
        yield jobs
        waiting, due = timers.counts_by_kind(session)
        waiting_family = GaugeMetricFamily("reglament_timers_waiting", "Timers armed, by kind (start: timer start "
                                           "events of deployed processes)", labels=["kind"])
        due_family = GaugeMetricFamily("reglament_timers_due", "Timers due and not yet fired, by kind",
                                       labels=["kind"])
        for kind in timers.KINDS:
            waiting_family.add_metric([kind], waiting.get(kind, 0))
            due_family.add_metric([kind], due.get(kind, 0))
        yield waiting_family
        yield due_family
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
