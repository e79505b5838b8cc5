"""Message and timer start events of process definitions: rows written on deploy, read by correlation and the
scheduler.

Only the latest version of a process listens: deploying a new version moves its start events to it, as Camunda
does (repetitions of a cycle that passed before the deployment are not caught up). A timer start event fires once
(timeDate, timeDuration from the deployment) or repeats (timeCycle such as
`R/2026-12-01T00:00:00+07:00/P1M`, a monthly regulation): a cycle keeps its row, and each firing re-arms it to the
next repetition in the future, with calendar months (1 December, 1 January, 1 February…).

A timer start event marked `perPartner` is a regulation every partner runs: its firing writes one one-off row per
partner (in the transaction that re-arms it), and each of those starts that partner's instance — with
`partner_id` set, so its tasks go to that partner's staff — and is deleted in the same transaction. A scheduler
that dies between the two loses nothing: the rows are still due.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.orm import Session

from engine import clock, events
from engine.models import ProcessDefinition, StartEvent

_starts = StartEvent.__table__
MESSAGE, TIMER = "message", "timer"


def _no_partners(_session: Session) -> list[int]:
    return []


_partner_source: Callable[[Session], list[int]] = _no_partners


def set_partner_source(source: Callable[[Session], list[int]]) -> None:
    """Who "every partner" of a `perPartner` firing is: the application wires identity's list (the engine never
    imports identity), as it wires the job dispatcher."""
    global _partner_source
    _partner_source = source


def schedule(session: Session, definition: ProcessDefinition, spec) -> None:
    """Make `definition` (a newly deployed version) the one whose start events listen."""
    connection = session.connection()
    connection.execute(delete(_starts).where(_starts.c.definition_key == definition.key))
    rows = []
    for event in events.start_events(spec):
        row = {"id": str(uuid.uuid4()), "definition_id": definition.id, "definition_key": definition.key,
               "event_key": event.key, "message_name": event.message_name, "due_at": None, "cycle": None,
               "repeats_left": None, "fired_count": 0, "per_partner": event.per_partner, "partner_id": None}
        if event.message_name is not None:
            rows.append({**row, "kind": MESSAGE})
        else:
            now = clock.now()
            due, cycle, repeats = first_due(event.timer, event.value, now)
            if cycle is not None and due <= now:
                due = next_due(cycle, due, now)  # repetitions before the deployment are not caught up
            rows.append({**row, "kind": TIMER, "due_at": due, "cycle": cycle, "repeats_left": repeats})
    if rows:
        connection.execute(insert(_starts), rows)


def first_due(kind: str, value: str, now: datetime) -> tuple[datetime, str | None, int | None]:
    """(first due time, cycle text or None, repetitions left: -1 for ever) of a timer start event's value."""
    if kind == "date":
        return TimerEventDefinition.get_datetime(value), None, None
    if kind == "duration":
        return now + _duration(value, now), None, None
    parts = value.strip().upper().split("/")
    repeats = int(parts[0][1:]) if parts[0][1:] else -1
    if len(parts) == 3 and not parts[1].startswith("P"):  # R/start/duration
        return TimerEventDefinition.get_datetime(parts[1]), value, repeats
    return now + _duration(parts[1], now), value, repeats  # R/duration: the first one a period from now


def next_due(cycle: str, due: datetime, now: datetime) -> datetime:
    """The next repetition of `cycle` after the one due at `due` that is still in the future. Months are counted
    in the cycle's own time zone (the business one when it names none): 1 December 00:00 +07 is followed by
    1 January 00:00 +07, not by 31 December."""
    parts = cycle.strip().upper().split("/")
    zone = clock.BUSINESS_TZ
    if len(parts) == 3 and not parts[1].startswith("P"):
        zone = datetime.fromisoformat(parts[1]).tzinfo or zone
    following = due.astimezone(zone)
    while following <= now or following == due:
        following = following + _duration(parts[-1], following)
    return following.astimezone(UTC)


def _duration(text: str, start: datetime) -> timedelta:
    return TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(text), start)


def message_starts(session: Session, message_name: str) -> list:
    """The start events a message of this name triggers (definition id and key, event key)."""
    return list(session.connection().execute(
        select(_starts.c.definition_id, _starts.c.definition_key, _starts.c.event_key)
        .where(_starts.c.kind == MESSAGE, _starts.c.message_name == message_name)))


def due_timers(session: Session, limit: int = 100) -> list:
    """Timer start events due now, the longest overdue first."""
    return list(session.connection().execute(
        select(_starts.c.id, _starts.c.definition_id, _starts.c.definition_key, _starts.c.event_key,
               _starts.c.due_at, _starts.c.cycle, _starts.c.repeats_left, _starts.c.per_partner,
               _starts.c.partner_id)
        .where(_starts.c.kind == TIMER, _starts.c.due_at <= clock.now()).order_by(_starts.c.due_at).limit(limit)))


def claim_firing(session: Session, row) -> bool:
    """Take this firing of a due start timer (re-arm a cycle, or retire a one-off timer) in the caller's
    transaction; False when another scheduler took it first. The instance is started in the same transaction."""
    mine = and_(_starts.c.id == row.id, _starts.c.due_at == row.due_at)
    if row.partner_id is not None:  # one partner's share of a fanned-out firing
        return session.connection().execute(delete(_starts).where(mine)).rowcount == 1
    now = clock.now()
    due = row.due_at if row.due_at.tzinfo else row.due_at.replace(tzinfo=now.tzinfo)
    repeats = row.repeats_left
    if row.cycle is not None and repeats != 1:
        values = {"due_at": next_due(row.cycle, due, now), "repeats_left": repeats - 1 if repeats > 0 else -1}
    else:
        values = {"due_at": None, "repeats_left": 0}
    return session.connection().execute(
        update(_starts).where(mine).values(fired_count=_starts.c.fired_count + 1, **values)).rowcount == 1


def fan_out(session: Session, row) -> int:
    """A claimed firing of a `perPartner` timer start event as one one-off row per partner, due at once (in the
    caller's transaction); the number of partners."""
    partners = _partner_source(session)
    if partners:
        session.connection().execute(insert(_starts), [{
            "id": str(uuid.uuid4()), "kind": TIMER, "definition_id": row.definition_id,
            "definition_key": row.definition_key, "event_key": row.event_key, "message_name": None,
            "due_at": row.due_at, "cycle": None, "repeats_left": None, "fired_count": 0, "per_partner": False,
            "partner_id": partner} for partner in partners])
    return len(partners)
