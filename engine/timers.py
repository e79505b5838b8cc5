"""Firing due timers. The scheduler asks for instances with a due timer and lets each one fire through the normal
step (`instances.fire_timers`). Two schedulers may run at once: for any instance one of them wins the optimistic
lock and the other skips it, so every timer fires exactly once without a leader lock. Timer start events start
new instances: the firing is claimed by an atomic update of the start event's row, in the transaction that starts
the instance."""

from __future__ import annotations

import dataclasses
import logging

from sqlalchemy import case, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from engine import clock, instances, start_events
from engine.errors import Conflict
from engine.models import ProcessInstance, StartEvent, Timer
from engine.store import InstanceRecord

log = logging.getLogger(__name__)
_timers = Timer.__table__
_RECORD_COLUMNS = [ProcessInstance.__table__.c[f.name] for f in dataclasses.fields(InstanceRecord)]


def due_instance_ids(session: Session, limit: int = 500) -> list[str]:
    """Instances with at least one due timer, the longest overdue first."""
    rows = session.connection().execute(
        select(_timers.c.instance_id).where(_timers.c.status == "waiting", _timers.c.due_at <= clock.now())
        .group_by(_timers.c.instance_id).order_by(func.min(_timers.c.due_at)).limit(limit))
    return list(rows.scalars())


BATCH = 50  # instances fired per transaction: a commit is a round trip and a flush to disk


def fire_due(session: Session, limit: int = 500, batch: int = BATCH) -> int:
    """Fire what is due now; the number of instances that moved or started. Instances are fired `batch` to a
    transaction (`instances.fire_timers_batch`)."""
    moved = start_due(session)
    due = due_instance_ids(session, limit)
    # One read for the whole batch instead of one per instance: a firing costs a round trip less.
    records = {row.id: InstanceRecord(*row) for row in session.connection().execute(
        select(*_RECORD_COLUMNS).where(ProcessInstance.id.in_(due)))} if due else {}
    session.commit()
    found = [records[instance_id] for instance_id in due if instance_id in records]
    for start in range(0, len(found), batch):
        moved += instances.fire_timers_batch(session, found[start:start + batch])
    session.commit()
    return moved


def start_due(session: Session, limit: int = 100) -> int:
    """Start an instance for every timer start event that fell due; the number started."""
    started, fanned = 0, False
    for row in start_events.due_timers(session, limit):
        try:
            if not start_events.claim_firing(session, row):
                session.rollback()
                continue  # another scheduler took this firing
            if row.per_partner:
                fanned = bool(start_events.fan_out(session, row)) or fanned
                session.commit()
                continue
            variables = {} if row.partner_id is None else {"partner_id": row.partner_id}
            instances.start_process(session, row.definition_key, variables, partner_id=row.partner_id,
                                    definition_id=row.definition_id, start_event=row.event_key)
            started += 1
        except Conflict:
            log.debug("start timer %s skipped: another scheduler fired it", row.id)
        except OperationalError:
            session.rollback()  # SQLite: another scheduler holds the write lock; the row is still due
    session.commit()
    if fanned:
        started += start_due(session, limit)  # the partners' shares of what just fanned out, right away
    return started


KINDS = ("boundary", "intermediate", "start")


def counts_by_kind(session: Session) -> tuple[dict[str, int], dict[str, int]]:
    """(waiting, due now) timers by kind: the instances' timer rows, and the armed timer start events of the
    deployed processes as `start` — two grouped counts."""
    now = clock.now()
    is_due = case((_timers.c.due_at <= now, 1), else_=0)
    waiting: dict[str, int] = {}
    due: dict[str, int] = {}
    connection = session.connection()
    for kind, count, due_count in connection.execute(
            select(_timers.c.kind, func.count(), func.sum(is_due)).where(_timers.c.status == "waiting")
            .group_by(_timers.c.kind)):
        waiting[kind], due[kind] = count, int(due_count or 0)
    starts = StartEvent.__table__
    count, due_count = connection.execute(
        select(func.count(), func.sum(case((starts.c.due_at <= now, 1), else_=0)))
        .where(starts.c.kind == start_events.TIMER, starts.c.due_at.is_not(None))).one()
    waiting["start"], due["start"] = count, int(due_count or 0)
    return waiting, due


def seconds_until_next(session: Session) -> float | None:
    """Seconds until the next waiting timer or armed timer start event falls due (0 when one is due already,
    None when nothing waits)."""
    starts = StartEvent.__table__
    connection = session.connection()
    moments = [connection.execute(select(func.min(_timers.c.due_at)).where(_timers.c.status == "waiting")).scalar(),
               connection.execute(select(func.min(starts.c.due_at))
                                  .where(starts.c.kind == start_events.TIMER, starts.c.due_at.is_not(None))).scalar()]
    now = clock.now()
    found = [(m if m.tzinfo else m.replace(tzinfo=now.tzinfo)) for m in moments if m is not None]
    return max((min(found) - now).total_seconds(), 0.0) if found else None


def lag_seconds(session: Session) -> float:
    """How late the most overdue waiting timer is (0 when nothing is due): the scheduler's health."""
    oldest = session.connection().execute(
        select(func.min(_timers.c.due_at)).where(_timers.c.status == "waiting")).scalar()
    if oldest is None:
        return 0.0
    now = clock.now()
    oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
    return max((now - oldest).total_seconds(), 0.0)
