"""Use cases on process instances. Each one is one unit of work: load, run the engine, save the state, project the
waiting user tasks, write the audit events — and commit once. A concurrent change makes it fail with `Conflict`
and leaves the database as it was."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import clock, queries, runtime
from engine.errors import Conflict
from engine.models import AuditEvent, HumanTask, HumanTaskCandidate, ProcessDefinition, ProcessInstance
from engine.runtime import Failure
from engine.scope import SYSTEM, Scope
from engine.script_engine import script_engine
from engine.serializer import STATE_VERSION, dump_workflow, load_workflow
from engine.spec_cache import spec_cache

ACTIVE, SUSPENDED, COMPLETED, CANCELLED, FAILED = "active", "suspended", "completed", "cancelled", "failed"


def start_process(
    session: Session,
    key: str,
    variables: dict[str, Any] | None = None,
    *,
    business_key: str | None = None,
    partner_id: int | None = None,
    scope: Scope = SYSTEM,
    definition: ProcessDefinition | None = None,
) -> ProcessInstance:
    """Start the latest version of `key` (or `definition`) and run it until it waits."""
    definition = definition or queries.latest_or_404(session, ProcessDefinition, key)
    if definition.suspended:
        raise Conflict(f"process definition {definition.id} is suspended")
    if scope.partner_id is not None:
        partner_id = scope.partner_id  # a partner's user starts instances of its own partner only
    spec, subprocess_specs = spec_cache.get(session, definition)
    workflow = runtime.new_workflow(spec, subprocess_specs, dict(variables or {}))
    instance = ProcessInstance(
        id=str(uuid.uuid4()),
        definition_id=definition.id,
        definition_key=definition.key,
        business_key=business_key,
        partner_id=partner_id,
        status=ACTIVE,
        started_by=scope.username,
        started_at=clock.now(),
    )
    events = [_event("instance_started", instance, scope, definition=definition.id)]
    failure = runtime.advance(workflow)
    with _unit_of_work(session):
        session.add(instance)
        _save(session, instance, workflow, failure, scope, events, completed_task=None)
    return instance


def complete_task(session: Session, task_id: str, variables: dict[str, Any] | None = None, *, scope: Scope = SYSTEM):
    """Complete a waiting user task with `variables` and run the instance on until it waits again."""
    task = _open_task(session, task_id, scope)
    instance, workflow = _load(session, task.instance_id, scope)
    _require_active(instance)
    failure = runtime.complete_user_task(workflow, task_id, dict(variables or {}))
    events = [_event("task_completed", instance, scope, task_id=task_id, task_key=task.task_key)]
    with _unit_of_work(session):
        _save(session, instance, workflow, failure, scope, events, completed_task=task_id)
    return instance


def claim_task(session: Session, task_id: str, user_id: str, *, scope: Scope = SYSTEM) -> None:
    """Make `user_id` the assignee of an open task that nobody else holds."""
    task = _open_task(session, task_id, scope)
    with _unit_of_work(session):
        claimed = session.execute(
            update(HumanTask)
            .where(HumanTask.id == task_id, HumanTask.status == "open")
            .where((HumanTask.assignee.is_(None)) | (HumanTask.assignee == user_id))
            .values(assignee=user_id)
        ).rowcount
        if not claimed:
            raise Conflict(f"task {task_id} is already claimed by {task.assignee or 'someone else'}")
        session.add(_task_event("task_claimed", task, scope, assignee=user_id))


def unclaim_task(session: Session, task_id: str, *, scope: Scope = SYSTEM) -> None:
    """Put an open task back into its group's queue."""
    task = _open_task(session, task_id, scope)
    with _unit_of_work(session):
        session.execute(update(HumanTask).where(HumanTask.id == task_id).values(assignee=None))
        session.add(_task_event("task_unclaimed", task, scope, previous=task.assignee))


def set_assignee(session: Session, task_id: str, user_id: str | None, *, scope: Scope = SYSTEM) -> None:
    """Assign an open task to `user_id` (or nobody), whoever held it."""
    task = _open_task(session, task_id, scope)
    with _unit_of_work(session):
        session.execute(update(HumanTask).where(HumanTask.id == task_id).values(assignee=user_id))
        session.add(_task_event("task_assigned", task, scope, assignee=user_id, previous=task.assignee))


def cancel_instance(session: Session, instance_id: str, *, scope: Scope = SYSTEM, reason: str | None = None) -> None:
    """Cancel a running instance and its open tasks."""
    instance, workflow = _load(session, instance_id, scope)
    if instance.status in (COMPLETED, CANCELLED):
        raise Conflict(f"process instance {instance_id} has already ended")
    runtime.cancel(workflow)
    with _unit_of_work(session):
        instance.state = dump_workflow(workflow)
        instance.status = CANCELLED
        instance.ended_at = clock.now()
        _close_open_tasks(session, instance.id, keep=set(), completed_task=None, scope=scope)
        session.add(_event("instance_cancelled", instance, scope, reason=reason))


def suspend_instance(session: Session, instance_id: str, *, suspended: bool, scope: Scope = SYSTEM) -> None:
    """Suspend (no task can be completed) or resume an instance."""
    instance = queries.instance_or_404(session, instance_id, scope)
    if instance.status not in (ACTIVE, SUSPENDED):
        raise Conflict(f"process instance {instance_id} is {instance.status}")
    with _unit_of_work(session):
        instance.status = SUSPENDED if suspended else ACTIVE
        session.add(_event("instance_suspended" if suspended else "instance_resumed", instance, scope))


def modify_variables(
    session: Session, instance_id: str, modifications: dict[str, Any], deletions: list[str], *, scope: Scope = SYSTEM
) -> None:
    """Set and delete variables of a running instance."""
    instance, workflow = _load(session, instance_id, scope)
    if instance.status in (COMPLETED, CANCELLED):
        raise Conflict(f"process instance {instance_id} has already ended")
    runtime.set_variables(workflow, modifications, deletions)
    with _unit_of_work(session):
        instance.state = dump_workflow(workflow)
        session.add(_event("variables_modified", instance, scope, names=sorted(modifications) + sorted(deletions)))


def instance_variables(session: Session, instance_id: str, *, scope: Scope = SYSTEM) -> dict[str, Any]:
    """The variables of an instance."""
    _, workflow = _load(session, instance_id, scope)
    return runtime.variables(workflow)


def task_variables(session: Session, task_id: str, *, scope: Scope = SYSTEM) -> dict[str, Any]:
    """The variables a waiting user task sees."""
    task = _open_task(session, task_id, scope)
    _, workflow = _load(session, task.instance_id, scope)
    return runtime.task_variables(workflow, task_id)


# -- internals -------------------------------------------------------------------------------------------------


class _unit_of_work:
    """Commit on success; on any error roll back, and report a lost optimistic race as `Conflict`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __enter__(self) -> Session:
        return self.session

    def __exit__(self, kind, error, _traceback) -> bool:
        if error is None:
            try:
                self.session.commit()
                return False
            except (StaleDataError, OperationalError) as commit_error:
                error = commit_error
        self.session.rollback()
        if isinstance(error, StaleDataError) or _is_lock_conflict(error):
            raise Conflict("the process instance was changed by someone else meanwhile; reload and retry") from error
        return False


def _is_lock_conflict(error: BaseException | None) -> bool:
    # SQLite reports a writer that lost the race against a newer snapshot as "database is locked".
    return isinstance(error, OperationalError) and "database is locked" in str(error)


def _load(session: Session, instance_id: str, scope: Scope):
    instance = queries.instance_or_404(session, instance_id, scope)
    definition = session.get(ProcessDefinition, instance.definition_id)
    spec, subprocess_specs = spec_cache.get(session, definition)
    return instance, load_workflow(instance.state, spec, subprocess_specs, script_engine)


def _open_task(session: Session, task_id: str, scope: Scope) -> HumanTask:
    task = queries.task_or_404(session, task_id, scope)
    if task.status != "open":
        raise Conflict(f"task {task_id} is already {task.status}")
    return task


def _require_active(instance: ProcessInstance) -> None:
    if instance.status != ACTIVE:
        raise Conflict(f"process instance {instance.id} is {instance.status}")


def _save(session, instance, workflow, failure: Failure | None, scope, events, completed_task: str | None) -> None:
    """Write the instance's state, status, task projection and audit events (inside the caller's unit of work)."""
    instance.state = dump_workflow(workflow)
    instance.state_version = STATE_VERSION
    if failure is not None:
        instance.status, instance.error = FAILED, failure.as_dict()
        events.append(_event("instance_failed", instance, scope, **failure.as_dict()))
    elif runtime.is_finished(workflow):
        instance.status, instance.ended_at = COMPLETED, clock.now()
        events.append(_event("instance_completed", instance, scope))
    waiting = [] if failure is not None else runtime.waiting_user_tasks(workflow)
    known = _close_open_tasks(session, instance.id, {t.id for t in waiting}, completed_task, scope)
    for task in waiting:
        if task.id in known:
            continue
        session.add(_human_task(instance, task))
        session.add_all(HumanTaskCandidate(task_id=task.id, group_name=g, partner_id=instance.partner_id)
                        for g in task.candidate_groups)
        events.append(_event("task_created", instance, scope, task_id=task.id, task_key=task.task_key))
    session.add_all(events)


def _close_open_tasks(session, instance_id: str, keep: set[str], completed_task: str | None, scope) -> set[str]:
    """Close the projected tasks that no longer wait; return the ids of those that still do."""
    rows = session.execute(
        select(HumanTask.id).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    ).scalars().all()
    gone = [task_id for task_id in rows if task_id not in keep]
    if gone:
        now = clock.now()
        for task_id in gone:
            done = task_id == completed_task
            session.execute(
                update(HumanTask).where(HumanTask.id == task_id).values(
                    status="completed" if done else "cancelled", ended_at=now,
                    completed_by=scope.username if done else None,
                )
            )
        session.execute(delete(HumanTaskCandidate).where(HumanTaskCandidate.task_id.in_(gone)))
    return set(rows) - set(gone)


def _human_task(instance: ProcessInstance, task: runtime.WaitingUserTask) -> HumanTask:
    return HumanTask(
        id=task.id,
        instance_id=instance.id,
        definition_id=instance.definition_id,
        definition_key=instance.definition_key,
        task_key=task.task_key,
        name=task.name,
        business_key=instance.business_key,
        partner_id=instance.partner_id,
        status="open",
        assignee=task.assignee,
        candidate_groups=task.candidate_groups,
        candidate_users=task.candidate_users,
        form_ref=task.form_ref,
        priority=task.priority,
        due_at=task.due_at,
        follow_up_at=task.follow_up_at,
        created_at=clock.now(),
    )


def _event(kind: str, instance: ProcessInstance, scope: Scope, task_id: str | None = None, **detail) -> AuditEvent:
    return AuditEvent(kind=kind, actor=scope.username, instance_id=instance.id, task_id=task_id,
                      partner_id=instance.partner_id, detail=detail, at=clock.now())


def _task_event(kind: str, task: HumanTask, scope: Scope, **detail) -> AuditEvent:
    return AuditEvent(kind=kind, actor=scope.username, instance_id=task.instance_id, task_id=task.id,
                      partner_id=task.partner_id, detail=detail, at=clock.now())

