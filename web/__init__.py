"""The Flask application factory. It only wires: no sockets, migrations or prompts happen here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from engine import assignees, start_events
from engine.operators import load_operator_modules
from identity.administration import partner_ids, partner_of
from web import api, cli, engine_rest, formatting, home, metrics, transactions, worklist
from web import config as configuration
from web.celery_app import celery_init_app
from web.extensions import db, migrate


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, overridden by `config` (tests pass a mapping)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(configuration.from_env())
    app.config.update(config or {})
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"echo": app.config["SQL_ECHO"]})
    app.json.ensure_ascii = False  # Russian text stays readable in API responses
    if hops := app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(configuration.PROJECT_ROOT / "migrations"), render_as_batch=True)
    load_operator_modules(app.config["OPERATOR_MODULES"])
    start_events.set_partner_source(partner_ids)  # a per-partner regulation starts for each of these
    assignees.set_partner_source(partner_of)  # a task goes only to its partner's (or the УК's) users
    if app.config["MODE"] == "distributed":
        celery_init_app(app)

    app.register_blueprint(home.blueprint)
    app.register_blueprint(engine_rest.blueprint, url_prefix="/engine-rest")
    app.register_blueprint(api.blueprint, url_prefix="/api")
    app.register_blueprint(metrics.blueprint)
    metrics.init_app(app)
    transactions.init_app(app)
    worklist.init_app(app)
    formatting.register(app)
    cli.register(app)
    return app
