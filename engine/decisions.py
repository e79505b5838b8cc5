"""Evaluating a deployed decision table on its own (Camunda's `decision-definition/…/evaluate`)."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from SpiffWorkflow.exceptions import SpiffWorkflowException
from sqlalchemy.orm import Session

from engine import queries
from engine.errors import InvalidInput
from engine.models import DecisionDefinition
from engine.parser import parse_resources
from engine.script_engine import script_engine

_engines: dict[str, Any] = {}
_lock = threading.Lock()


def evaluate_decision(session: Session, key: str, variables: dict[str, Any]) -> list[dict[str, Any]]:
    """The outputs of every rule of the latest version of decision `key` that matches `variables`."""
    definition = queries.latest_or_404(session, DecisionDefinition, key)
    engine = _engine(definition)
    task = _StandaloneTask(definition, variables)
    try:
        return [rule.output_as_dict(task) for rule in engine.decide(task)]
    except SpiffWorkflowException as error:
        raise InvalidInput(f"decision {key} cannot be evaluated: {error}") from error


class _StandaloneTask:
    """What SpiffWorkflow's DMN engine (and the errors it raises) read from a task, for a decision evaluated
    outside any workflow: the variables, the script engine, and names for the error message."""

    def __init__(self, definition: DecisionDefinition, variables: dict[str, Any]) -> None:
        self.id = None
        self.data = dict(variables)
        self.task_spec = SimpleNamespace(bpmn_id=definition.key, name=definition.key, bpmn_name=definition.name)
        self.workflow = SimpleNamespace(script_engine=script_engine, spec=SimpleNamespace(file=definition.key))
        self.workflow.top_workflow = self.workflow


def _engine(definition: DecisionDefinition):
    with _lock:
        engine = _engines.get(definition.id)
    if engine is None:
        resource = definition.resource
        engine = parse_resources({resource.name: resource.content}).decisions[definition.key].engine
        with _lock:
            _engines[definition.id] = engine
    return engine
