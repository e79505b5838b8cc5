"""Real Celery worker processes on Redis and PostgreSQL: jobs delivered through the broker, a worker killed with
SIGKILL in the middle of a job, and a broker that is down while instances start — nothing lost, nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import time_machine
from sqlalchemy import func, select

from db import Base
from engine import dispatch, instances
from engine.deployment import deploy
from engine.models import Job, ProcessInstance
from tests.conftest import PROJECT, drop_pg_database, fresh_pg_database, make_test_app
from tests.engine.conftest import RULES
from tests.support import job_operators  # noqa: F401 — registers test.send_letter for the deploy lint
from tests.support.brokers import own_broker
from web.extensions import db
from web.scheduler import Scheduler

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
BROKER = own_broker(4)
DEAD_BROKER = "redis://127.0.0.1:6399/0"  # nothing listens there
CELERY = str(Path(sys.executable).parent / "celery")
LEASE_SECONDS = 3
GRACE_SECONDS = 10  # the default REGLAMENT_JOB_MESSAGE_GRACE_SECONDS


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def cluster(tmp_path):
    """A fresh PostgreSQL database, an empty Redis database, and the environment worker processes run with."""
    if not _redis_answers():
        pytest.skip("Redis at 127.0.0.1:6379 does not answer")
    redis.Redis.from_url(BROKER).flushdb()
    name = f"reglament_celery_{os.getpid()}"
    url = fresh_pg_database(name)
    effects = tmp_path / "effects.txt"
    env = {**os.environ, "DATABASE_URL": url, "REGLAMENT_MODE": "distributed", "REGLAMENT_BROKER_URL": BROKER,
           "REGLAMENT_OPERATOR_MODULES": "billing.operators,tests.support.job_operators",
           "REGLAMENT_TEST_EFFECTS": str(effects), "REGLAMENT_JOB_LEASE_SECONDS": str(LEASE_SECONDS)}
    processes: list[subprocess.Popen] = []
    yield url, env, effects, processes
    for process in processes:
        process.kill()
        process.wait(10)
    dispatch.set_dispatcher(None)
    drop_pg_database(name)


def _app(url: str, broker: str = BROKER):
    app = make_test_app(url, MODE="distributed", CELERY_BROKER_URL=broker)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        deploy(db.session, {"letter.bpmn": (PROJECT / "tests" / "diagrams" / "letter.bpmn").read_bytes()},
               name="letters", rules=RULES)
    return app


def _worker(cluster, name: str, slow_seconds: float = 0) -> subprocess.Popen:
    _, env, _, processes = cluster
    process = subprocess.Popen(
        [CELERY, "-A", "web.celery_worker", "worker", "--pool", "solo", "--loglevel", "warning", "-n", f"{name}@%h",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env={**env, "REGLAMENT_TEST_SLOW_SECONDS": str(slow_seconds)}, cwd=PROJECT)
    processes.append(process)
    return process


def _wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def _count(app, *where) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(ProcessInstance).where(*where))
        finally:
            db.session.remove()


def _start(app, count: int) -> None:
    with app.app_context():
        for n in range(count):
            instances.start_process(db.session, "letter", {"client": f"Клиент {n}"})
        db.session.remove()


def _sweep(scheduler: Scheduler, later: float = 0) -> int:
    """One sweep as the scheduler runs it, `later` seconds from now; the number of jobs it sent."""
    with time_machine.travel(time.time() + later, tick=False):
        return scheduler.tick(sweep=True).swept


def _queued() -> int:
    return redis.Redis.from_url(BROKER).llen("celery")


def test_a_celery_worker_process_runs_the_jobs_it_gets_from_redis(cluster):
    app = _app(cluster[0])
    _worker(cluster, "w1")
    _start(app, 5)
    _wait_for(lambda: _count(app, ProcessInstance.status == "completed") == 5)
    assert len(set(cluster[2].read_text().splitlines())) == 5


def test_a_worker_killed_in_the_middle_of_a_job_loses_nothing_and_doubles_nothing(cluster):
    app = _app(cluster[0])
    doomed = _worker(cluster, "doomed", slow_seconds=30)
    _start(app, 1)

    def locked() -> bool:
        with app.app_context():
            try:
                return db.session.scalar(select(Job.status)) == "locked"
            finally:
                db.session.remove()

    _wait_for(locked)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    _worker(cluster, "rescuer")
    time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's lease runs out
    assert _sweep(Scheduler(app)) == 1  # what the scheduler does every few seconds
    _wait_for(lambda: _count(app, ProcessInstance.status == "completed") == 1)
    assert len(cluster[2].read_text().splitlines()) == 1


def test_a_message_taken_by_a_worker_that_died_before_claiming_its_job_is_sent_again_by_the_sweep(cluster):
    app = _app(cluster[0])
    _start(app, 1)  # no worker runs yet: the job's message waits in Redis
    assert redis.Redis.from_url(BROKER).brpop("celery", timeout=10) is not None  # taken, and its taker died
    with app.app_context():
        assert db.session.scalar(select(Job.status)) == "pending"
        db.session.remove()
    _worker(cluster, "w1")
    scheduler = Scheduler(app)
    assert _sweep(scheduler) == 0  # a worker may still be about to claim it
    assert _sweep(scheduler, later=GRACE_SECONDS + 1) == 0  # beyond the queue: suspected
    assert _sweep(scheduler, later=2 * GRACE_SECONDS + 2) == 1  # still unclaimed: lost
    _wait_for(lambda: _count(app, ProcessInstance.status == "completed") == 1)
    assert len(cluster[2].read_text().splitlines()) == 1


def test_with_the_broker_down_instances_still_start_and_their_jobs_run_once_it_is_back(cluster):
    offline = _app(cluster[0], broker=DEAD_BROKER)
    _start(offline, 3)  # the dispatcher fails to reach Redis: logged, not raised
    asked = time.monotonic()
    assert dispatch.queued() is None  # the sweep cannot count the queue: it falls back to the lease…
    assert time.monotonic() - asked < 5  # …at once, without holding up the scheduler's timers
    with offline.app_context():
        assert [job.status for job in db.session.scalars(select(Job))] == ["pending"] * 3
        db.session.remove()
    online = _app(cluster[0])
    _worker(cluster, "w1")
    scheduler = Scheduler(online)
    assert _sweep(scheduler, later=GRACE_SECONDS + 1) == 0  # Redis holds none of their messages: suspected
    assert _sweep(scheduler, later=2 * GRACE_SECONDS + 2) == 3
    _wait_for(lambda: _count(online, ProcessInstance.status == "completed") == 3)
    assert len(set(cluster[2].read_text().splitlines())) == 3
    with online.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job).where(Job.status != "done")) == 0
        db.session.remove()


def test_a_backlog_of_queued_jobs_gets_no_second_messages_however_long_it_waits(cluster):
    app = _app(cluster[0])
    _start(app, 20)  # no worker runs yet: twenty messages wait in Redis
    assert _queued() == 20
    scheduler = Scheduler(app)
    assert _sweep(scheduler, later=3600) == 0 and _sweep(scheduler, later=7200) == 0 and _queued() == 20
    _worker(cluster, "w1")
    _wait_for(lambda: _count(app, ProcessInstance.status == "completed") == 20)
    assert len(cluster[2].read_text().splitlines()) == 20 and _queued() == 0
