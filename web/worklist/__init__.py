"""The worklist in the browser: sign-in, the inbox, the task page with its Camunda Form, the admin pages.

`init_app` wires Flask-Login, CSRF protection and Flask-Babel and registers the blueprints. The Basic-auth APIs
(/engine-rest, /api) are stateless and never read the session cookie, so they are outside CSRF protection.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from web.worklist import admin, attachments, auth, bulk_receipts, inbox, locale, notifications, route_map, tasks

csrf = CSRFProtect()
STATELESS_BLUEPRINTS = {"engine_rest", "api"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def init_app(app: Flask) -> None:
    """Bind the worklist's extensions and blueprints to `app`."""
    # Flask's own defaults exist for these keys, so they are set outright (REGLAMENT_SESSION_HOURS governs expiry).
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config.get("SESSION_HOURS", 12.0))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked below, for everything but the Basic-auth APIs
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    locale.init_app(app)
    notifications.init_app(app)
    app.before_request(_protect_against_csrf)
    app.register_error_handler(CSRFError, auth.csrf_failed)
    for module in (auth, inbox, tasks, attachments, admin, route_map, bulk_receipts):
        app.register_blueprint(module.blueprint)


def _protect_against_csrf() -> None:
    if request.method in UNSAFE_METHODS and not STATELESS_BLUEPRINTS & set(request.blueprints):
        csrf.protect()
