"""What happens after a unit of work commits: the one hook through which the rest of the platform hears of it.

Every use case of `engine.instances` that commits hands its audit events here — and only after the commit, so a
transaction that rolled back tells nobody anything. Two kinds of listener:

- the job dispatcher the deployment wired (the embedded worker's wake-up, or a Celery `delay` in the distributed
  mode) gets the ids of the jobs just created; the database is the source of truth and this is only a nudge;
- listeners added with `add_listener` (the worklist's e-mail) get the committed events themselves.

A listener that fails (Redis is down, a mail server refuses) is logged and loses nothing that was committed: the
jobs wait in the database for the sweeper, and the step stays done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)
Listener = Callable[[list[dict]], None]
_dispatcher: Callable[[list[str]], None] | None = None
_queued: Callable[[], int] | None = None
_listeners: list[Listener] = []


def set_dispatcher(dispatcher: Callable[[list[str]], None] | None, queued: Callable[[], int] | None = None) -> None:
    """Wire the function that delivers new job ids to workers (None: nobody is told; workers poll) and the one
    that counts the messages still waiting for a worker in its queue (None: the broker cannot tell)."""
    global _dispatcher, _queued
    _dispatcher, _queued = dispatcher, queued


def queued() -> int | None:
    """How many job messages wait in the broker's queue; None when it cannot tell (or cannot be reached)."""
    if _queued is None:
        return None
    try:
        return _queued()
    except Exception:  # noqa: BLE001 — an unreachable broker only makes the sweep fall back to the lease
        log.warning("could not count the messages waiting in the broker", exc_info=True)
        return None


def add_listener(listener: Listener) -> None:
    """Call `listener(events)` after every commit of a use case (once, however often it is added)."""
    if listener not in _listeners:
        _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    """Stop calling `listener` after commits."""
    if listener in _listeners:
        _listeners.remove(listener)


def committed(events: list[dict]) -> None:
    """A unit of work has committed with these audit events: tell the workers and every listener. Never raises."""
    if not events:
        return
    jobs_ready(e["detail"]["job_id"] for e in events if e["kind"] == "job_created")
    for listener in list(_listeners):
        try:
            listener(events)
        except Exception:  # noqa: BLE001 — the step is committed; a listener's failure must not look like its own
            log.warning("after-commit listener %r failed", listener, exc_info=True)


def jobs_ready(job_ids: Iterable[str]) -> None:
    """Deliver committed job ids; a delivery failure is logged, never raised."""
    ids = list(job_ids)
    if not ids or _dispatcher is None:
        return
    try:
        _dispatcher(ids)
    except Exception:  # noqa: BLE001 — the broker is optional: the sweeper re-enqueues what was not delivered
        log.warning("could not dispatch %d job(s); the sweeper will re-enqueue them", len(ids), exc_info=True)
