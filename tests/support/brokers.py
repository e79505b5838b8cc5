"""A Redis database of its own for each pytest-xdist worker: two tests that run Celery workers at once must not
flush or consume each other's queues."""

from __future__ import annotations

import os


def own_broker(first_database: int) -> str:
    """The broker URL on database `first_database` + this xdist worker's number (gw0 → +0, gw1 → +1)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return f"redis://127.0.0.1:6379/{first_database + int(worker.removeprefix('gw'))}"
