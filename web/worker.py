"""The embedded mode's worker: a thread inside the web process that works jobs as they appear.

It polls the database (the source of truth) and is woken early by the dispatcher when a request has just committed
new jobs, so a job usually starts within milliseconds and never waits longer than the poll interval.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from flask import Flask

from engine import dispatch, jobs
from web.extensions import db

log = logging.getLogger(__name__)


def worker_name(kind: str) -> str:
    """A worker id that tells which process on which machine holds a job."""
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"


class EmbeddedWorker:
    def __init__(self, app: Flask, poll_seconds: float = 1.0) -> None:
        self.app = app
        self.poll_seconds = poll_seconds
        self.name = worker_name("embedded")
        self.lease = timedelta(seconds=app.config["JOB_LEASE_SECONDS"])
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reglament-worker", daemon=True)

    def start(self) -> None:
        """Start working and let committed jobs wake the worker."""
        dispatch.set_dispatcher(lambda _ids: self._wake.set())
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        dispatch.set_dispatcher(None)
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        with self.app.app_context():
            while not self._stop.is_set():
                try:
                    outcome = jobs.work_once(db.session, self.name, lease=self.lease,
                                             context=self.app.app_context)
                except Exception:  # noqa: BLE001 — the thread must outlive any one job; the job row keeps the story
                    log.exception("the embedded worker failed on a job")
                    outcome = None
                finally:
                    db.session.remove()
                if outcome is None:
                    self._wake.wait(self.poll_seconds)
                    self._wake.clear()
