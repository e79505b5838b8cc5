"""Camunda's `POST /message`: correlate a message to the waiting instances or start a process with it.

Messages that match nothing are not buffered: the answer is Camunda's 400 (a `RestException` naming the
`MismatchingMessageCorrelationException`), and nothing changes.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from engine import instances as instance_service
from engine import messages
from engine.errors import InvalidInput
from web.engine_rest import representations, variables
from web.engine_rest.http import bounded_text, current_scope, error, json_body, no_content
from web.extensions import db

blueprint = Blueprint("messages", __name__)


def _flag(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise InvalidInput(f"{name} must be a boolean")
    return value


@blueprint.post("/message")
def correlate():
    body = json_body()
    name = bounded_text(body.get("messageName"), "messageName", 200, required=True)
    result_enabled, with_variables = _flag(body, "resultEnabled"), _flag(body, "variablesInResultEnabled")
    try:
        results = messages.correlate_message(
            db.session, name, business_key=bounded_text(body.get("businessKey"), "businessKey", 200),
            process_instance_id=bounded_text(body.get("processInstanceId"), "processInstanceId", 36),
            correlation_keys=variables.decode(body.get("correlationKeys")),
            variables=variables.decode(body.get("processVariables")), all_matches=_flag(body, "all"),
            scope=current_scope())
    except messages.NotCorrelated as refused:
        return error(400, "RestException", f"org.camunda.bpm.engine.MismatchingMessageCorrelationException: {refused}")
    if not result_enabled:
        return no_content()
    return jsonify([_result(result, with_variables) for result in results])


def _result(result: messages.Correlation, with_variables: bool) -> dict:
    instance = result.instance
    shape = {"resultType": result.result_type, "execution": None, "processInstance": None}
    if result.result_type == messages.EXECUTION:
        shape["execution"] = {"id": result.task_id, "processInstanceId": instance.id,
                              "ended": instance.status in instance_service.ENDED, "tenantId": None}
    else:
        shape["processInstance"] = representations.process_instance(instance)
    if with_variables:
        shape["variables"] = variables.encode(
            instance_service.instance_variables(db.session, instance.id, scope=current_scope()))
    return shape
