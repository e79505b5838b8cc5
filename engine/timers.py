"""Firing due timers. The scheduler asks for instances with a due timer and lets each one fire through the normal
step (`instances.fire_timers`). Two schedulers may run at once: for any instance one of them wins the optimistic
lock and the other skips it, so every timer fires exactly once without a leader lock."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock, instances
from engine.errors import Conflict
from engine.models import Timer

log = logging.getLogger(__name__)
_timers = Timer.__table__


def due_instance_ids(session: Session, limit: int = 500) -> list[str]:
    """Instances with at least one due timer, the longest overdue first."""
    rows = session.connection().execute(
        select(_timers.c.instance_id).where(_timers.c.status == "waiting", _timers.c.due_at <= clock.now())
        .group_by(_timers.c.instance_id).order_by(func.min(_timers.c.due_at)).limit(limit))
    return list(rows.scalars())


def fire_due(session: Session, limit: int = 500) -> int:
    """Fire what is due now; the number of instances that moved."""
    moved = 0
    for instance_id in due_instance_ids(session, limit):
        try:
            moved += instances.fire_timers(session, instance_id)
        except Conflict:
            # Another scheduler or a person moved the instance first; its timers are in its new state.
            log.debug("timer of %s skipped: the instance changed meanwhile", instance_id)
    session.commit()
    return moved


def lag_seconds(session: Session) -> float:
    """How late the most overdue waiting timer is (0 when nothing is due): the scheduler's health."""
    oldest = session.connection().execute(
        select(func.min(_timers.c.due_at)).where(_timers.c.status == "waiting")).scalar()
    if oldest is None:
        return 0.0
    now = clock.now()
    oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
    return max((now - oldest).total_seconds(), 0.0)
