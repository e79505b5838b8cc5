"""Views whose statements commit one by one. A view that reads, and writes nothing that needs a transaction of
its own (the inbox's «seen at»), can go without one: under READ COMMITTED each statement sees its own snapshot
anyway. On PostgreSQL that saves two round trips a request, the BEGIN before its first statement and the ROLLBACK
after its last (for the inbox JSON, two of five). A commit inside such a view returns the connection, and what
follows it runs in an ordinary transaction again: write last."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request

from web.extensions import db

V = TypeVar("V", bound=Callable)


def autocommit(view: V) -> V:
    """Mark `view`: on GET and HEAD its statements run without a surrounding transaction."""
    view.autocommit = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    # An application's before_request runs before those of its blueprints, so before the signed-in user is loaded.
    app.before_request(_begin_autocommit)


def _begin_autocommit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method in ("GET", "HEAD") and getattr(view, "autocommit", False):
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
