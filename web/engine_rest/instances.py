"""Process instances: the runtime view (running instances only, as in Camunda) and the history view."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from engine import instances as instance_service
from engine import queries
from engine.errors import Forbidden, InvalidInput, NotFound
from web.engine_rest import representations, variables
from web.engine_rest.http import current_scope, json_body, no_content, paging
from web.extensions import db

blueprint = Blueprint("instances", __name__)


_HISTORY_STATES = {"ACTIVE": ("active", "failed"), "SUSPENDED": ("suspended",), "COMPLETED": ("completed",),
                   "EXTERNALLY_TERMINATED": ("cancelled",)}


def _filter(statuses: tuple[str, ...]) -> queries.InstanceFilter:
    args = request.args
    # Camunda sends a comma-separated list; some clients repeat the parameter instead.
    ids = tuple(i for value in args.getlist("processInstanceIds") for i in value.split(",") if i)
    return queries.InstanceFilter(definition_key=args.get("processDefinitionKey"),
                                  definition_id=args.get("processDefinitionId"),
                                  business_key=args.get("businessKey") or args.get("processInstanceBusinessKey"),
                                  statuses=statuses, ids=ids)


def _running_statuses() -> tuple[str, ...]:
    if request.args.get("suspended") == "true":
        return ("suspended",)
    if request.args.get("active") == "true":
        return ("active", "failed")
    return queries.RUNNING


def _history_statuses() -> tuple[str, ...]:
    if request.args.get("finished") == "true":
        return ("completed", "cancelled")
    if request.args.get("unfinished") == "true":
        return queries.RUNNING
    state = request.args.get("state")
    if state is None:
        return ()
    if state not in _HISTORY_STATES:
        raise InvalidInput(f"state must be one of {', '.join(_HISTORY_STATES)}")
    return _HISTORY_STATES[state]


def _running_or_404(instance_id: str):
    instance = queries.instance_or_404(db.session, instance_id, current_scope())
    if instance.status not in queries.RUNNING:
        raise NotFound(f"Process instance with id {instance_id} does not exist")
    return instance


@blueprint.get("/process-instance")
def index():
    first, limit = paging()
    found = queries.instances(db.session, current_scope(), _filter(_running_statuses()), first=first, limit=limit)
    return jsonify([representations.process_instance(i) for i in found])


@blueprint.get("/process-instance/count")
def count():
    return jsonify(count=queries.count_instances(db.session, current_scope(), _filter(_running_statuses())))


@blueprint.get("/process-instance/<instance_id>")
def get(instance_id: str):
    return jsonify(representations.process_instance(_running_or_404(instance_id)))


@blueprint.get("/history/process-instance")
def history_index():
    first, limit = paging()
    found = queries.instances(db.session, current_scope(), _filter(_history_statuses()), first=first, limit=limit)
    return jsonify([representations.historic_process_instance(i) for i in found])


@blueprint.get("/history/process-instance/<instance_id>")
def history_get(instance_id: str):
    instance = queries.instance_or_404(db.session, instance_id, current_scope())
    return jsonify(representations.historic_process_instance(instance))


@blueprint.delete("/process-instance/<instance_id>")
def delete(instance_id: str):
    instance_service.cancel_instance(db.session, instance_id, scope=current_scope(),
                                     reason=request.args.get("deleteReason"))
    return no_content()


@blueprint.put("/process-instance/<instance_id>/suspended")
def suspend(instance_id: str):
    suspended = json_body().get("suspended")
    if not isinstance(suspended, bool):
        raise InvalidInput("suspended must be true or false")
    instance_service.suspend_instance(db.session, instance_id, suspended=suspended, scope=current_scope())
    return no_content()


@blueprint.get("/process-instance/<instance_id>/variables")
def get_variables(instance_id: str):
    values = instance_service.instance_variables(db.session, instance_id, scope=current_scope())
    return jsonify(variables.encode(values))


@blueprint.get("/process-instance/<instance_id>/variables/<name>")
def get_variable(instance_id: str, name: str):
    values = instance_service.instance_variables(db.session, instance_id, scope=current_scope())
    if name not in values:
        raise NotFound(f"process instance {instance_id} has no variable {name!r}")
    return jsonify(variables.encode_one(values[name]))


@blueprint.post("/process-instance/<instance_id>/variables")
def modify_variables(instance_id: str):
    body = json_body()
    deletions = body.get("deletions") or []
    if not isinstance(deletions, list) or not all(isinstance(d, str) for d in deletions):
        raise InvalidInput("deletions must be a list of variable names")
    modifications = variables.decode(body.get("modifications"))
    if current_scope().partner_id is not None and ("partner_id" in modifications or "partner_id" in deletions):
        raise Forbidden("partner_id is set by the platform, not by a partner's user")
    instance_service.modify_variables(db.session, instance_id, modifications, deletions, scope=current_scope())
    return no_content()
