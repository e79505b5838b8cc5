"""User tasks: list, count, get, claim, unclaim, assignee, complete, form variables."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import Blueprint, jsonify, request

from engine import instances as instance_service
from engine import queries
from engine.scope import Scope
from forms.validation import SubmissionInvalid, input_components, validate_submission
from web.engine_rest import representations, variables
from web.engine_rest.http import bounded_text, current_scope, error, flag, json_body, no_content, paging
from web.extensions import db
from web.task_forms import form_schema

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
    """Complete the task with its variables, checked against its Camunda Form: field errors answer 400."""
    body, scope = json_body(), current_scope()
    try:
        submitted = _checked_against_form(task_id, variables.decode(body.get("variables")), scope)
    except SubmissionInvalid as invalid:
        return error(400, "InvalidRequestException", f"Проверьте заполнение полей: {invalid}", errors=invalid.errors)
    instance = instance_service.complete_task(db.session, task_id, submitted, scope=scope)
    if body.get("withVariablesInReturn"):
        return jsonify(variables.encode(instance_service.instance_variables(db.session, instance.id, scope=scope)))
    return no_content()


def _checked_against_form(task_id: str, submitted: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """The submission validated as the worklist validates it, its form fields converted to their types; the other
    variables pass as Camunda passes them. The form is checked as form-js would hold it: the task's current values
    of its fields, then the submitted ones (a client may send only what it changes), dates as text. A task the caller
    may not complete is left to the engine to refuse."""
    task = queries.task_or_404(db.session, task_id, scope)
    if task.status != "open" or not scope.may_complete(task.assignee, task.candidate_groups, task.candidate_users):
        return submitted
    form = form_schema(task.form_ref)
    if form is None:
        return submitted
    current = instance_service.task_variables(db.session, task_id, scope=scope)
    fields = {component.key for component in input_components(form)}
    held = {**{key: current[key] for key in fields & current.keys()}, **submitted}
    values = validate_submission(form, {key: _as_form_holds(value) for key, value in held.items()}, current)
    return {**submitted, **{key: values[key] for key in submitted.keys() & values.keys()}}


def _as_form_holds(value: Any) -> Any:
    """A variable as a form field holds it: a Camunda `Date` as ISO text, its day alone when it is a midnight."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


@blueprint.get("/task/<task_id>/form-variables")
def form_variables(task_id: str):
    values = instance_service.task_variables(db.session, task_id, scope=current_scope())
    names = [n for n in request.args.get("variableNames", "").split(",") if n]
    if names:
        values = {k: v for k, v in values.items() if k in names}
    return jsonify(variables.encode(values))
