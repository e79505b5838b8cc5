"""Jobs and timers on PostgreSQL.

1. Jobs per second: the same N instances (one asynchronous service task each) worked by the embedded worker, by
   one Celery worker process, and by two (the scaling ratio: medians of alternating rounds, after a warm-up).
2. Timers, among ~100,000 waiting: fires per second of a burst of due timers, and the lag between due time and
   firing (p50 / p99) of timers falling due over a few seconds while the scheduler ticks every second.

    python bench/jobs.py [--jobs N] [--rounds R] [--burst K] [--steady M] [--window S] [--pending P]
                         [--database D] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the `engine` package, not this folder's files

import psycopg
import redis
import time_machine
from sqlalchemy import insert, select, text

from bench.postgres import dsn, fresh_database
from db import Base
from engine import clock, dispatch, instances, timers
from engine.deployment import DeployRules, deploy
from engine.models import ProcessInstance, Timer
from engine.operators import registry
from tests.support import job_operators  # noqa: F401 — test.send_letter, the job every instance has
from web import create_app
from web.extensions import db
from web.scheduler import Scheduler
from web.worker import EmbeddedWorker

ROOT = Path(__file__).resolve().parent.parent
DIAGRAMS = ROOT / "tests" / "diagrams"
PG = "postgresql+psycopg://root@127.0.0.1:5432/test"
BROKER = "redis://127.0.0.1:6379/8"
CELERY = str(Path(sys.executable).parent / "celery")


def _app(url: str, **config):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", **config})
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        rules = DeployRules(topic_known=lambda t: t in registry, form_exists=lambda f: True,
                            group_known=lambda g: True)
        files = {name: (DIAGRAMS / name).read_bytes() for name in ("letter.bpmn", "escalation.bpmn")}
        deploy(db.session, files, name="bench", rules=rules)
        db.session.remove()
    return app


def _start_letters(app, count: int) -> None:
    """`count` instances waiting on their letter's job; then the tables are vacuumed and a checkpoint written, so
    that neither autovacuum nor a checkpoint falls into the measured window of one run and not of another."""
    with app.app_context():
        for n in range(count):
            instances.start_process(db.session, "letter", {"client": f"Клиент {n}"})
        url = db.engine.url.render_as_string(False)
        db.session.remove()
    with psycopg.connect(dsn(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")


def _wait_all(url: str, count: int) -> int:
    """Until `count` instances have completed; returns how many have. It polls over a plain connection: the
    bench's own CPU shares the two cores with the workers."""
    with psycopg.connect(dsn(url), autocommit=True) as conn:
        while (done := conn.execute("SELECT count(*) FROM process_instance WHERE status = 'completed'")
               .fetchone()[0]) < count:
            time.sleep(0.05)
    return done


def jobs_embedded(url: str, count: int) -> float:
    app = _app(url)
    dispatch.set_dispatcher(None)
    _start_letters(app, count)
    worker = EmbeddedWorker(app, poll_seconds=0.05)
    began = time.perf_counter()
    worker.start()
    try:
        _wait_all(url, count)
        return count / (time.perf_counter() - began)
    finally:
        worker.stop()


def jobs_celery(url: str, count: int, processes: int, effects: Path, warm_up: int) -> float:
    """Jobs/s of `processes` Celery worker processes in their steady state: the clock starts once `warm_up` jobs
    are done (connections opened, the spec cached), so start-up does not count against the scaling ratio."""
    app = _app(url, MODE="distributed", CELERY_BROKER_URL=BROKER)
    redis.Redis.from_url(BROKER).flushdb()
    dispatch.set_dispatcher(None)  # enqueue below, after the workers are up
    _start_letters(app, warm_up + count)
    env = {**os.environ, "DATABASE_URL": url, "REGLAMENT_MODE": "distributed", "REGLAMENT_BROKER_URL": BROKER,
           "REGLAMENT_OPERATOR_MODULES": "tests.support.job_operators", "REGLAMENT_TEST_EFFECTS": str(effects)}
    workers = [subprocess.Popen([CELERY, "-A", "web.celery_worker", "worker", "--pool", "solo", "-n", f"b{n}@%h",
                                 "--loglevel", "error", "--without-gossip", "--without-mingle",
                                 "--without-heartbeat"], env=env, cwd=ROOT) for n in range(processes)]
    try:
        celery = app.extensions["celery"]
        _wait_ready(celery, processes)
        with app.app_context():
            ids = [row[0] for row in db.session.execute(text("SELECT id FROM job WHERE status = 'pending'"))]
            db.session.remove()
        # Everything is queued while the workers do not consume: sending is the web nodes' work, and on these two
        # cores the bench's own sends would take CPU from the second worker.
        celery.control.cancel_consumer("celery", reply=True)
        for job_id in ids:
            celery.send_task("web.worker_tasks.run_job", (job_id,))
        celery.control.add_consumer("celery")  # no reply: waiting for it would let the workers run a second unseen
        done, began = _wait_all(url, warm_up), time.perf_counter()
        if done >= warm_up + count:
            raise SystemExit(f"all {warm_up + count} jobs were done before the clock started: raise --jobs")
        _wait_all(url, warm_up + count)
        return (warm_up + count - done) / (time.perf_counter() - began)
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
        dispatch.set_dispatcher(None)


def celery_figures(url: str, count: int, rounds: int, folder: Path) -> dict:
    """Jobs/s of 1 and of 2 Celery worker processes, measured in alternating rounds; the medians and their ratio
    (one round on a shared 2-core machine swings by a fifth either way)."""
    one, two = [], []
    for n in range(rounds):
        one.append(jobs_celery(url, count, 1, folder / f"1-{n}", warm_up=40))
        two.append(jobs_celery(url, count, 2, folder / f"2-{n}", warm_up=40))
    figures = {"jobs_per_s_celery_1": statistics.median(one), "jobs_per_s_celery_2": statistics.median(two),
               "rounds_celery_1": one, "rounds_celery_2": two}
    figures["celery_scaling_2_over_1"] = figures["jobs_per_s_celery_2"] / figures["jobs_per_s_celery_1"]
    return figures


def _wait_ready(celery, processes: int, timeout: float = 120.0) -> None:
    """Until every worker answers a ping: a worker still importing when the clock starts would count its start-up
    against the scaling ratio (two workers starting at once on two cores take several seconds)."""
    deadline = time.monotonic() + timeout
    while len(celery.control.ping(timeout=0.5)) < processes:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{processes} Celery workers did not answer within {timeout:g} s")


def _start_escalations(app, due_at: list) -> None:
    """Instances whose three-day escalation timer is due at each of `due_at` (started three days earlier)."""
    with app.app_context():
        for moment in due_at:
            with time_machine.travel(moment - timedelta(days=3), tick=False):
                instances.start_process(db.session, "escalation", {})
        db.session.remove()


def _crowd(app, pending: int) -> None:
    """Instances waiting on timers due next year (rows only: they are never fired here)."""
    with app.app_context():
        definition = db.session.scalar(text("SELECT id FROM process_definition WHERE key = 'escalation'"))
        now = clock.now()
        for offset in range(0, pending, 10_000):
            batch = [str(uuid.uuid4()) for _ in range(min(10_000, pending - offset))]
            db.session.execute(insert(ProcessInstance), [
                {"id": i, "definition_id": definition, "definition_key": "escalation", "status": "active",
                 "state": "{}", "state_version": "1", "version": 1, "started_at": now} for i in batch])
            db.session.execute(insert(Timer), [
                {"id": str(uuid.uuid4()), "instance_id": i, "task_id": str(uuid.uuid4()), "task_key": "late",
                 "due_at": now + timedelta(days=365), "status": "waiting"} for i in batch])
            db.session.commit()
        db.session.remove()


def timer_figures(url: str, burst: int, steady: int, window: float, pending: int) -> dict:
    """Fires/s of a burst of due timers, then the lag of timers falling due over `window` seconds while the
    scheduler runs its normal one-second ticks — among `pending` other waiting timers."""
    app = _app(url)
    _crowd(app, pending)
    _start_escalations(app, [clock.now() - timedelta(seconds=1)] * burst)
    with app.app_context():
        began = time.perf_counter()
        while timers.fire_due(db.session, limit=500):
            pass
        fires_per_s = burst / (time.perf_counter() - began)
        db.session.remove()
    first = clock.now() + timedelta(seconds=2)
    _start_escalations(app, [first + timedelta(seconds=window * n / steady) for n in range(steady)])
    scheduler = Scheduler(app, interval_seconds=1.0)
    # On a loaded machine starting the instances can outlast the head start: timers that fell due before the
    # scheduler ran would measure their own creation, not the scheduler's lag. Only those due after it started count.
    watching = max(first, clock.now())
    scheduler.start()
    time.sleep(2 + window + 3)
    scheduler.stop()
    with app.app_context():
        lags = sorted((fired - due).total_seconds() for fired, due in db.session.execute(
            select(Timer.fired_at, Timer.due_at).where(Timer.status == "fired", Timer.due_at >= watching)))
        db.session.remove()
    return {"timers_waiting": pending + burst + steady, "fires_per_s": fires_per_s,
            "timers_fired_in_window": len(lags), "lag_p50_s": statistics.median(lags),
            "lag_p99_s": lags[max(int(len(lags) * 0.99) - 1, 0)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of 1 and 2 Celery workers")
    parser.add_argument("--burst", type=int, default=1000, help="timers due at once (fires/s)")
    parser.add_argument("--steady", type=int, default=600, help="timers falling due over the window (lag)")
    parser.add_argument("--window", type=float, default=6.0, help="seconds over which --steady timers fall due")
    parser.add_argument("--pending", type=int, default=98_000, help="other timers waiting (due next year)")
    parser.add_argument("--timers-only", action="store_true", help="skip the job figures (no Redis needed)")
    parser.add_argument("--database", default="reglament_bench_jobs",
                        help="the PostgreSQL database to (re)create: dropped first, one per concurrent run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    url = fresh_database(PG, args.database)
    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        os.environ["REGLAMENT_TEST_EFFECTS"] = str(Path(folder) / "embedded")  # the in-process worker's operator
        if not args.timers_only:
            figures = {"jobs_per_s_embedded": jobs_embedded(url, args.jobs),
                       **celery_figures(url, args.jobs, args.rounds, Path(folder))}
    figures.update(timer_figures(url, args.burst, args.steady, args.window, args.pending))
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{'measure':<44}{'value':>12}")
    for key, label in (("jobs_per_s_embedded", "jobs/s, embedded worker thread"),
                       ("jobs_per_s_celery_1", "jobs/s, 1 Celery worker process"),
                       ("jobs_per_s_celery_2", "jobs/s, 2 Celery worker processes"),
                       ("celery_scaling_2_over_1", "scaling 2 / 1 (target ≥ 1.7)"),
                       ("timers_waiting", "timers waiting"),
                       ("timers_fired_in_window", "timers fired while the scheduler ticked"),
                       ("fires_per_s", "timer fires/s (target ≥ 300)"),
                       ("lag_p50_s", "lag p50, s"),
                       ("lag_p99_s", "lag p99, s (target ≤ 2)")):
        if key in figures:
            print(f"{label:<44}{figures[key]:>12,.2f}")
    if "rounds_celery_1" in figures:
        pairs = zip(figures["rounds_celery_1"], figures["rounds_celery_2"], strict=True)
        print("jobs/s by round, 1 / 2 workers: " + "; ".join(f"{one:.0f} / {two:.0f}" for one, two in pairs))


if __name__ == "__main__":
    main()
