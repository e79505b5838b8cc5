"""POST /deployment/create (multipart, as Camunda Modeler sends it) and GET /deployment/{id}."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from engine.deployment import DeploymentRejected, deploy
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.models import DecisionDefinition, Deployment, ProcessDefinition
from web.engine_rest import representations
from web.engine_rest.http import bounded_text, current_scope, error
from web.extensions import db
from web.rules import deploy_rules

blueprint = Blueprint("deployments", __name__)


DEPLOYER_GROUPS = frozenset({"analyst", "admin"})


@blueprint.post("/deployment/create")
def create():
    if not current_scope().groups & DEPLOYER_GROUPS:
        raise Forbidden("deploying processes needs the analyst or admin role")
    files = {f.filename or name: f.read() for name, f in request.files.items(multi=True)}
    if not files:
        raise InvalidInput("the deployment contains no files")
    name = bounded_text(request.form.get("deployment-name") or next(iter(files)), "deployment-name", 200)
    for file_name in files:
        bounded_text(file_name, "file name", 300)
    try:
        result = deploy(db.session, files, name=name, rules=deploy_rules(current_app),
                        deployed_by=current_scope().username, source=request.form.get("deployment-source"))
    except DeploymentRejected as rejected:
        return _parse_exception(rejected)
    if result.deployment is None:
        # Nothing changed: answer with the deployment that holds the current versions, as Camunda does.
        latest = result.unchanged[0]
        existing = db.session.get(Deployment, latest.deployment_id)
        return jsonify(representations.deployment(existing, [], []))
    return jsonify(representations.deployment(result.deployment, result.processes, result.decisions))


def _parse_exception(rejected: DeploymentRejected):
    details: dict[str, dict] = {}
    for p in rejected.problems:
        errors = details.setdefault(p.file, {"errors": [], "warnings": []})["errors"]
        errors.append({"message": p.message, "line": None, "column": None, "mainElementId": p.element_id,
                       "elementIds": [p.element_id]})
    return error(400, "ParseException", f"ENGINE-09005 Could not parse BPMN process. Errors: {rejected}",
                 details=details)


@blueprint.get("/deployment/<deployment_id>")
def get(deployment_id: str):
    found = db.session.get(Deployment, deployment_id)
    if found is None:
        raise NotFound(f"Deployment with id '{deployment_id}' does not exist")
    processes = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.deployment_id == found.id))
    decisions = db.session.scalars(select(DecisionDefinition).where(DecisionDefinition.deployment_id == found.id))
    return jsonify(representations.deployment(found, list(processes), list(decisions)))
