"""Checking credentials against platform users.

argon2 is slow by design (tens of ms), so a verified (user, password) pair is remembered for a short time: API
clients send Basic credentials with every request.
"""

from __future__ import annotations

import hashlib
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from identity.models import User
from identity.passwords import verify_password

CACHE_SECONDS = 60.0
_verified: dict[tuple[str, str], float] = {}
_lock = threading.Lock()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (the same None whether the user exists or not)."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    fingerprint = (username, hashlib.sha256(f"{user.password_hash if user else ''}:{password}".encode()).hexdigest())
    with _lock:
        remembered = _verified.get(fingerprint)
    if user is not None and remembered is not None and remembered > time.monotonic():
        return user
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None  # an unknown user costs the same argon2 check as a wrong password
    with _lock:
        if len(_verified) > 10_000:
            _verified.clear()
        _verified[fingerprint] = time.monotonic() + CACHE_SECONDS
    return user
