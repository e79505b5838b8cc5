"""Use cases on process instances. Each one is one unit of work: read, run the engine, write the state, project
the waiting user tasks, write the audit events — and commit once. A concurrent change makes it fail with
`Conflict` and leaves the database as it was."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from engine import assignees, clock, dispatch, events, runtime, store, subscriptions, task_search
from engine.errors import Conflict, Forbidden, NotFound
from engine.models import MessageSubscription, ProcessDefinition, Timer
from engine.operators import registry
from engine.retry import retries_of
from engine.runtime import Failure
from engine.scope import SYSTEM, Scope
from engine.script_engine import script_engine
from engine.serializer import STATE_VERSION, dump_workflow, load_workflow
from engine.spec_cache import spec_cache
from engine.store import InstanceRecord

ACTIVE, SUSPENDED, COMPLETED, CANCELLED, FAILED = "active", "suspended", "completed", "cancelled", "failed"
ENDED = (COMPLETED, CANCELLED)


def start_process(
    session: Session,
    key: str,
    variables: dict[str, Any] | None = None,
    *,
    business_key: str | None = None,
    partner_id: int | None = None,
    scope: Scope = SYSTEM,
    definition_id: str | None = None,
    start_event: str | None = None,
) -> InstanceRecord:
    """Start the latest version of `key` (or the version `definition_id`) and run it until it waits; with
    `start_event`, that message or timer start event fires (its message arrived, its timer fell due)."""
    definition = _definition(session, key, definition_id)
    if definition.suspended:
        raise Conflict(f"process definition {definition.id} is suspended")
    if scope.partner_id is not None:
        partner_id = scope.partner_id  # a partner's user starts instances of its own partner only
    spec, subprocess_specs = spec_cache.get(session, definition.id)
    workflow = runtime.new_workflow(spec, subprocess_specs, dict(variables or {}))
    failure = events.start_manually(workflow) if start_event is None else events.start_at_event(workflow, start_event)
    record = InstanceRecord(id=str(uuid.uuid4()), definition_id=definition.id, definition_key=definition.key,
                            business_key=business_key, partner_id=partner_id, status=ACTIVE, state="", version=1)
    step = _after_step(record, workflow, failure, scope)
    step.events.insert(0, store.event("instance_started", record.id, partner_id, scope.username,
                                      definition=definition.id))
    with _unit_of_work(session), store.pipelined(session):  # a new row: no version to check before the rest
        store.insert_instance(session, step.record, started_by=scope.username, state_version=STATE_VERSION,
                              ended_at=clock.now() if step.record.status == COMPLETED else None)
        _project(session, step, before=([], [], [], [], {}), completed=None, scope=scope)
    _dispatch(step.events)
    return step.record


def complete_task(session: Session, task_id: str, variables: dict[str, Any] | None = None, *,
                  scope: Scope = SYSTEM) -> InstanceRecord:
    """Complete a waiting user task with `variables` and run the instance on until it waits again."""
    task, instance = store.read_task_with_instance(session, task_id, scope)
    _require_open(task)
    if not scope.may_complete(task.assignee, task.candidate_groups, task.candidate_users):
        raise Forbidden(f"task {task_id} is assigned to {task.assignee}" if task.assignee
                        else f"task {task_id} is not offered to your groups")
    _require_active(instance)
    workflow = _workflow(session, instance)
    before = _waiting(workflow)
    failure = runtime.complete_user_task(workflow, task_id, dict(variables or {}))
    step = _after_step(instance, workflow, failure, scope)
    step.events.insert(0, store.event("task_completed", instance.id, instance.partner_id, scope.username,
                                      task_id=task_id, task_key=task.task_key))
    with _unit_of_work(session):
        _write(session, instance, step.record)
        _project(session, step, before=before, completed=task_id, scope=scope)
    _dispatch(step.events)
    return step.record


def complete_service_task(session: Session, instance_id: str, task_id: str, result: dict[str, Any], *,
                          job_id: str, worker_id: str, scope: Scope = SYSTEM) -> InstanceRecord:
    """Complete a service task with the result its worker reported, and run the instance on until it waits.
    The job is marked done in the same transaction, so a result is applied exactly once, and only while
    `worker_id` holds it (`Conflict` otherwise)."""
    return _finish_job(session, instance_id, task_id, job_id, worker_id, scope,
                       lambda workflow: runtime.complete_service_task(workflow, task_id, result),
                       store.event("job_completed", instance_id, None, scope.username, task_id=task_id,
                                   job_id=job_id))


def throw_bpmn_error(session: Session, instance_id: str, task_id: str, code: str, message: str | None,
                     variables: dict[str, Any] | None, *, job_id: str, worker_id: str,
                     scope: Scope = SYSTEM) -> InstanceRecord:
    """A service task's worker reported the BPMN error `code`: the error boundary event that catches it takes the
    instance on, and the job is marked done in the same transaction. `bpmn_errors.UncaughtError` (nothing
    written) when no boundary event catches it."""
    return _finish_job(session, instance_id, task_id, job_id, worker_id, scope,
                       lambda workflow: events.throw_error(workflow, task_id, code, message, dict(variables or {})),
                       store.event("bpmn_error_caught", instance_id, None, scope.username, task_id=task_id,
                                   job_id=job_id, error_code=code))


def _finish_job(session: Session, instance_id: str, task_id: str, job_id: str, worker_id: str, scope: Scope, step_of,
                first_event: dict) -> InstanceRecord:
    """Run `step_of(workflow)` — what the job's worker reported — and mark the job done in the same transaction,
    if `worker_id` still holds it."""
    instance = store.read_instance(session, instance_id, scope)
    if instance.status not in (ACTIVE, SUSPENDED):
        raise Conflict(f"process instance {instance_id} is {instance.status}")
    workflow = _workflow(session, instance)
    before = _waiting(workflow)
    # the task's own job is marked done below, not cancelled as a service task that stopped waiting
    before = before._replace(services=[waiting for waiting in before.services if waiting != task_id])
    failure = step_of(workflow)
    step = _after_step(instance, workflow, failure, scope)
    step.events.insert(0, {**first_event, "partner_id": instance.partner_id})
    with _unit_of_work(session):
        if not store.finish_job(session, job_id, worker_id):
            raise Conflict(f"job {job_id} is no longer locked for completion by {worker_id}")
        _write(session, instance, step.record)
        _project(session, step, before=before, completed=None, scope=scope)
    _dispatch(step.events)
    return step.record


def fire_timers(session: Session, instance_id: str, *, scope: Scope = SYSTEM,
                instance: InstanceRecord | None = None) -> bool:
    """Let the instance's due timers fire and run it on; False when none was due. Two schedulers racing on the
    same instance: one wins the optimistic lock, the other gets `Conflict` or finds nothing due — a timer fires
    once. The scheduler may pass the `instance` it read in bulk; if that is stale, the write is a `Conflict`."""
    if instance is None:
        instance = store.read_instance(session, instance_id, scope)
    fired = _timer_step(session, instance, scope)
    if fired is None:
        return False  # another scheduler fired them already: nothing to write
    step, before = fired
    with _unit_of_work(session):
        _write(session, instance, step.record)
        _project(session, step, before=before, completed=None, scope=scope)
    _dispatch(step.events)
    return True


def fire_timers_batch(session: Session, records: list[InstanceRecord], *, scope: Scope = SYSTEM) -> int:
    """`fire_timers` for several instances in one transaction, the number that moved: the steps are run first,
    then every instance is written by one executemany and every projection in one pipelined round trip, and one
    commit ends the batch — three round trips for the batch instead of three per instance. Rows are updated in id
    order, so two schedulers batching the same instances wait for each other instead of deadlocking. When any
    instance was changed meanwhile (or anything else fails), the batch is rolled back and its instances are fired
    one transaction each, which skips the stale ones."""
    steps = []
    try:
        for record in sorted(records, key=lambda r: r.id):
            try:
                fired = _timer_step(session, record, scope)
            except Conflict:
                continue  # no longer active
            if fired is not None:
                steps.append((record, *fired))
        store.update_instances(session, [(record, _written(step.record)) for record, step, _ in steps])
        with store.pipelined(session):
            for _, step, before in steps:
                _project(session, step, before=before, completed=None, scope=scope)
        session.commit()
    except Exception:  # noqa: BLE001 — a stale instance or any failure: every instance gets its own transaction
        session.rollback()
        return sum(_fire_alone(session, record, scope) for record in records)
    _dispatch([event for _, step, _ in steps for event in step.events])
    return len(steps)


def _fire_alone(session: Session, record: InstanceRecord, scope: Scope) -> bool:
    try:
        return fire_timers(session, record.id, instance=record, scope=scope)
    except Conflict:
        return False


def _timer_step(session: Session, instance: InstanceRecord, scope: Scope) -> tuple[_Step, tuple] | None:
    """The step of an instance whose due timers fire, with what it waited in before; None when none is due."""
    _require_active(instance)
    workflow = _workflow(session, instance)
    before = _waiting(workflow)
    now = clock.now()
    if not any(timer.due_at <= now for timer in before.timer_dues):
        return None
    # A boundary timer firing escalates: the tasks it creates are an escalation of the task it guarded.
    escalation = any(timer.kind == "boundary" and timer.due_at <= now for timer in before.timer_dues)
    failure = events.fire_due_timers(workflow)
    step = _after_step(instance, workflow, failure, scope)
    step.escalation = escalation
    step.events.insert(0, store.event("timers_fired", instance.id, instance.partner_id, scope.username))
    return step, before


def deliver_message(session: Session, instance_id: str, task_id: str, message_name: str,
                    variables: dict[str, Any] | None = None, *, scope: Scope = SYSTEM) -> InstanceRecord:
    """Let the task `task_id` of an instance catch the message `message_name` (its variables merged into the
    task's data) and run the instance on until it waits."""
    instance = store.read_instance(session, instance_id, scope)
    _require_active(instance)
    workflow = _workflow(session, instance)
    before = _waiting(workflow)
    failure = events.deliver_message(workflow, task_id, message_name, dict(variables or {}))
    step = _after_step(instance, workflow, failure, scope)
    step.events.insert(0, store.event("message_correlated", instance.id, instance.partner_id, scope.username,
                                      task_id=task_id, message=message_name))
    with _unit_of_work(session):
        _write(session, instance, step.record)
        _project(session, step, before=before, completed=None, scope=scope)
    _dispatch(step.events)
    return step.record


def claim_task(session: Session, task_id: str, user_id: str, *, scope: Scope = SYSTEM) -> None:
    """Make `user_id` the assignee of an open task that nobody else holds (a user of the task's partner or of
    the УК: `assignees.require_same_partner`)."""
    task = store.read_task(session, task_id, scope)
    _require_open(task)
    if user_id != scope.username and not scope.supervises:
        raise Forbidden("only a manager may claim a task for someone else")
    if not scope.eligible_for(task.candidate_groups, task.candidate_users):
        raise Forbidden(f"task {task_id} is not offered to your groups")
    if user_id != scope.username:  # for oneself, the scope that found the task already kept it within the partner
        assignees.require_same_partner(session, user_id, task.partner_id)
    claimed = [store.event("task_claimed", task.instance_id, task.partner_id, scope.username, task_id=task_id,
                           assignee=user_id)]
    with _unit_of_work(session):
        if not store.set_assignee(session, task_id, user_id, only_if_free_for=user_id):
            raise Conflict(f"task {task_id} is already claimed by {task.assignee or 'someone else'}")
        store.write_events(session, claimed)
    _dispatch(claimed)


def unclaim_task(session: Session, task_id: str, *, scope: Scope = SYSTEM) -> None:
    """Put an open task back into its group's queue (its assignee or a manager)."""
    task = store.read_task(session, task_id, scope)
    if task.assignee not in (None, scope.username) and not scope.supervises:
        raise Forbidden(f"task {task_id} is held by {task.assignee}")
    _assign(session, task, None, scope)


def set_assignee(session: Session, task_id: str, user_id: str | None, *, scope: Scope = SYSTEM) -> None:
    """Assign an open task to `user_id` (or nobody), whoever held it — a manager's action; `user_id` works for the
    task's partner or the УК (`assignees.require_same_partner`)."""
    task = store.read_task(session, task_id, scope)
    if not scope.supervises:
        raise Forbidden("only a manager may assign tasks")
    if user_id is not None:
        assignees.require_same_partner(session, user_id, task.partner_id)
    _assign(session, task, user_id, scope)


def _assign(session: Session, task: store.TaskRecord, user_id: str | None, scope: Scope) -> None:
    task_id = task.id
    _require_open(task)
    kind = "task_assigned" if user_id else "task_unclaimed"
    assigned = [store.event(kind, task.instance_id, task.partner_id, scope.username, task_id=task_id,
                            assignee=user_id, previous=task.assignee)]
    with _unit_of_work(session):
        store.set_assignee(session, task_id, user_id)
        store.write_events(session, assigned)
    _dispatch(assigned)


def cancel_instance(session: Session, instance_id: str, *, scope: Scope = SYSTEM, reason: str | None = None) -> None:
    """Cancel a running instance and its open tasks."""
    scope.require_operator("cancelling an instance")
    instance = store.read_instance(session, instance_id, scope)
    if instance.status in ENDED:
        raise Conflict(f"process instance {instance_id} has already ended")
    workflow = _workflow(session, instance)
    before = _waiting(workflow)
    runtime.cancel(workflow)
    with _unit_of_work(session):
        store.update_instance(session, instance, state=dump_workflow(workflow), status=CANCELLED,
                              ended_at=clock.now())
        store.project_tasks(session, instance, before[0], [], completed=None, actor=scope.username)
        store.project_jobs(session, instance, before[1], [], is_external=_is_external, retries_of=retries_of)
        store.project_timers(session, instance, before[2], [])
        subscriptions.project_messages(session, instance, before[3], [])
        store.write_events(session, [store.event("instance_cancelled", instance.id, instance.partner_id,
                                                 scope.username, reason=reason)])


def suspend_instance(session: Session, instance_id: str, *, suspended: bool, scope: Scope = SYSTEM) -> None:
    """Suspend (no task can be completed) or resume an instance."""
    scope.require_operator("suspending or resuming an instance")
    instance = store.read_instance(session, instance_id, scope)
    if instance.status not in (ACTIVE, SUSPENDED):
        raise Conflict(f"process instance {instance_id} is {instance.status}")
    with _unit_of_work(session):
        store.update_instance(session, instance, status=SUSPENDED if suspended else ACTIVE)
        store.write_events(session, [store.event("instance_suspended" if suspended else "instance_resumed",
                                                 instance.id, instance.partner_id, scope.username)])


def modify_variables(session: Session, instance_id: str, modifications: dict[str, Any], deletions: list[str], *,
                     scope: Scope = SYSTEM) -> None:
    """Set and delete variables of a running instance."""
    scope.require_operator("changing an instance's variables")
    instance = store.read_instance(session, instance_id, scope)
    if instance.status in ENDED:
        raise Conflict(f"process instance {instance_id} has already ended")
    workflow = _workflow(session, instance)
    waiting = events.waiting_messages(workflow)
    keys_before = subscriptions.key_values(runtime.variables(workflow)) if waiting else {}
    runtime.set_variables(workflow, modifications, deletions)
    keys_after = subscriptions.key_values(runtime.variables(workflow)) if waiting else {}
    with _unit_of_work(session):
        store.update_instance(session, instance, state=dump_workflow(workflow))
        # The correlation keys follow the variables (the subscriptions themselves stay).
        subscriptions.project_messages(session, instance, [m.id for m in waiting], waiting, keys_before, keys_after)
        store.write_events(session, [store.event("variables_modified", instance.id, instance.partner_id,
                                                 scope.username, names=sorted(modifications) + sorted(deletions))])


def reindex_waits(session: Session, batch: int = 200) -> int:
    """Rewrite, from each waiting instance's state, what older releases did not project: the correlation keys of
    its message subscriptions (without them no correlation would match) and the kind of its waiting timers (rows
    written before the kinds existed say `intermediate`). Once after upgrading from such a release; the number
    of instances, committed `batch` at a time."""
    instance_ids = sorted(set(session.scalars(select(MessageSubscription.instance_id).distinct()))
                          | set(session.scalars(select(Timer.instance_id).where(Timer.status == "waiting"))))
    session.rollback()
    for start in range(0, len(instance_ids), batch):
        for instance_id in instance_ids[start:start + batch]:
            instance = store.read_instance(session, instance_id, SYSTEM)
            workflow = _workflow(session, instance)
            waits = events.waits(workflow)
            subscriptions.rewrite_keys(session, instance, waits.messages,
                                       subscriptions.key_values(runtime.variables(workflow)))
            for timer in waits.timers:
                session.execute(update(Timer).where(Timer.task_id == timer.id, Timer.status == "waiting")
                                .values(kind=timer.kind))
        session.commit()
    return len(instance_ids)


def instance_variables(session: Session, instance_id: str, *, scope: Scope = SYSTEM) -> dict[str, Any]:
    """The variables of an instance."""
    return runtime.variables(_workflow(session, store.read_instance(session, instance_id, scope)))


def task_variables(session: Session, task_id: str, *, scope: Scope = SYSTEM) -> dict[str, Any]:
    """The variables a waiting user task sees."""
    task, instance = store.read_task_with_instance(session, task_id, scope)
    _require_open(task)
    return runtime.task_variables(_workflow(session, instance), task_id)


# -- internals -------------------------------------------------------------------------------------------------


@contextmanager
def _unit_of_work(session: Session) -> Iterator[Session]:
    """Commit on success; on any error roll back and re-raise — SQLite's lost write race as `Conflict`."""
    try:
        yield session
        session.commit()
    except OperationalError as error:
        session.rollback()
        if "database is locked" in str(error):
            # SQLite: a writer whose snapshot is older than the last commit cannot upgrade to a write lock.
            raise Conflict("the process instance was changed by someone else meanwhile; reload and retry") from error
        raise
    except BaseException:
        session.rollback()
        raise


_DEFINITION_COLUMNS = (ProcessDefinition.id, ProcessDefinition.key, ProcessDefinition.suspended)
_DEFINITION_BY_ID = select(*_DEFINITION_COLUMNS).where(ProcessDefinition.id == bindparam("b_id"))
_LATEST_DEFINITION = (select(*_DEFINITION_COLUMNS).where(ProcessDefinition.key == bindparam("b_key"))
                      .order_by(ProcessDefinition.version.desc()).limit(1))


def _definition(session: Session, key: str, definition_id: str | None):
    if definition_id is not None:
        row = session.connection().execute(_DEFINITION_BY_ID, {"b_id": definition_id}).one_or_none()
        missing = f"no process definition with id {definition_id!r}"
    else:
        row = session.connection().execute(_LATEST_DEFINITION, {"b_key": key}).one_or_none()
        missing = f"no process definition with key {key!r}"
    if row is None:
        raise NotFound(missing)
    return row


def _workflow(session: Session, instance: InstanceRecord):
    spec, subprocess_specs = spec_cache.get(session, instance.definition_id)
    return load_workflow(instance.state, spec, subprocess_specs, script_engine)


def _require_open(task: store.TaskRecord) -> None:
    if task.status != "open":
        raise Conflict(f"task {task.id} is already {task.status}")


def _require_active(instance: InstanceRecord) -> None:
    if instance.status != ACTIVE:
        raise Conflict(f"process instance {instance.id} is {instance.status}")


@dataclass
class _Step:
    """An instance after one engine step: its new record, the audit events, and what it now waits in."""

    record: InstanceRecord
    events: list[dict]
    users: list[runtime.WaitingUserTask]
    services: list[runtime.WaitingServiceTask]
    timers: list[runtime.WaitingTimer]
    messages: list[events.WaitingMessage]
    search: dict[str, str] = dataclasses.field(default_factory=dict)
    keys: dict[str, str] = dataclasses.field(default_factory=dict)  # correlation keys, when messages are waited for
    escalation: bool = False  # a boundary timer fired: the tasks it created escalate the one it was attached to


def _after_step(record: InstanceRecord, workflow, failure: Failure | None, scope: Scope) -> _Step:
    """The instance after a step — state, status, error, waiting tasks — and the audit events of how it ended."""
    users, services, timers, messages = [], [], [], []
    if failure is None:
        waits = events.waits(workflow)
        try:
            users = runtime.describe_user_tasks(waits.users)
            services, timers, messages = waits.services, waits.timers, waits.messages
        except runtime.StepFailed as step_failed:
            failure = step_failed.failure
    audit = []
    status, error = record.status, None
    if failure is not None:
        status, error = FAILED, failure.as_dict()
        audit.append(store.event("instance_failed", record.id, record.partner_id, scope.username,
                                  **failure.as_dict()))
    elif runtime.is_finished(workflow):
        status = COMPLETED
        audit.append(store.event("instance_completed", record.id, record.partner_id, scope.username))
    after = dataclasses.replace(record, state=dump_workflow(workflow), status=status, error=error)
    values = runtime.variables(workflow) if users or messages else {}
    search = task_search.fields(values) if users else {}
    keys = subscriptions.key_values(values) if messages else {}
    return _Step(after, audit, users, services, timers, messages, search, keys)


def _write(session: Session, read: InstanceRecord, written: InstanceRecord) -> None:
    store.update_instance(session, read, **_written(written))


def _written(written: InstanceRecord) -> dict[str, Any]:
    """The columns a step writes to its instance."""
    return {"state": written.state, "state_version": STATE_VERSION, "status": written.status,
            "error": written.error, "ended_at": clock.now() if written.status == COMPLETED else None}


class _Before(NamedTuple):
    """What an instance waited in before a step: the ids the projections hold, its correlation keys when it waits
    for a message, and its timers with their due times."""

    users: list[str]
    services: list[str]
    timers: list[str]
    messages: list[str]
    keys: dict[str, str]
    timer_dues: list[runtime.WaitingTimer]


def _waiting(workflow) -> _Before:
    """What the instance waits in now (one walk of its tasks), to diff the projections against after the step."""
    waits = events.waits(workflow)
    message_ids = list(dict.fromkeys(m.id for m in waits.messages))
    keys = subscriptions.key_values(runtime.variables(workflow)) if message_ids else {}
    return _Before([str(t.id) for t in waits.users], [t.id for t in waits.services], [t.id for t in waits.timers],
                   message_ids, keys, waits.timers)


def _is_external(topic: str) -> bool:
    return topic not in registry


def _project(session: Session, step: _Step, *, before, completed: str | None, scope: Scope) -> None:
    """Bring the task projection and the jobs up to date and write the step's audit events. A failed step only
    closes the task it completed: the rest stays as it was, for whoever repairs the instance. The statements are
    sent `pipelined` (no result of them may be read here); the instance's versioned write comes before. The tasks
    a step of `escalation` (a boundary timer fired) created are marked `escalated` in their events."""
    record = step.record
    if record.status == FAILED:
        before = ([completed] if completed else [], [], [], [], {})
    with store.pipelined(session):
        created = store.project_tasks(session, record, before[0], step.users, completed=completed,
                                      actor=scope.username)
        if step.escalation:
            for created_event in created:
                created_event["detail"]["escalated"] = True
        step.events += created
        job_ids = store.project_jobs(session, record, before[1], step.services, is_external=_is_external,
                                     retries_of=retries_of)
        store.project_timers(session, record, before[2], step.timers)
        subscriptions.project_messages(session, record, before[3], step.messages, before[4], step.keys)
        task_search.project(session, record.id, record.partner_id, step.search)
        step.events += [store.event("job_created", record.id, record.partner_id, scope.username, job_id=job_id)
                        for job_id in job_ids]
        store.write_events(session, step.events)


def _dispatch(events: list[dict]) -> None:
    """After the commit: tell the workers about the jobs just created, and the listeners about the events."""
    dispatch.committed(events)
