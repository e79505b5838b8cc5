"""Decision definitions: list, by key, evaluate."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from engine import queries
from engine.decisions import evaluate_decision
from engine.models import DecisionDefinition
from web.engine_rest import representations, variables
from web.engine_rest.http import json_body
from web.extensions import db

blueprint = Blueprint("decisions", __name__)


@blueprint.get("/decision-definition")
def index():
    found = queries.definitions(db.session, DecisionDefinition, key=request.args.get("key"),
                                latest_only=request.args.get("latestVersion") == "true")
    return jsonify([representations.decision_definition(d) for d in found])


@blueprint.get("/decision-definition/key/<key>")
def by_key(key: str):
    return jsonify(representations.decision_definition(queries.latest_or_404(db.session, DecisionDefinition, key)))


@blueprint.post("/decision-definition/key/<key>/evaluate")
def evaluate(key: str):
    results = evaluate_decision(db.session, key, variables.decode(json_body().get("variables")))
    return jsonify([variables.encode(result) for result in results])
