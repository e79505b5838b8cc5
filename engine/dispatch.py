"""Telling workers that jobs are ready. The database is the source of truth; this is only a nudge.

After a transaction that created jobs commits, their ids go to the dispatcher the deployment wired: the embedded
worker's wake-up in the embedded mode, a Celery `delay` in the distributed mode. A dispatcher that fails (Redis is
down) loses nothing: the jobs wait in the database, and the sweeper re-enqueues them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)
_dispatcher: Callable[[list[str]], None] | None = None


def set_dispatcher(dispatcher: Callable[[list[str]], None] | None) -> None:
    """Wire the function that delivers new job ids to workers (None: nobody is told; workers poll)."""
    global _dispatcher
    _dispatcher = dispatcher


def jobs_ready(job_ids: Iterable[str]) -> None:
    """Deliver committed job ids; a delivery failure is logged, never raised."""
    ids = list(job_ids)
    if not ids or _dispatcher is None:
        return
    try:
        _dispatcher(ids)
    except Exception:  # noqa: BLE001 — the broker is optional: the sweeper re-enqueues what was not delivered
        log.warning("could not dispatch %d job(s); the sweeper will re-enqueue them", len(ids), exc_info=True)
