"""Reading and writing instances, their task projection and audit events with single SQL statements.

This is the hot path of every start and completion, so it speaks SQLAlchemy Core (no unit-of-work flush) and
needs about five statements per transaction. The optimistic lock lives here, in one place: every write of an
instance names the version it read (`UPDATE … WHERE version = :read`), and a lost race is a `Conflict`.

On PostgreSQL the projection and audit writes that follow the instance's own write are sent `pipelined`: queued and
sent in one round trip, because a round trip (a wake-up of the server process) costs more than the statement.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, bindparam, case, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import Conflict, NotFound
from engine.models import AuditEvent, HumanTask, Job, ProcessInstance, Timer
from engine.runtime import WaitingServiceTask, WaitingTimer, WaitingUserTask
from engine.scope import Scope
from engine.serializer import dump_data


@dataclass(frozen=True)
class InstanceRecord:
    """An instance as read for a change: its identity, scope, status, state and the version it was read at."""

    id: str
    definition_id: str
    definition_key: str
    business_key: str | None
    partner_id: int | None
    status: str
    state: str
    version: int
    error: dict[str, Any] | None = None


@dataclass(frozen=True)
class TaskRecord:
    id: str
    instance_id: str
    task_key: str
    status: str
    assignee: str | None
    partner_id: int | None
    candidate_groups: list[str]
    candidate_users: list[str]


# Table-level statements: the ORM's bulk and unit-of-work layers cost more than the statements themselves here.
_instances = ProcessInstance.__table__
_tasks = HumanTask.__table__
_events = AuditEvent.__table__
_jobs = Job.__table__
_timers = Timer.__table__

_INSTANCE_COLUMNS = (ProcessInstance.id, ProcessInstance.definition_id, ProcessInstance.definition_key,
                     ProcessInstance.business_key, ProcessInstance.partner_id, ProcessInstance.status,
                     ProcessInstance.state, ProcessInstance.version, ProcessInstance.error)
_TASK_COLUMNS = (HumanTask.id, HumanTask.instance_id, HumanTask.task_key, HumanTask.status, HumanTask.assignee,
                 HumanTask.partner_id, HumanTask.candidate_groups, HumanTask.candidate_users)


# Statements are built once: constructing them per call costs more than PostgreSQL takes to run them.
_READ_INSTANCE = select(*_INSTANCE_COLUMNS).where(_instances.c.id == bindparam("b_id"))
_READ_TASK = select(*_TASK_COLUMNS).where(_tasks.c.id == bindparam("b_id"))
_READ_TASK_WITH_INSTANCE = (select(*_TASK_COLUMNS, *_INSTANCE_COLUMNS)
                            .join(_instances, _instances.c.id == _tasks.c.instance_id)
                            .where(_tasks.c.id == bindparam("b_id")))
_UPDATE_INSTANCE = update(_instances).where(_instances.c.id == bindparam("b_id"),
                                            _instances.c.version == bindparam("b_version"))
# The projections' statements for tasks that stopped waiting, with the ids as one expanding parameter.
_GONE = bindparam("b_gone", expanding=True)
_CLOSE_TASKS = (update(_tasks).where(_tasks.c.id.in_(_GONE), _tasks.c.status == "open")
                .values(status=case((_tasks.c.id == bindparam("b_completed", type_=String()), "completed"),
                                    else_="cancelled"),
                        ended_at=bindparam("b_now", type_=DateTime()),
                        completed_by=case((_tasks.c.id == bindparam("b_completed", type_=String()),
                                           bindparam("b_actor", type_=String())), else_=None)))
_CANCEL_JOBS = (update(_jobs).where(_jobs.c.task_id.in_(_GONE), _jobs.c.status.in_(("pending", "locked", "incident")))
                .values(status="cancelled", ended_at=bindparam("b_now", type_=DateTime()), locked_by=None,
                        lock_expires_at=None))
_END_TIMERS = (update(_timers).where(_timers.c.task_id.in_(_GONE), _timers.c.status == "waiting")
               .values(status=case((_timers.c.due_at <= bindparam("b_now", type_=DateTime()), "fired"),
                                   else_="cancelled"),
                       fired_at=bindparam("b_now", type_=DateTime())))
_FINISH_JOB = (update(_jobs).where(_jobs.c.id == bindparam("b_id"), _jobs.c.status == "locked",
                                   _jobs.c.locked_by == bindparam("b_worker"))
               .values(status="done", ended_at=bindparam("b_now", type_=DateTime()), locked_by=None,
                       lock_expires_at=None))
_MOVE_TIMER = (update(_timers).where(_timers.c.task_id == bindparam("b_task"), _timers.c.status == "waiting")
               .values(due_at=bindparam("b_due", type_=DateTime())))


@contextmanager
def pipelined(session: Session) -> Iterator[None]:
    """Send the statements issued inside in one round trip, at the end of the block (PostgreSQL's pipeline mode;
    elsewhere a no-op). Nothing inside may look at a statement's result — no rows, no rowcount — since results
    arrive only when the block ends; an error of a queued statement is raised there, before the commit."""
    connection = session.connection()
    dbapi_connection = connection.connection.dbapi_connection
    if not hasattr(dbapi_connection, "pipeline") or dbapi_connection.pgconn.pipeline_status:
        yield  # not psycopg, or already inside a pipeline (a nested one would add a round trip at each end)
        return
    dbapi_error = connection.dialect.loaded_dbapi.Error
    try:
        with dbapi_connection.pipeline():
            yield
    except dbapi_error as error:  # raised by the sync, outside SQLAlchemy: give callers its usual exception types
        raise DBAPIError.instance(None, None, error, dbapi_error) from error


def read_instance(session: Session, instance_id: str, scope: Scope) -> InstanceRecord:
    row = session.connection().execute(_READ_INSTANCE, {"b_id": instance_id}).one_or_none()
    if row is None or not scope.allows(row.partner_id):
        raise NotFound(f"process instance {instance_id} does not exist")
    return InstanceRecord(*row)


def read_task(session: Session, task_id: str, scope: Scope) -> TaskRecord:
    row = session.connection().execute(_READ_TASK, {"b_id": task_id}).one_or_none()
    if row is None or not scope.allows(row.partner_id):
        raise NotFound(f"task {task_id} does not exist")
    return TaskRecord(*row)


def read_task_with_instance(session: Session, task_id: str, scope: Scope) -> tuple[TaskRecord, InstanceRecord]:
    """A task and its instance in one query (the completion's first read)."""
    row = session.connection().execute(_READ_TASK_WITH_INSTANCE, {"b_id": task_id}).one_or_none()
    if row is None or not scope.allows(row[5]):
        raise NotFound(f"task {task_id} does not exist")
    width = len(_TASK_COLUMNS)
    return TaskRecord(*row[:width]), InstanceRecord(*row[width:])


def insert_instance(session: Session, record: InstanceRecord, *, started_by: str | None, state_version: str,
                    ended_at: datetime | None) -> None:
    session.connection().execute(insert(_instances), {
        "id": record.id, "definition_id": record.definition_id, "definition_key": record.definition_key,
        "business_key": record.business_key, "partner_id": record.partner_id, "status": record.status,
        "state": record.state, "state_version": state_version, "error": record.error, "started_by": started_by,
        "started_at": clock.now(), "ended_at": ended_at, "version": record.version,
    })


def update_instance(session: Session, record: InstanceRecord, **values: Any) -> None:
    """Write `values` to the instance if nobody wrote it since `record` was read; otherwise `Conflict`."""
    params = {"b_id": record.id, "b_version": record.version, "version": record.version + 1, **values}
    if session.connection().execute(_UPDATE_INSTANCE, params).rowcount != 1:
        raise Conflict("the process instance was changed by someone else meanwhile; reload and retry")


def update_instances(session: Session, writes: list[tuple[InstanceRecord, dict[str, Any]]]) -> None:
    """`update_instance` for several instances (the same columns each) in one executemany, in the given order;
    `Conflict` when any of them was written since it was read — the caller rolls back, since the others are
    written by then."""
    if not writes:
        return
    params = [{"b_id": record.id, "b_version": record.version, "version": record.version + 1, **values}
              for record, values in writes]
    connection = session.connection()
    if not connection.dialect.supports_sane_multi_rowcount:
        for record, values in writes:
            update_instance(session, record, **values)
        return
    if connection.execute(_UPDATE_INSTANCE, params).rowcount != len(params):
        raise Conflict("a process instance was changed by someone else meanwhile; reload and retry")


def project_tasks(session: Session, instance: InstanceRecord, before: Iterable[str],
                  after: list[WaitingUserTask], *, completed: str | None, actor: str | None) -> list[dict]:
    """Bring the worklist projection from the tasks that waited `before` to those waiting `after`; return the
    audit events of the tasks created."""
    after_ids = {task.id for task in after}
    gone = [task_id for task_id in before if task_id not in after_ids]
    now = clock.now()
    if gone:
        connection = session.connection()
        connection.execute(_CLOSE_TASKS, {"b_gone": gone, "b_completed": completed, "b_now": now, "b_actor": actor})
    known = set(before)
    new = [task for task in after if task.id not in known]
    if not new:
        return []
    insert_rows(session, _tasks, [_task_row(instance, task, now) for task in new])
    return [event("task_created", instance.id, instance.partner_id, actor, task_id=t.id, task_key=t.task_key)
            for t in new]


def _task_row(instance: InstanceRecord, task: WaitingUserTask, now: datetime) -> dict[str, Any]:
    return {
        "id": task.id, "instance_id": instance.id, "definition_id": instance.definition_id,
        "definition_key": instance.definition_key, "task_key": task.task_key, "name": task.name,
        "business_key": instance.business_key, "partner_id": instance.partner_id, "status": "open",
        "assignee": task.assignee, "candidate_groups": task.candidate_groups,
        "candidate_users": task.candidate_users, "form_ref": task.form_ref, "priority": task.priority,
        "due_at": task.due_at, "follow_up_at": task.follow_up_at, "created_at": now, "ended_at": None,
        "completed_by": None,
    }


def project_jobs(session: Session, instance: InstanceRecord, before: Iterable[str],
                 after: list[WaitingServiceTask], *, is_external, retries_of) -> list[str]:
    """Write a job for every service task that started waiting and cancel the jobs of those that stopped waiting
    without a result (the instance was cancelled, a boundary event interrupted them); return the new job ids."""
    after_ids = {task.id for task in after}
    gone = [task_id for task_id in before if task_id not in after_ids]
    if gone:
        session.connection().execute(_CANCEL_JOBS, {"b_gone": gone, "b_now": clock.now()})
    known = set(before)
    new = [task for task in after if task.id not in known]
    if not new:
        return []
    now = clock.now()
    rows = [{
        "id": str(uuid.uuid4()), "instance_id": instance.id, "task_id": task.id, "task_key": task.task_key,
        "definition_key": instance.definition_key, "partner_id": instance.partner_id, "topic": task.topic,
        "external": external, "payload": dump_data(task.params), "priority": 0, "status": "pending",
        "retries": retries_of(task.retry_cycle), "retry_cycle": task.retry_cycle, "attempts": 0, "due_at": now,
        "locked_by": None, "lock_expires_at": None, "error_message": None, "error_details": None,
        "created_at": now, "ended_at": None,
        # the after-commit dispatch sends its message (`dispatch.committed`); external workers fetch theirs
        "sent_at": None if external else now,
    } for task, external in ((task, is_external(task.topic)) for task in new)]
    insert_rows(session, _jobs, rows)
    return [row["id"] for row in rows]


def project_timers(session: Session, instance: InstanceRecord, before: Iterable[str],
                   after: list[WaitingTimer]) -> None:
    """Write a row for every timer the instance started waiting on; those it no longer waits on fired (when they
    were due) or were cancelled (the task they guarded finished first)."""
    now = clock.now()
    after_ids = {timer.id for timer in after}
    gone = [task_id for task_id in before if task_id not in after_ids]
    connection = session.connection()
    if gone:
        connection.execute(_END_TIMERS, {"b_gone": gone, "b_now": now})
    known = set(before)
    new = [timer for timer in after if timer.id not in known]
    insert_rows(session, _timers, [
        {"id": str(uuid.uuid4()), "instance_id": instance.id, "task_id": t.id, "task_key": t.task_key,
         "partner_id": instance.partner_id, "due_at": t.due_at, "kind": t.kind, "status": "waiting", "created_at": now,
         "fired_at": None} for t in new])
    moved = [timer for timer in after if timer.id in known]  # a cycle timer's next due time
    for timer in moved:
        connection.execute(_MOVE_TIMER, {"b_task": timer.id, "b_due": timer.due_at})


def finish_job(session: Session, job_id: str, worker_id: str) -> bool:
    """Mark a job done (in the transaction that applies its result); False when `worker_id` no longer holds it."""
    return session.connection().execute(_FINISH_JOB, {"b_id": job_id, "b_worker": worker_id,
                                                      "b_now": clock.now()}).rowcount == 1


def set_assignee(session: Session, task_id: str, assignee: str | None, *, only_if_free_for: str | None = None) -> bool:
    """Assign an open task; with `only_if_free_for`, only when nobody else holds it. True when it was written."""
    statement = update(_tasks).where(_tasks.c.id == task_id, _tasks.c.status == "open")
    if only_if_free_for is not None:
        statement = statement.where(_tasks.c.assignee.is_(None) | (_tasks.c.assignee == only_if_free_for))
    return session.connection().execute(statement.values(assignee=assignee)).rowcount == 1


def event(kind: str, instance_id: str, partner_id: int | None, actor: str | None, task_id: str | None = None,
          **detail: Any) -> dict[str, Any]:
    """One audit event row."""
    return {"kind": kind, "actor": actor, "instance_id": instance_id, "task_id": task_id, "partner_id": partner_id,
            "detail": detail, "at": clock.now()}


def write_events(session: Session, events: list[dict[str, Any]]) -> None:
    """Write audit event rows (one statement)."""
    insert_rows(session, _events, events)


def insert_rows(session: Session, table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` in one executemany of a cached statement (psycopg sends it as one batch), never with an
    implicit `RETURNING` of a generated key (`inline`), which `pipelined` cannot read. A multi-row `VALUES` list
    would be recompiled by SQLAlchemy for every call: a sixth of a timer firing."""
    if rows:
        session.connection().execute(_inline_insert(table), rows)


@functools.cache
def _inline_insert(table):
    return insert(table).inline()
