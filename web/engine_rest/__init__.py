"""`/engine-rest`: a compatible subset of the Camunda 7 REST API, so Camunda Modeler and Camunda clients work.

Deviations from Camunda, on purpose: a lost concurrent completion or claim answers 409 (Camunda: 500), and Decimal
values are sent as String variables so money never turns into a float.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from web.basic_auth import authenticate_request
from web.engine_rest import decisions, deployments, external_tasks, instances, messages, process_definitions, tasks
from web.engine_rest.http import error
from web.extensions import db

blueprint = Blueprint("engine_rest", __name__)
for resource in (decisions, deployments, external_tasks, instances, messages, process_definitions, tasks):
    blueprint.register_blueprint(resource.blueprint)

_ERRORS = {
    NotFound: (404, "InvalidRequestException"),
    Forbidden: (403, "AuthorizationException"),
    Conflict: (409, "OptimisticLockingException"),
    InvalidInput: (400, "InvalidRequestException"),
}


@blueprint.before_request
def require_basic_auth() -> Response | None:
    if authenticate_request():
        return None
    response = jsonify(type="AuthenticationException", message="authentication required")
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Basic realm="engine-rest"'
    return response


@blueprint.get("/version")
def version():
    return jsonify(version="7.22.0")


@blueprint.errorhandler(NotFound)
@blueprint.errorhandler(Forbidden)
@blueprint.errorhandler(Conflict)
@blueprint.errorhandler(InvalidInput)
def engine_error(failure):
    status, kind = next(v for k, v in _ERRORS.items() if isinstance(failure, k))
    details = getattr(failure, "details", None)
    return error(status, kind, str(failure), **({"details": details} if details else {}))


@blueprint.errorhandler(DataError)
def data_error(failure: DataError):
    """A value the database refuses (too long for its column, a NUL character): the caller's input, a 400."""
    db.session.rollback()
    return error(400, "InvalidRequestException", f"a value is not acceptable: {failure.orig}".splitlines()[0])


@blueprint.errorhandler(HTTPException)
def http_error(failure: HTTPException):
    return error(failure.code or 500, "RestException", failure.description or failure.name)
