"""The scheduler: fires due timers and, in the distributed mode, re-enqueues jobs whose broker message was lost or
whose worker died. One runs as a thread in the embedded mode (beside the worker); in the distributed mode one
process runs `reglament scheduler` (several may run: timers still fire once)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import NamedTuple

from flask import Flask

from engine import dispatch, jobs, timers
from web.extensions import db

log = logging.getLogger(__name__)
MIN_PAUSE = 0.02  # seconds: the shortest wait between ticks, a timer falling due just after one is fired soon


class Tick(NamedTuple):
    """What one tick did: instances moved, jobs re-enqueued, and the seconds until the next timer or timer start
    event falls due (None: nothing waits)."""

    moved: int
    swept: int
    next_in: float | None


class Scheduler:
    def __init__(self, app: Flask, interval_seconds: float = 1.0, sweep_every: int = 10) -> None:
        self.app = app
        self.interval = interval_seconds
        self.sweep_every = sweep_every
        self.sweep = jobs.Sweep(grace=timedelta(seconds=app.config["JOB_MESSAGE_GRACE_SECONDS"]),
                                lease=timedelta(seconds=app.config["JOB_LEASE_SECONDS"]))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, sweep: bool) -> Tick:
        """Fire due timers; with `sweep`, send ready jobs whose message was lost or never sent."""
        with self.app.app_context():
            try:
                moved = timers.fire_due(db.session)
                swept = self.sweep(db.session, dispatch.queued()) if sweep else []
                next_in = timers.seconds_until_next(db.session)
            finally:
                db.session.remove()
        dispatch.jobs_ready(swept)
        return Tick(moved, len(swept), next_in)

    def pause(self, tick: Tick | None) -> float:
        """Seconds to wait after `tick` (None: it failed): until the next timer falls due, at most the interval. A
        timer still due after a tick that moved nothing cannot fire now (its instance is suspended, say): then the
        whole interval, so that it is not retried in a busy loop."""
        if tick is None or tick.next_in is None or (tick.next_in == 0 and tick.moved == 0):
            return self.interval
        return min(self.interval, max(tick.next_in, MIN_PAUSE))

    def run_forever(self) -> None:
        ticks = 0
        sweeping = self.app.config["MODE"] == "distributed"
        while not self._stop.is_set():
            tick = None
            try:
                tick = self.tick(sweep=sweeping and ticks % self.sweep_every == 0)
            except Exception:  # noqa: BLE001 — one bad tick must not stop the timers of everyone else
                log.exception("scheduler tick failed")
            ticks += 1
            self._stop.wait(self.pause(tick))

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="reglament-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
