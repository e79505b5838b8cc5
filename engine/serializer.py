"""The one configured SpiffWorkflow serializer, and the saved state of an instance without its spec.

`serializer` knows the dialect's spec classes (a converter per custom spec; pitfall 2) and serializes a whole
workflow with its spec, as Spiff does. Instances are saved with `dump_workflow`, which leaves the spec and the
subprocess specs out: they are cached per process version (`engine.spec_cache`) and given back to
`load_workflow`. Migrations of stored state are keyed by `STATE_VERSION` and live here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from copy import deepcopy
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.config import ParallelMultiInstanceTask as DefaultParallelMultiInstanceTask
from SpiffWorkflow.bpmn.serializer.config import SequentialMultiInstanceTask as DefaultSequentialMultiInstanceTask
from SpiffWorkflow.bpmn.serializer.config import UserTask as DefaultUserTask
from SpiffWorkflow.bpmn.serializer.default.event_definition import ErrorEscalationEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.task_spec import MultiInstanceTaskConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers import DefaultRegistry
from SpiffWorkflow.bpmn.serializer.helpers.spec import TaskSpecConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_VERSION
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter

from engine.bpmn_errors import CamundaErrorEventDefinition
from engine.specs import (
    BusinessRuleTask,
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
    ServiceTask,
    UserTask,
)

STATE_VERSION = "1"  # stored with each state; migrations of stored state go into MIGRATIONS
STATE_VERSION_KEY = "state_version"
SPIFF_VERSION_KEY = "serializer_version"


class UserTaskConverter(TaskSpecConverter):
    """Converter of the dialect's user task."""

    ATTRIBUTES = ("candidate_groups", "candidate_users", "assignee", "form_ref", "form_key", "due_date",
                  "follow_up_date", "priority")

    def to_dict(self, spec):
        dct = self.get_default_attributes(spec)
        dct.update({name: getattr(spec, name) for name in self.ATTRIBUTES})
        return dct

    def from_dict(self, dct):
        return self.task_spec_from_dict(dct)


class ServiceTaskConverter(UserTaskConverter):
    """Converter of the dialect's external service task."""

    ATTRIBUTES = ("topic", "input_parameters", "input_expressions", "output_parameters", "output_expressions",
                  "retry_cycle", "synchronous")


class BusinessRuleTaskConverter(BaseBusinessRuleTaskConverter):
    """Converter of the business rule task: Spiff's decision table plus the Camunda attributes."""

    ATTRIBUTES = ("decision_ref", "result_variable", "map_decision_result")

    def to_dict(self, spec):
        dct = super().to_dict(spec)
        dct.update({name: getattr(spec, name) for name in self.ATTRIBUTES})
        return dct


class ErrorEventDefinitionConverter(ErrorEscalationEventDefinitionConverter):
    """Converter of the error definition with Camunda's code and message variables."""

    def to_dict(self, event_definition):
        dct = super().to_dict(event_definition)
        dct.update(code_variable=event_definition.code_variable, message_variable=event_definition.message_variable,
                   message=event_definition.message)
        return dct


def _registry() -> DefaultRegistry:
    registry = DefaultRegistry()
    # Values the sandbox helpers produce and analysts keep in task data.
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]))
    # JSON has only lists: without these a set or a tuple comes back as a list after a save.
    for collection in (set, frozenset, tuple):
        registry.register(collection, lambda v: {"items": [registry.convert(x) for x in v]},
                          lambda d, kind=collection: kind(registry.restore(d["items"])))
    return registry


CONFIG = deepcopy(DEFAULT_CONFIG)
for default in (DefaultUserTask, DefaultParallelMultiInstanceTask, DefaultSequentialMultiInstanceTask):
    CONFIG.pop(default)
CONFIG[ParallelMultiInstanceTask] = MultiInstanceTaskConverter
CONFIG[SequentialMultiInstanceTask] = MultiInstanceTaskConverter
CONFIG[UserTask] = UserTaskConverter
CONFIG[ServiceTask] = ServiceTaskConverter
CONFIG[BusinessRuleTask] = BusinessRuleTaskConverter
CONFIG[CamundaErrorEventDefinition] = ErrorEventDefinitionConverter

serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CONFIG, _registry()))
# Spiff's serialize_json switches its registry into "encoder mode" (task data left for the JSON encoder to convert
# lazily) with a flag on the shared registry, for the length of one call: another thread converting meanwhile would
# see the wrong mode. Instance states are written through a second registry that is always in that mode.
_encoding_registry = BpmnWorkflowSerializer.configure(CONFIG, _registry())
_encoding_registry._encoder_mode = True
_Encoder = BpmnWorkflowSerializer(_encoding_registry)._encoder_cls


class SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """The top workflow as a dict without its spec and subprocess specs (only the spec's name, to check)."""

    def __init__(self, registry) -> None:
        # Not registered: the registry keeps Spiff's full converter for `serializer.serialize_json`.
        self.target_class = BpmnWorkflow
        self.registry = registry
        self.typename = "BpmnWorkflow"

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["spec"] = workflow.spec.name
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        if dct.get("spec") != spec.name:
            raise ValueError(f"the state belongs to process '{dct.get('spec')}', not to '{spec.name}'")
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.get("bpmn_events", []))
        return workflow


_converter = SpecFreeWorkflowConverter(_encoding_registry)

# STATE_VERSION of the stored state -> function upgrading its dict in place to the next version
MIGRATIONS: dict[str, Callable[[dict], str]] = {}


def dump_workflow(workflow: BpmnWorkflow) -> str:
    """The workflow's state as JSON text, without its spec."""
    dct = _converter.to_dict(workflow)
    dct[STATE_VERSION_KEY] = STATE_VERSION
    dct[SPIFF_VERSION_KEY] = SPIFF_VERSION
    # Compact, and Cyrillic kept as UTF-8 (two bytes a letter instead of a six-byte \uXXXX escape).
    return json.dumps(dct, cls=_Encoder, separators=(",", ":"), ensure_ascii=False)


def load_workflow(state: str, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
    """Restore a workflow saved by `dump_workflow` onto its (cached) spec, with the platform's script engine."""
    dct = json.loads(state)
    version = dct.pop(STATE_VERSION_KEY, None)
    while version != STATE_VERSION:
        if version not in MIGRATIONS:
            raise ValueError(f"stored workflow state version {version!r} cannot be migrated to {STATE_VERSION}")
        version = MIGRATIONS[version](dct)
    dct.pop(SPIFF_VERSION_KEY, None)
    workflow = _converter.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine  # deserializing gives a fresh default engine (pitfall 3)
    return workflow


def dump_data(value: Any) -> str:
    """Task data (a job's inputs, an operator's result) as JSON text; Decimal, date and datetime survive."""
    return json.dumps(serializer.registry.convert(value), separators=(",", ":"), ensure_ascii=False)


def load_data(text: str) -> Any:
    """The value `dump_data` wrote."""
    return serializer.registry.restore(json.loads(text))
