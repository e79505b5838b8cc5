"""HTTP Basic authentication of the stateless APIs (/engine-rest, /api): credentials → the caller's `Scope`.

Attempts are throttled as the sign-in form's are (`identity.throttling`). A throttled attempt is refused like wrong
credentials, without checking the password: Camunda answers 401 to a user its login throttle holds back too.
"""

from __future__ import annotations

from flask import g, request

from engine.scope import Scope
from identity.authentication import authenticate
from identity.throttling import MAX_FAILURES, recent_failures, record_attempt
from web.extensions import db


def scope_of(user) -> Scope:
    """The scope of a user: partner users see their partner only; УК users see everything."""
    return Scope(username=user.username, partner_id=user.partner_id, groups=frozenset(user.role_names))


def authenticate_request() -> bool:
    """Check the request's Basic credentials and set `g.scope`; False when they are missing, wrong or throttled."""
    credentials = request.authorization
    if credentials is None or credentials.type != "basic":
        return False
    username, address = (credentials.username or "")[:80], request.remote_addr or "-"
    failures = recent_failures(db.session, username, address)
    if failures >= MAX_FAILURES:
        return False
    user = authenticate(db.session, credentials.username or "", credentials.password or "")
    if user is None or failures:  # a success is noted only to clear failures: clients send credentials every time
        record_attempt(db.session, username, address, user is not None)
        db.session.commit()
    if user is None:
        return False
    g.scope = scope_of(user)
    return True
