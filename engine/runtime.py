"""Driving a SpiffWorkflow workflow, and reading it back as the platform's own values.

This module, `engine.events` (timers, messages, start events, BPMN errors) and the parser/specs/serializer/script
engine are the only places that touch SpiffWorkflow objects; the services above them see `WaitingUserTask`,
`Failure` and plain dicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    TimerEventDefinition,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.errors import Conflict, InvalidInput, NotFound
from engine.script_engine import script_engine
from engine.specs import SERVICE_PARAMS_KEY, NotWaitingError, ServiceTask, UserTask, complete_waiting_service_task
from engine.storable import unstorable_variable

DEFAULT_PRIORITY = 50  # Camunda's default task priority
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")


@dataclass(frozen=True)
class WaitingUserTask:
    id: str
    task_key: str
    name: str
    candidate_groups: list[str]
    candidate_users: list[str]
    assignee: str | None
    form_ref: str | None
    priority: int
    due_at: datetime | None
    follow_up_at: datetime | None


@dataclass(frozen=True)
class WaitingServiceTask:
    """A service task that waits for a worker: its topic, evaluated inputs and retry policy."""

    id: str
    task_key: str
    topic: str
    params: dict[str, Any]
    retry_cycle: str | None


@dataclass(frozen=True)
class WaitingTimer:
    id: str
    task_key: str
    due_at: datetime
    kind: str = "intermediate"  # boundary | intermediate (a catch event or an event-based gateway's branch)


@dataclass(frozen=True)
class Failure:
    """Why an instance stopped: the element, the line of the script (if any) and the message."""

    task_key: str | None
    task_id: str | None
    message: str
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"task_key": self.task_key, "task_id": self.task_id, "message": self.message, "line": self.line}


def new_workflow(spec, subprocess_specs, variables: dict[str, Any]) -> BpmnWorkflow:
    """A fresh workflow of `spec` whose start data are `variables`."""
    require_storable(variables)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
    workflow.task_tree.data.update(variables)
    return workflow


def advance(workflow: BpmnWorkflow) -> Failure | None:
    """Run everything automatic until the workflow waits or ends; a script or operator error becomes a Failure."""
    try:
        workflow.do_engine_steps()
    except SpiffWorkflowException as error:
        return failure_of(error)
    return None


def failure_of(error: SpiffWorkflowException) -> Failure:
    """The platform's Failure of a SpiffWorkflow error: the element, the task, the message and the line."""
    task = getattr(error, "task", None)
    spec = getattr(error, "task_spec", None) or (task.task_spec if task is not None else None)
    return Failure(
        task_key=getattr(spec, "bpmn_id", None) or getattr(spec, "name", None),
        task_id=str(task.id) if task is not None else None,
        message=str(error).rstrip(". "),
        line=getattr(error, "line_number", None),
    )


def is_finished(workflow: BpmnWorkflow) -> bool:
    return workflow.is_completed()


def waiting_service_tasks(workflow: BpmnWorkflow) -> list[WaitingServiceTask]:
    """The service tasks left STARTED for a worker (every one of them needs a job)."""
    return [service_task(task) for task in workflow.get_tasks(state=TaskState.STARTED)
            if isinstance(task.task_spec, ServiceTask)]


def service_task(task) -> WaitingServiceTask:
    """A STARTED service task as the job writer sees it."""
    return WaitingServiceTask(str(task.id), task.task_spec.bpmn_id, task.task_spec.topic,
                              dict(task.internal_data.get(SERVICE_PARAMS_KEY, {})), task.task_spec.retry_cycle)


def complete_service_task(workflow: BpmnWorkflow, task_id: str, result: dict[str, Any]) -> Failure | None:
    """Complete a waiting service task with its worker's result, then run on until the next wait."""
    try:
        complete_waiting_service_task(workflow, task_id, result)
    except NotWaitingError as error:
        raise Conflict(str(error)) from None
    except SpiffWorkflowException as error:
        return failure_of(error)
    return advance(workflow)


def task_by_id(workflow: BpmnWorkflow, task_id: str):
    """The task `task_id` of the workflow; NotFound when there is none."""
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, WorkflowException):
        task = None
    if task is None:
        raise NotFound(f"task {task_id} does not exist")
    return task


def waiting_user_task_ids(workflow: BpmnWorkflow) -> list[str]:
    """The ids of the user tasks that wait for a person (what the worklist projection holds)."""
    return [str(task.id) for task in workflow.get_tasks(state=TaskState.READY, manual=True)]


class StepFailed(Exception):
    """A waiting task's attributes could not be resolved (an assignee expression naming a missing variable, a
    priority that is not a number…): the step fails like a failing script."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def waiting_user_tasks(workflow: BpmnWorkflow) -> list[WaitingUserTask]:
    """The user tasks that wait for a person, with their assignment and SLA resolved against the task data."""
    return describe_user_tasks(workflow.get_tasks(state=TaskState.READY, manual=True))


def describe_user_tasks(tasks) -> list[WaitingUserTask]:
    """Ready manual tasks described: assignment and SLA resolved against their data (`StepFailed` if one fails)."""
    described = []
    for task in tasks:
        try:
            described.append(_describe(task))
        except SpiffWorkflowException as error:
            raise StepFailed(failure_of(error)) from error
        except Exception as error:  # noqa: BLE001 — a bad value from the analyst's expression, not a platform bug
            raise StepFailed(Failure(task.task_spec.bpmn_id, str(task.id), f"{type(error).__name__}: {error}")) \
                from error
    return described


def _describe(task) -> WaitingUserTask:
    spec = task.task_spec
    is_platform_task = isinstance(spec, UserTask)
    return WaitingUserTask(
        id=str(task.id),
        task_key=spec.bpmn_id,
        name=spec.bpmn_name or spec.bpmn_id,
        candidate_groups=_names(task, spec.candidate_groups) if is_platform_task else [],
        candidate_users=_names(task, spec.candidate_users) if is_platform_task else [],
        assignee=_text(task, spec.assignee) if is_platform_task else None,
        form_ref=spec.form_ref if is_platform_task else None,
        priority=_priority(task, spec.priority if is_platform_task else None),
        due_at=_moment(task, spec.due_date if is_platform_task else None),
        follow_up_at=_moment(task, spec.follow_up_date if is_platform_task else None),
    )


def _evaluate(task, expression: str) -> Any:
    return task.workflow.script_engine.evaluate(task, expression)


def _names(task, values: list[str]) -> list[str]:
    names: list[str] = []
    for value in values:
        result = _evaluate(task, value) if "${" in value else value
        names.extend([result] if isinstance(result, str) else list(result or []))
    return [n for n in (str(n).strip() for n in names) if n]


def _text(task, value: str | None) -> str | None:
    if not value:
        return None
    result = _evaluate(task, value) if "${" in value else value
    return str(result) if result not in (None, "") else None


def _priority(task, value: str | None) -> int:
    if not value:
        return DEFAULT_PRIORITY
    result = _evaluate(task, value) if "${" in value else value
    return int(result)


def _moment(task, value: str | None) -> datetime | None:
    """A due or follow-up date: an ISO duration from now (P3D), an ISO date or date-time, or an expression."""
    if not value:
        return None
    text = value.strip()
    if text.upper().startswith("P"):
        start = clock.now()
        return start + TimerEventDefinition.get_timedelta_from_start(
            TimerEventDefinition.parse_iso_duration(text), start
        )
    result: Any = text if _ISO_DATE.match(text) or _ISO_DATETIME.match(text) else _evaluate(task, text)
    return to_moment(result)


def to_moment(value: Any) -> datetime:
    """A timezone-aware UTC datetime from an expression's result; a bare date means the end of that local day."""
    if isinstance(value, str):
        value = date.fromisoformat(value) if _ISO_DATE.match(value) else datetime.fromisoformat(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=clock.BUSINESS_TZ)
        return aware.astimezone(clock.now().tzinfo)
    if isinstance(value, date):
        end_of_day = datetime.combine(value, time(23, 59, 59), tzinfo=clock.BUSINESS_TZ)
        return end_of_day.astimezone(clock.now().tzinfo)
    raise InvalidInput(f"a date was expected, got {value!r}")


def _ready_user_task(workflow: BpmnWorkflow, task_id: str):
    task = task_by_id(workflow, task_id)
    if task.state != TaskState.READY or not task.task_spec.manual:
        raise Conflict(f"task {task_id} is not waiting for completion")
    return task


def complete_user_task(workflow: BpmnWorkflow, task_id: str, variables: dict[str, Any]) -> Failure | None:
    """Complete a waiting user task with `variables` merged into its data, then run on until the next wait."""
    task = _ready_user_task(workflow, task_id)
    require_storable(variables)
    task.set_data(**variables)
    try:
        task.run()
    except SpiffWorkflowException as error:
        return failure_of(error)
    return advance(workflow)


def task_variables(workflow: BpmnWorkflow, task_id: str) -> dict[str, Any]:
    """The data a waiting user task sees (its form is prefilled from it)."""
    return dict(_ready_user_task(workflow, task_id).data)


def variables(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The instance's variables: the workflow data once finished, else the data of the tasks the instance waits in."""
    if workflow.is_completed():
        return dict(workflow.data)
    merged: dict[str, Any] = dict(workflow.data)
    for task in _active_tasks(workflow):
        merged.update(task.data)
    return merged


def _active_tasks(workflow: BpmnWorkflow) -> list:
    active = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)
    return active or workflow.get_tasks(state=TaskState.COMPLETED)[-1:]


def set_variables(workflow: BpmnWorkflow, modifications: dict[str, Any], deletions: list[str]) -> None:
    """Change variables in every task the instance currently waits in (what Camunda's modification does)."""
    require_storable(modifications)
    targets = _active_tasks(workflow)
    for task in targets:
        task.data.update(modifications)
        for name in deletions:
            task.data.pop(name, None)


def require_storable(variables: dict[str, Any]) -> None:
    """Refuse variables that cannot be stored (InvalidInput names the variable and why)."""
    if problem := unstorable_variable(variables):
        raise InvalidInput(problem)


def cancel(workflow: BpmnWorkflow) -> None:
    workflow.cancel()
