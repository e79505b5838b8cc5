"""Process definitions: list, by key, start an instance."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from engine import instances as instance_service
from engine import queries
from engine.errors import Forbidden, InvalidInput
from engine.models import ProcessDefinition
from web.engine_rest import representations, variables
from web.engine_rest.http import bounded_text, current_scope, flag, json_body, paging
from web.extensions import db

blueprint = Blueprint("process_definitions", __name__)


@blueprint.get("/process-definition")
def index():
    found = queries.definitions(db.session, ProcessDefinition, key=request.args.get("key"),
                                latest_only=flag("latestVersion"))
    first, limit = paging()
    found = found[first: first + limit if limit is not None else None]
    return jsonify([representations.process_definition(d) for d in found])


@blueprint.get("/process-definition/count")
def count():
    found = queries.definitions(db.session, ProcessDefinition, key=request.args.get("key"),
                                latest_only=flag("latestVersion"))
    return jsonify(count=len(found))


@blueprint.get("/process-definition/key/<key>")
def by_key(key: str):
    return jsonify(representations.process_definition(queries.latest_or_404(db.session, ProcessDefinition, key)))


@blueprint.get("/process-definition/<definition_id>")
def by_id(definition_id: str):
    return jsonify(representations.process_definition(
        queries.definition_or_404(db.session, ProcessDefinition, definition_id)))


@blueprint.post("/process-definition/key/<key>/start")
def start_by_key(key: str):
    return _start(queries.latest_or_404(db.session, ProcessDefinition, key))


@blueprint.post("/process-definition/<definition_id>/start")
def start_by_id(definition_id: str):
    return _start(queries.definition_or_404(db.session, ProcessDefinition, definition_id))


def _start(definition: ProcessDefinition):
    body = json_body()
    business_key = bounded_text(body.get("businessKey"), "businessKey", 200)
    values = variables.decode(body.get("variables"))
    instance = instance_service.start_process(
        db.session, definition.key, values, business_key=business_key, definition_id=definition.id,
        partner_id=_partner_id(values), scope=current_scope(),
    )
    shape = representations.process_instance(instance)
    if body.get("withVariablesInReturn"):
        shape["variables"] = variables.encode(
            instance_service.instance_variables(db.session, instance.id, scope=current_scope()))
    return jsonify(shape)


def _partner_id(values: dict) -> int | None:
    """The partner of a new instance: the caller's own partner, or the `partner_id` variable of a УК-wide caller."""
    partner, scope = values.get("partner_id"), current_scope()
    if partner is not None and (isinstance(partner, bool) or not isinstance(partner, int)):
        raise InvalidInput("partner_id must be an Integer")
    if scope.partner_id is not None:
        if partner not in (None, scope.partner_id):
            raise Forbidden("a partner's user starts instances of its own partner only")
        values["partner_id"] = scope.partner_id
        return scope.partner_id
    return partner
