"""User tasks: list, count, get, claim, unclaim, assignee, complete, form variables."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from engine import instances as instance_service
from engine import queries
from web.engine_rest import representations, variables
from web.engine_rest.http import bounded_text, current_scope, flag, json_body, no_content, paging
from web.extensions import db

blueprint = Blueprint("tasks", __name__)


def _filter() -> queries.TaskFilter:
    args = request.args
    return queries.TaskFilter(
        assignee=args.get("assignee"), candidate_group=args.get("candidateGroup"),
        instance_id=args.get("processInstanceId"), definition_key=args.get("processDefinitionKey"),
        business_key=args.get("processInstanceBusinessKey"), task_key=args.get("taskDefinitionKey"),
        unassigned=flag("unassigned"),
    )


@blueprint.get("/task")
def index():
    first, limit = paging()
    found = queries.tasks(db.session, current_scope(), _filter(), first=first, limit=limit)
    return jsonify([representations.task(t) for t in found])


@blueprint.get("/task/count")
def count():
    return jsonify(count=queries.count_tasks(db.session, current_scope(), _filter()))


@blueprint.get("/task/<task_id>")
def get(task_id: str):
    return jsonify(representations.task(queries.task_or_404(db.session, task_id, current_scope())))


def _user_id() -> str:
    return bounded_text(json_body().get("userId"), "userId", 80, required=True)


@blueprint.post("/task/<task_id>/claim")
def claim(task_id: str):
    instance_service.claim_task(db.session, task_id, _user_id(), scope=current_scope())
    return no_content()


@blueprint.post("/task/<task_id>/unclaim")
def unclaim(task_id: str):
    instance_service.unclaim_task(db.session, task_id, scope=current_scope())
    return no_content()


@blueprint.post("/task/<task_id>/assignee")
def assignee(task_id: str):
    user_id = bounded_text(json_body().get("userId"), "userId", 80)  # None: nobody holds it
    instance_service.set_assignee(db.session, task_id, user_id, scope=current_scope())
    return no_content()


@blueprint.post("/task/<task_id>/complete")
def complete(task_id: str):
    body = json_body()
    instance = instance_service.complete_task(db.session, task_id, variables.decode(body.get("variables")),
                                              scope=current_scope())
    if body.get("withVariablesInReturn"):
        return jsonify(variables.encode(instance_service.instance_variables(db.session, instance.id,
                                                                            scope=current_scope())))
    return no_content()


@blueprint.get("/task/<task_id>/form-variables")
def form_variables(task_id: str):
    values = instance_service.task_variables(db.session, task_id, scope=current_scope())
    names = [n for n in request.args.get("variableNames", "").split(",") if n]
    if names:
        values = {k: v for k, v in values.items() if k in names}
    return jsonify(variables.encode(values))
