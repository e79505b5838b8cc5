"""BPMN errors thrown by service tasks: one way for all three sources.

An inline operator raising `BpmnError`, a job's operator raising it, and an external worker's `/bpmnError` all end
in `throw`: the nearest error boundary event that catches the code — on the task, then on each enclosing
subprocess or call activity — takes the error with its variables, and `camunda:errorCodeVariable` /
`camunda:errorMessageVariable` of that event receive the code and the message. When nothing catches it, `throw`
raises `UncaughtError` and changes nothing; the caller decides what that means (an incident for a job, a failed
step for an inline operator).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState


class UncaughtError(LookupError):
    """No error boundary event around the task catches the BPMN error (it becomes an incident)."""


class CamundaErrorEventDefinition(ErrorEventDefinition):
    """An error event definition with Camunda's `errorCodeVariable` and `errorMessageVariable`: the catching event
    writes the code and the message of the error into those variables. A thrown error carries its `message`."""

    def __init__(self, name, code=None, code_variable=None, message_variable=None, message=None, **kwargs):
        super().__init__(name, code, **kwargs)
        self.code_variable: str | None = code_variable
        self.message_variable: str | None = message_variable
        self.message: str | None = message

    def catch(self, my_task, event=None):
        payload = dict(event.payload or {})
        thrown = event.event_definition
        if self.code_variable:
            payload[self.code_variable] = thrown.code
        if self.message_variable:
            payload[self.message_variable] = getattr(thrown, "message", None)
        super().catch(my_task, BpmnEvent(thrown, payload, event.correlations, event.target))

    def __eq__(self, other):
        # Spiff compares classes exactly; any error definition with a matching code is the same error here.
        return isinstance(other, ErrorEventDefinition) and self.code in (None, other.code)


def throw(task, code: str, message: str | None = None, variables: dict[str, Any] | None = None) -> None:
    """Throw the BPMN error `code` from the service `task`: the nearest error boundary event that catches it takes
    it (with `variables` and the code and message variables it names) and becomes ready; the caller runs the
    workflow on. `UncaughtError` when none catches it: then nothing changed."""
    event = BpmnEvent(CamundaErrorEventDefinition(code, code, message=message), payload=dict(variables or {}))
    workflow = task.workflow.top_workflow
    current = task
    while current is not None:
        siblings = current.parent.children if current.parent is not None else []
        catcher = next(
            (
                s
                for s in siblings
                if s is not current
                and s.state == TaskState.WAITING
                and isinstance(s.task_spec, BoundaryEvent)
                and s.task_spec.catches(s, event)
            ),
            None,
        )
        if catcher is not None:
            catcher.task_spec.catch(catcher, event)
            catcher.task_spec._update(catcher)
            return
        parent_id = current.workflow.parent_task_id  # the subprocess (or call activity) around the task
        current = workflow.get_task_from_id(parent_id) if parent_id is not None else None
    raise UncaughtError(uncaught_message(code, message))


def uncaught_message(code: str, message: str | None) -> str:
    """The readable reason of an error nothing caught (an incident's message, a failed step's)."""
    return f"BPMN error {code} was not caught: {message or ''}".strip().rstrip(":")
