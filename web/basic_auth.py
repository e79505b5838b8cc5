"""HTTP Basic authentication of the stateless APIs (/engine-rest, /api): credentials → the caller's `Scope`."""

from __future__ import annotations

from flask import g, request

from engine.scope import Scope
from identity.authentication import authenticate
from web.extensions import db


def scope_of(user) -> Scope:
    """The scope of a user: partner users see their partner only; УК users see everything."""
    return Scope(username=user.username, partner_id=user.partner_id, groups=frozenset(user.role_names))


def authenticate_request() -> bool:
    """Check the request's Basic credentials and set `g.scope`; False when they are missing or wrong."""
    credentials = request.authorization
    if credentials is None or credentials.type != "basic":
        return False
    user = authenticate(db.session, credentials.username or "", credentials.password or "")
    if user is None:
        return False
    g.scope = scope_of(user)
    return True
