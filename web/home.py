"""The start page (deployed processes, running instances) and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from engine import queries
from engine.models import ProcessDefinition
from web.extensions import db
from web.worklist.auth import current_scope, require_sign_in

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
def index():
    """Signed-in users only, and only their scope: business keys and errors carry clients' data."""
    if (refused := require_sign_in()) is not None:
        return refused
    scope = current_scope()
    definitions = queries.definitions(db.session, ProcessDefinition, latest_only=True)
    running = queries.instances(db.session, scope, queries.InstanceFilter(statuses=("active",)), limit=50)
    failed = queries.instances(db.session, scope, queries.InstanceFilter(statuses=("failed",)), limit=50)
    return render_template("home.html", definitions=definitions, running=running, failed=failed)


@blueprint.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return jsonify(status="error", database=str(error.__class__.__name__)), 503
    return jsonify(status="ok", database="ok")
