"""The embedded mode: a worker thread in the web process runs jobs as soon as a request commits them."""

from __future__ import annotations

import time

from sqlalchemy import select

from engine import instances
from engine.deployment import deploy
from engine.models import ProcessInstance
from tests.engine import test_jobs  # noqa: F401 — registers the test.notify/archive/report operators
from tests.engine.conftest import RULES, diagram
from web.extensions import db
from web.worker import EmbeddedWorker


def test_the_embedded_worker_runs_new_jobs_without_waiting_for_its_poll(app):
    deploy(db.session, diagram("async_notify.bpmn"), name="async", rules=RULES)
    worker = EmbeddedWorker(app, poll_seconds=30)  # a poll that long would fail the test: the wake-up must work
    worker.start()
    try:
        started = instances.start_process(db.session, "async_notify", {"client": "ИП Петров", "amount": 1})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            db.session.expire_all()
            if db.session.scalar(select(ProcessInstance.status).where(ProcessInstance.id == started.id)) \
                    == "completed":
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the embedded worker did not finish the instance")
    finally:
        worker.stop()
