"""Counting the SQL statements a piece of code sends, with SQLAlchemy's cursor events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine


class StatementLog:
    """The statements sent while recording (an executemany counts once: it is one round trip's worth of SQL)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    def matching(self, fragment: str) -> list[str]:
        """The statements whose text contains `fragment` (case-insensitive)."""
        return [s for s in self.statements if fragment.lower() in s.lower()]


@contextmanager
def recording(engine: Engine) -> Iterator[StatementLog]:
    """Record every statement `engine` executes inside the block."""
    log = StatementLog()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        log.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
