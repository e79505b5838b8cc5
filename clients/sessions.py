"""Where operators get a database session: the application binds a factory once (domain code never imports Flask).

Operators run inside the engine's transaction; they use a session of their own so that each operator is its own
unit of work and commits (or not) independently.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

_factory: Callable[[], Session] | None = None


def bind(factory: Callable[[], Session]) -> None:
    """Set the factory operators open sessions with (the web app binds one over its engine)."""
    global _factory
    _factory = factory


def open_session() -> Session:
    """A new session from the bound factory; RuntimeError when the application bound none."""
    if _factory is None:
        raise RuntimeError("no session factory is bound: the application must call clients.sessions.bind")
    return _factory()
