"""Several machines in miniature: two gunicorn web nodes, two Celery worker processes and the scheduler on
PostgreSQL and Redis. 500 instances are started and driven through the API (a job each, then a message), one
worker is killed with SIGKILL midway — every instance completes, and every letter was sent exactly once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import func, select

from db import Base
from engine.deployment import deploy
from engine.models import Job, MessageSubscription, ProcessInstance
from identity.seed import seed_demo
from tests.conftest import PROJECT, drop_pg_database, fresh_pg_database, make_test_app
from tests.engine.conftest import RULES
from tests.support import job_operators  # noqa: F401 — registers test.send_letter for the deploy lint
from tests.support.brokers import own_broker
from web.extensions import db

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
BROKER = own_broker(10)
BIN = Path(sys.executable).parent
INSTANCES = 500
LEASE_SECONDS = 3
AUTH = ("demo", "demo")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def machines(tmp_path):
    """The database, the broker and the processes of a small cluster; yields (app, web node URLs, workers)."""
    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=1).flushdb()
    except redis.RedisError:
        pytest.skip("Redis at 127.0.0.1:6379 does not answer")
    name = f"reglament_machines_{os.getpid()}"
    url = fresh_pg_database(name)
    app = make_test_app(url, MODE="distributed", CELERY_BROKER_URL=BROKER)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        seed_demo(db.session)
        deploy(db.session, {"letter_reply.bpmn": (PROJECT / "tests" / "diagrams" / "letter_reply.bpmn").read_bytes()},
               name="letters", rules=RULES)
        db.session.remove()
    effects = tmp_path / "effects.txt"
    env = {**os.environ, "DATABASE_URL": url, "REGLAMENT_MODE": "distributed", "REGLAMENT_BROKER_URL": BROKER,
           "REGLAMENT_OPERATOR_MODULES": "billing.operators,tests.support.job_operators",
           "REGLAMENT_TEST_EFFECTS": str(effects), "REGLAMENT_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
           # the message the killed worker held but had not claimed yet is sent again this soon after the queue
           "REGLAMENT_JOB_MESSAGE_GRACE_SECONDS": str(LEASE_SECONDS),
           "REGLAMENT_SECRET_KEY": "machines-in-miniature", "REGLAMENT_TEST_SLOW_SECONDS": "0.01",
           "PYTHONPATH": str(PROJECT)}  # the test operators live in tests/: the `reglament` script must find them
    processes: list[subprocess.Popen] = []

    def spawn(*command: str) -> subprocess.Popen:
        process = subprocess.Popen(list(command), env=env, cwd=PROJECT, stdout=subprocess.DEVNULL)
        processes.append(process)
        return process

    ports = [_free_port(), _free_port()]
    for port in ports:
        spawn(str(BIN / "gunicorn"), "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}", "web:create_app()")
    workers = [spawn(str(BIN / "celery"), "-A", "web.celery_worker", "worker", "--pool", "solo", "--loglevel",
                     "warning", "-n", f"w{n}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat")
               for n in (1, 2)]
    spawn(str(BIN / "reglament"), "scheduler", "--interval", "0.5")
    nodes = [f"http://127.0.0.1:{port}/engine-rest" for port in ports]

    def answering() -> bool:
        try:
            return all(requests.get(f"{node}/version", auth=AUTH, timeout=2).ok for node in nodes)
        except requests.RequestException:
            return False

    try:
        _wait_for(answering, 60, "the web nodes")
        yield app, nodes, workers, effects
    finally:
        for process in processes:
            process.kill()
            process.wait(10)
        drop_pg_database(name)


def _count(app, model, *where) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(model).where(*where))
        finally:
            db.session.remove()


def _drive(nodes: list[str], function, count: int) -> None:
    """Call `function(node, n)` for n in range(count), spread over the web nodes by 8 concurrent clients."""
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: function(nodes[n % len(nodes)], n), range(count)))


def _start(node: str, n: int) -> None:
    response = requests.post(f"{node}/process-definition/key/letter_reply/start", auth=AUTH, timeout=30, json={
        "businessKey": f"ЛС-{n:04d}", "variables": {"client": {"value": f"Клиент {n}", "type": "String"}}})
    assert response.status_code == 200, response.text


def _reply(node: str, n: int) -> None:
    response = requests.post(f"{node}/message", auth=AUTH, timeout=30,
                             json={"messageName": "reply_received", "businessKey": f"ЛС-{n:04d}"})
    assert response.status_code == 204, response.text


def test_500_instances_on_two_web_nodes_and_two_workers_survive_a_killed_worker(machines):
    app, nodes, workers, effects = machines
    _drive(nodes, _start, INSTANCES)
    sent = lambda: len(effects.read_text().splitlines()) if effects.exists() else 0  # noqa: E731
    _wait_for(lambda: sent() >= INSTANCES // 5, 60, "the first letters")
    workers[0].send_signal(signal.SIGKILL)  # midway: its job in hand is reclaimed after the lease
    workers[0].wait(10)
    _wait_for(lambda: _count(app, MessageSubscription) == INSTANCES, 90, "every letter to be sent")
    _drive(nodes, _reply, INSTANCES)
    _wait_for(lambda: _count(app, ProcessInstance, ProcessInstance.status == "completed") == INSTANCES, 30,
              "every instance to complete")
    letters = effects.read_text().splitlines()
    assert len(letters) == len(set(letters)) == INSTANCES  # none lost, none doubled
    assert _count(app, Job, Job.status == "done") == INSTANCES
    assert _count(app, ProcessInstance) == INSTANCES
