"""Events of a running workflow: timers, messages, start events and BPMN errors, read and delivered.

The subscription and timer projections, message correlation, the scheduler and the job workers ask here what a
workflow waits for and hand it what arrived; `engine.runtime` drives the workflow itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine import bpmn_errors, runtime
from engine.errors import Conflict, InvalidInput
from engine.runtime import Failure
from engine.script_engine import script_engine
from engine.specs import ServiceTask

_LONG_AGO = "2000-01-01T00:00:00+00:00"


@dataclass(frozen=True)
class WaitingMessage:
    """A message a task waits for (catch event, receive task, boundary event, event-based gateway branch)."""

    id: str
    task_key: str
    message_name: str


PER_PARTNER = "perPartner"  # camunda:property of a timer start event: fire once per partner


@dataclass(frozen=True)
class StartEventSpec:
    """A message or timer start event of a process: `timer` is 'date', 'duration' or 'cycle' and `value` its
    ISO 8601 text; `message_name` the message that starts the process. A timer start event with the property
    `perPartner` = `true` starts one instance per partner each time it fires (a regulation every partner runs)."""

    key: str
    message_name: str | None = None
    timer: str | None = None
    value: str | None = None
    per_partner: bool = False



def _definitions(task) -> list:
    """The event definitions a waiting task catches (an event-based gateway waits for several at once)."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition] if definition is not None else []


def throw_error(workflow: BpmnWorkflow, task_id: str, code: str, message: str | None,
                variables: dict[str, Any]) -> Failure | None:
    """Throw the BPMN error `code` from a service task waiting for its worker (`engine.bpmn_errors.throw`) and run
    the workflow on. `bpmn_errors.UncaughtError` when nothing catches it; the workflow is then unchanged."""
    task = _started_service_task(workflow, task_id)
    try:
        bpmn_errors.throw(task, code, message, variables)
    except SpiffWorkflowException as error:
        return runtime.failure_of(error)
    return runtime.advance(workflow)


def _started_service_task(workflow: BpmnWorkflow, task_id: str):
    task = runtime.task_by_id(workflow, task_id)
    if not isinstance(task.task_spec, ServiceTask) or task.state != TaskState.STARTED:
        raise Conflict(f"task {task_id} is not a service task waiting for its result")
    return task


@dataclass(frozen=True)
class Waits:
    """Everything a workflow waits in, read in one pass over its tasks: the ready user tasks (Spiff tasks, to be
    described), the service tasks waiting for a worker, the timers and the messages."""

    users: list
    services: list[runtime.WaitingServiceTask]
    timers: list[runtime.WaitingTimer]
    messages: list[WaitingMessage]


def waits(workflow: BpmnWorkflow) -> Waits:
    """What the workflow waits in — the projections' view — in one walk of the task tree instead of one per kind."""
    users, services, timers, messages = [], [], [], []
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.STARTED | TaskState.WAITING):
        state = task.state
        if state == TaskState.READY:
            if task.task_spec.manual:
                users.append(task)
        elif state == TaskState.STARTED:
            if isinstance(task.task_spec, ServiceTask):
                services.append(runtime.service_task(task))
        else:
            timer = _timer_of(task)
            if timer is not None:
                timers.append(timer)
            messages.extend(_messages_of(task))
    return Waits(users, services, timers, messages)


def _timer_of(task) -> runtime.WaitingTimer | None:
    for definition in _definitions(task):
        if not isinstance(definition, TimerEventDefinition):
            continue
        # Spiff keeps the computed due time on the waiting task, also for a gateway's timer branch.
        due = task._get_internal_data("event_value")
        if isinstance(due, dict):  # a cycle: the next repetition
            due = due.get("next") if due.get("cycles") != 0 else None
        if isinstance(due, str):
            moment = datetime.fromisoformat(due)
            kind = "boundary" if isinstance(task.task_spec, BoundaryEvent) else "intermediate"
            return runtime.WaitingTimer(str(task.id), task.task_spec.bpmn_id,
                                        moment if moment.tzinfo else moment.replace(tzinfo=UTC), kind)
    return None


def waiting_messages(workflow: BpmnWorkflow) -> list[WaitingMessage]:
    """The messages the workflow waits for, one per (task, message name)."""
    return [message for task in workflow.get_tasks(state=TaskState.WAITING) for message in _messages_of(task)]


def _messages_of(task) -> list[WaitingMessage]:
    return [WaitingMessage(str(task.id), task.task_spec.bpmn_id, definition.name) for definition in _definitions(task)
            if isinstance(definition, MessageEventDefinition) and definition.name]


def deliver_message(workflow: BpmnWorkflow, task_id: str, message_name: str, payload: dict[str, Any]) -> Failure | None:
    """Let the waiting task `task_id` catch the message with `payload` merged into its data, then run on."""
    runtime.require_storable(payload)
    task = _waiting_task(workflow, task_id)
    definition = next((d for d in _definitions(task) if isinstance(d, MessageEventDefinition)
                       and d.name == message_name), None)
    if definition is None:
        raise Conflict(f"task {task_id} does not wait for message {message_name!r}")
    try:
        task.task_spec.catch(task, BpmnEvent(definition, dict(payload)))
        task.task_spec._update(task)
    except SpiffWorkflowException as error:
        return runtime.failure_of(error)
    return runtime.advance(workflow)


def start_events(spec) -> list[StartEventSpec]:
    """The message and timer start events of a process spec, with timer values evaluated (they are constants)."""
    found = []
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if not isinstance(task_spec, StartEvent):
            continue
        if isinstance(definition, MessageEventDefinition):
            found.append(StartEventSpec(task_spec.bpmn_id, message_name=definition.name))
        elif isinstance(definition, TimerEventDefinition):
            kind = ("cycle" if isinstance(definition, CycleTimerEventDefinition)
                    else "duration" if isinstance(definition, DurationTimerEventDefinition) else "date")
            try:
                value = str(script_engine.environment.evaluate(definition.expression, {}))
            except Exception as error:  # noqa: BLE001 — the analyst's expression: a clear deploy error
                raise InvalidInput(f"start event {task_spec.bpmn_id}: the timer value must be known at deploy "
                                   f"time ({error})") from error
            per_partner = str(task_spec.extensions.get(PER_PARTNER, "")).lower() == "true"
            found.append(StartEventSpec(task_spec.bpmn_id, timer=kind, value=value, per_partner=per_partner))
    return found


def start_at_event(workflow: BpmnWorkflow, event_key: str, payload: dict[str, Any] | None = None) -> Failure | None:
    """Run a new workflow from its start event `event_key` (its message arrived or the platform's start timer fell
    due): the event counts as fired before it ever waits — Spiff's own cycle would start a second path — and the
    other start events stop waiting."""
    chosen = next((t for t in workflow.get_tasks(state=TaskState.FUTURE)
                   if isinstance(t.task_spec, StartEvent) and t.task_spec.bpmn_id == event_key), None)
    if chosen is None:
        raise Conflict(f"start event {event_key} cannot start this workflow")
    definition = chosen.task_spec.event_definition
    if isinstance(definition, MessageEventDefinition):
        definition.catch(chosen, BpmnEvent(definition, dict(payload or {})))
    elif isinstance(definition, CycleTimerEventDefinition):
        # A cycle event makes its outgoing path once per repetition that passed: exactly one has passed here.
        chosen._set_internal_data(event_value={"cycles": 1, "next": _LONG_AGO, "duration": 0})
    else:
        chosen._set_internal_data(event_fired=True)
    failure = runtime.advance(workflow)
    for other in workflow.get_tasks(state=TaskState.WAITING):
        if isinstance(other.task_spec, StartEvent):
            other.cancel()
    return failure


def start_manually(workflow: BpmnWorkflow) -> Failure | None:
    """Run a new workflow started by a person or a client (no event named): from its plain start event, or —
    when its only start event is a timer or a message — from that one as if it had fired once. Spiff alone would
    run a start cycle's path once per repetition already passed, or wait for the timer. The other start events
    stop waiting, so a manual start never waits for a start event."""
    starts = [t for t in workflow.spec.task_specs.values() if isinstance(t, StartEvent)]
    plain = [t for t in starts if _definitions_of(t) == []]
    if len(plain) == len(starts):
        return runtime.advance(workflow)
    if plain or len(starts) == 1:
        return start_at_event(workflow, (plain or starts)[0].bpmn_id)
    raise Conflict(f"process {workflow.spec.name} has several start events and none of them is plain: only its "
                   "messages and timers start it")


def _definitions_of(task_spec) -> list:
    definition = getattr(task_spec, "event_definition", None)
    return [] if definition is None or isinstance(definition, NoneEventDefinition) else [definition]


def _waiting_task(workflow: BpmnWorkflow, task_id: str):
    task = runtime.task_by_id(workflow, task_id)
    if task.state != TaskState.WAITING:
        raise Conflict(f"task {task_id} is not waiting for an event")
    return task



def fire_due_timers(workflow: BpmnWorkflow) -> Failure | None:
    """Let the timers that are due fire, then run on until the next wait."""
    workflow.refresh_timers()
    return runtime.advance(workflow)
