"""Login throttling in the database (so every web process and node shares it): after `MAX_FAILURES` failed
attempts for one (username, address) within `WINDOW`, further attempts are refused until the window has passed.
A success resets the count. The username is counted whether it exists or not, so the throttle tells nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db import utcnow
from identity.models import LoginAttempt

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
KEEP = timedelta(days=30)


def is_throttled(session: Session, username: str, address: str, *, now: datetime | None = None) -> bool:
    """True when (username, address) has failed MAX_FAILURES times since its last success within WINDOW."""
    return recent_failures(session, username, address, now=now) >= MAX_FAILURES


def recent_failures(session: Session, username: str, address: str, *, now: datetime | None = None) -> int:
    """The failed attempts of (username, address) since its last success within WINDOW."""
    now = now or utcnow()
    since = (now - WINDOW).astimezone(UTC)
    last_success = select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.address == address, LoginAttempt.succeeded.is_(True),
        LoginAttempt.at >= since).scalar_subquery()
    failures = select(func.count()).where(
        LoginAttempt.username == username, LoginAttempt.address == address, LoginAttempt.succeeded.is_(False),
        LoginAttempt.at >= func.coalesce(last_success, since))
    return session.scalar(failures) or 0  # one statement: Basic credentials are checked on every API request


def record_attempt(session: Session, username: str, address: str, succeeded: bool) -> None:
    """Note an attempt (the caller commits); attempts older than KEEP are dropped now and then."""
    session.add(LoginAttempt(username=username[:80], address=address[:45], succeeded=succeeded))
    if succeeded:
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - KEEP))
