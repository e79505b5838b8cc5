"""Numbers without gaps and without duplicates: a counter row incremented inside the caller's transaction.

`UPDATE … SET last = last + 1 … RETURNING last` takes the row lock (PostgreSQL) or the write lock (SQLite), so
concurrent transactions queue on it; a transaction that rolls back gives its number back with it — no gap. The
update must be the first statement of a SQLite transaction (a read first would make its write fail on a stale
snapshot), which is how `render_document` uses it.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from db import dialect_insert
from documents.models import DocumentCounter


def next_number(session: Session, kind: str, partner_id: int | None, year: int) -> int:
    """The next number of `kind` for the partner (None = УК) and year; committed or rolled back with the caller."""
    partner_key = partner_id or 0
    increment = (update(DocumentCounter)
                 .where(DocumentCounter.kind == kind, DocumentCounter.partner_key == partner_key,
                        DocumentCounter.year == year)
                 .values(last=DocumentCounter.last + 1)
                 .returning(DocumentCounter.last))
    number = session.execute(increment).scalar()
    if number is not None:
        return number
    # The first number of the year: create the row (concurrent creators collide harmlessly), then increment.
    row = {"kind": kind, "partner_key": partner_key, "year": year, "last": 0}
    session.execute(dialect_insert(session)(DocumentCounter).values(row).on_conflict_do_nothing())
    return session.execute(increment).scalar_one()
