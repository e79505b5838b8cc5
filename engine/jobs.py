"""Working jobs: claim with a lease, run the operator outside any transaction, complete or fail in a new one.

The same functions serve the embedded worker thread, the Celery workers and Camunda external-task workers
(`fetchAndLock`). A job whose worker died is claimed again once its lease has expired; the operator then runs again
with the same idempotency key (the job id), so its side effect still happens once.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from engine import bpmn_errors, clock, instances, store
from engine.errors import Conflict, NotFound
from engine.models import JOB_SENT, JOB_UNSENT, Job
from engine.operators import BpmnError, registry
from engine.retry import retry_policy
from engine.scope import SYSTEM, Scope
from engine.serializer import load_data

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
COMPLETION_ATTEMPTS = 5  # a completion that loses an optimistic race to another job of the instance tries again
_jobs = Job.__table__


@dataclass(frozen=True)
class JobRecord:
    id: str
    instance_id: str
    task_id: str
    topic: str
    payload: str
    retries: int
    retry_cycle: str | None
    attempts: int
    partner_id: int | None
    locked_by: str | None


_COLUMNS = (_jobs.c.id, _jobs.c.instance_id, _jobs.c.task_id, _jobs.c.topic, _jobs.c.payload, _jobs.c.retries,
            _jobs.c.retry_cycle, _jobs.c.attempts, _jobs.c.partner_id, _jobs.c.locked_by)


def _claimable(now):
    """Pending and due, or locked by a worker whose lease has expired."""
    return or_(and_(_jobs.c.status == "pending", _jobs.c.due_at <= now),
               and_(_jobs.c.status == "locked", _jobs.c.lock_expires_at < now))


# A worker's own statements are built once: building the claim costs more than PostgreSQL takes to run it.
_NOW = bindparam("b_now", type_=DateTime())
_LOCK = (update(_jobs).values(status="locked", locked_by=bindparam("b_worker"),
                              lock_expires_at=bindparam("b_expires", type_=DateTime()), attempts=_jobs.c.attempts + 1,
                              sent_at=None)  # its message is used up; should the lease run out, the sweep sends anew
         .returning(*_COLUMNS))
# by external: one named job (a Celery task names its job), or the rows just chosen
_LOCK_NAMED = {external: _LOCK.where(_jobs.c.id == bindparam("b_id"), _claimable(_NOW), _jobs.c.external.is_(external))
               for external in (False, True)}
_LOCK_CHOSEN = {external: _LOCK.where(_jobs.c.id.in_(bindparam("b_ids", expanding=True)), _claimable(_NOW),
                                      _jobs.c.external.is_(external)) for external in (False, True)}
# The sweep's statements (`Sweep`), each answered from a partial index of `Job`: the jobs with no message out
# (a few), and those with one (the backlog, counted and read oldest sent first).
_SENT_BEFORE = bindparam("b_sent", type_=DateTime())
_UNSENT = (select(_jobs.c.id).where(JOB_UNSENT, _claimable(_NOW)).order_by(_jobs.c.due_at)
           .limit(bindparam("b_limit")))
_SENT_COUNT = select(func.count()).select_from(_jobs).where(JOB_SENT)
_LOST = (select(_jobs.c.id).where(JOB_SENT, _jobs.c.sent_at < _SENT_BEFORE, _claimable(_NOW))
         .order_by(_jobs.c.sent_at).limit(bindparam("b_limit")))
_STAMP = (update(_jobs).where(_jobs.c.id.in_(bindparam("b_ids", expanding=True)), _claimable(_NOW),
                              or_(_jobs.c.sent_at.is_(None), _jobs.c.sent_at < _SENT_BEFORE))
          .values(sent_at=_NOW).returning(_jobs.c.id))
_LOCKED_BY = select(*_COLUMNS).where(_jobs.c.id == bindparam("b_id"), _jobs.c.status == "locked",
                                     _jobs.c.locked_by == bindparam("b_worker"))


def claim(session: Session, worker_id: str, *, external: bool = False, topics: list[str] | None = None,
          job_id: str | None = None, limit: int = 1, lease: timedelta = LEASE,
          scope: Scope = SYSTEM) -> list[JobRecord]:
    """Lock up to `limit` ready jobs for `worker_id` and commit; two workers never get the same job."""
    now = clock.now()
    lock_params = {"b_now": now, "b_worker": worker_id, "b_expires": now + lease}
    if job_id is not None:
        # One UPDATE whose own conditions decide. A worker that meets the row locked by another waits for it, then
        # PostgreSQL checks the conditions again on the row as the other left it, so the job is claimed once. A
        # single statement is its own transaction: in autocommit it takes one round trip, not three.
        session.commit()
        connection = session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        rows = connection.execute(scope.restrict(_LOCK_NAMED[external], _jobs.c.partner_id),
                                  {**lock_params, "b_id": job_id}).all()
        session.commit()
        return [JobRecord(*row) for row in rows]
    connection = session.connection()
    candidates = select(_jobs.c.id).where(_claimable(_NOW), _jobs.c.external.is_(external))
    if topics is not None:
        candidates = candidates.where(_jobs.c.topic.in_(topics))
    candidates = (scope.restrict(candidates, _jobs.c.partner_id).order_by(_jobs.c.priority.desc(), _jobs.c.due_at)
                  .limit(limit).with_for_update(skip_locked=True))
    lock = scope.restrict(_LOCK_CHOSEN[external], _jobs.c.partner_id)
    # Lock the chosen rows first (PostgreSQL skips rows other workers hold), then update exactly those: inside one
    # UPDATE … IN (SELECT … SKIP LOCKED) PostgreSQL may re-run the subquery and lock more. The UPDATE checks again
    # that each row is still claimable, because SQLite reads without locks: a worker that lost the race to a row
    # gets nothing for it and looks again.
    rows: list = []
    for _ in range(3):
        ids = list(connection.execute(candidates, {"b_now": now}).scalars())
        if not ids:
            break
        rows = connection.execute(lock, {**lock_params, "b_ids": ids}).all()
        if rows:
            break
    session.commit()
    return [JobRecord(*row) for row in rows]


def run(session: Session, job: JobRecord, worker_id: str,
        context: Callable[[], AbstractContextManager] = nullcontext) -> str:
    """Call the job's operator (inside a fresh `context()`) and report the result; 'done', 'retry', 'incident' or
    'lost' (someone else finished it, or the instance ended meanwhile)."""
    try:
        result = registry.call_in_time(job.topic, load_data(job.payload), idempotency_key=job.id, context=context)
    except BpmnError as error:
        return throw_error(session, job.id, worker_id, error.code, error.message, error.variables)
    except Exception as error:  # noqa: BLE001 — any operator failure is the job's, reported as retry or incident
        log.warning("job %s (%s) failed: %s", job.id, job.topic, error, extra={"job_id": job.id,
                                                                              "instance_id": job.instance_id})
        return fail(session, job.id, worker_id, f"{type(error).__name__}: {error}", traceback.format_exc())
    return complete(session, job.id, worker_id, result, claimed=job)


def complete(session: Session, job_id: str, worker_id: str, result: dict, *, scope: Scope = SYSTEM,
             claimed: JobRecord | None = None) -> str:
    """Apply a worker's result to its instance (retrying a lost optimistic race); 'done', 'lost', or 'incident'
    when the instance cannot take the result (it failed or was suspended meanwhile). A worker that has the job as
    it `claimed` it saves reading it again."""
    return _apply(session, job_id, worker_id, "the result", lambda job: instances.complete_service_task(
        session, job.instance_id, job.task_id, result, job_id=job.id, worker_id=worker_id, scope=scope), claimed)


def throw_error(session: Session, job_id: str, worker_id: str, code: str, message: str | None = None,
                variables: dict | None = None, *, scope: Scope = SYSTEM) -> str:
    """A worker reports the BPMN error `code`: 'done' when an error boundary event caught it, 'incident' when
    none does (no retries: the outcome would be the same), 'lost' when the worker does not hold the job."""
    try:
        return _apply(session, job_id, worker_id, "the BPMN error", lambda job: instances.throw_bpmn_error(
            session, job.instance_id, job.task_id, code, message, variables, job_id=job.id, worker_id=worker_id,
            scope=scope))
    except bpmn_errors.UncaughtError as uncaught:
        session.rollback()
        return fail(session, job_id, worker_id, str(uncaught), retries=0)


def _apply(session: Session, job_id: str, worker_id: str, what: str, apply, job: JobRecord | None = None) -> str:
    """Apply what the worker holding the job reported, reading the job and the instance again after a lost
    optimistic race with another job of it; 'done', 'lost' (the worker does not hold the job) or 'incident'. The
    transaction that applies it marks the job done only if the worker still holds it, so a `job` the caller
    already has needs no first read."""
    reason = ""
    for _ in range(COMPLETION_ATTEMPTS):
        job = job or _locked_by(session, job_id, worker_id)
        if job is None:
            return "lost"
        try:
            apply(job)
            return "done"
        except Conflict as conflict:
            session.rollback()
            reason = str(conflict)
            job = None
    return fail(session, job_id, worker_id, f"{what} could not be applied: {reason}", retries=0)


def fail(session: Session, job_id: str, worker_id: str, message: str, details: str | None = None, *,
         retries: int | None = None, retry_timeout: timedelta | None = None) -> str:
    """Record a failed try: back to pending after the retry delay, or an incident when no retries are left.
    External workers pass their own `retries` and `retry_timeout`, as Camunda's failure call does."""
    job = _locked_by(session, job_id, worker_id)
    if job is None:
        return "lost"
    left = job.retries - 1 if retries is None else retries
    values = {"error_message": message[:2000], "error_details": details, "locked_by": None, "lock_expires_at": None,
              "retries": max(left, 0), "sent_at": None}
    if left > 0:
        delay = retry_timeout if retry_timeout is not None else retry_policy(job.retry_cycle).delay_after(job.attempts)
        values.update(status="pending", due_at=clock.now() + delay)
        outcome, kind = "retry", "job_failed"
    else:
        values.update(status="incident")
        outcome, kind = "incident", "incident_created"
    session.connection().execute(update(_jobs).where(_jobs.c.id == job_id).values(**values))
    store.write_events(session, [store.event(kind, job.instance_id, job.partner_id, worker_id, task_id=job.task_id,
                                             job_id=job_id, message=message[:500])])
    session.commit()
    return outcome


def extend_lock(session: Session, job_id: str, worker_id: str, duration: timedelta) -> None:
    """Give the worker holding a job more time (an external worker's extendLock)."""
    changed = session.connection().execute(
        update(_jobs).where(_jobs.c.id == job_id, _jobs.c.status == "locked", _jobs.c.locked_by == worker_id)
        .values(lock_expires_at=clock.now() + duration)).rowcount
    session.commit()
    if not changed:
        raise Conflict(f"job {job_id} is not locked by {worker_id}")


def unlock(session: Session, job_id: str, *, scope: Scope = SYSTEM) -> None:
    """Release a locked job so that any worker may fetch it again."""
    _job(session, job_id, scope)
    session.connection().execute(
        update(_jobs).where(_jobs.c.id == job_id, _jobs.c.status == "locked")
        .values(status="pending", locked_by=None, lock_expires_at=None, due_at=clock.now(), sent_at=None))
    session.commit()


def find(session: Session, scope: Scope, *, statuses: tuple[str, ...] = (), external: bool | None = None,
         topic: str | None = None, instance_id: str | None = None, worker_id: str | None = None,
         limit: int = 200) -> list[Job]:
    """Jobs for the monitor and the external-task list, newest first."""
    statement = scope.restrict(select(Job), Job.partner_id).order_by(Job.created_at.desc()).limit(limit)
    for column, value in ((Job.topic, topic), (Job.instance_id, instance_id), (Job.locked_by, worker_id),
                          (Job.external, external)):
        if value is not None:
            statement = statement.where(column == value)
    if statuses:
        statement = statement.where(Job.status.in_(statuses))
    return list(session.scalars(statement))


def job_or_404(session: Session, job_id: str, scope: Scope) -> Job:
    job = session.get(Job, job_id)
    if job is None or not scope.allows(job.partner_id):
        raise NotFound(f"job {job_id} does not exist")
    return job


def set_retries(session: Session, job_id: str, retries: int, *, scope: Scope = SYSTEM) -> None:
    """Give a failed job (an incident) `retries` more tries, due now."""
    if retries < 1:
        raise Conflict("retries must be at least 1")
    scope.require_operator("retrying a job")
    job = _job(session, job_id, scope)
    changed = session.connection().execute(
        update(_jobs).where(_jobs.c.id == job.id, _jobs.c.status.in_(("incident", "pending")))
        .values(status="pending", retries=retries, due_at=clock.now(), locked_by=None, lock_expires_at=None,
                sent_at=None)
    ).rowcount
    if not changed:
        session.rollback()
        raise Conflict(f"job {job_id} is not waiting for retries")
    store.write_events(session, [store.event("job_retries_set", job.instance_id, job.partner_id, scope.username,
                                             task_id=job.task_id, job_id=job_id, retries=retries)])
    session.commit()


class Sweep:
    """The scheduler's sweep: the ready platform jobs that need a broker message again, marked sent now and
    committed (the scheduler sends them). Those with no message out, as soon as they are ready: a retry that fell
    due, a claim whose lease ran out, a job from before `sent_at`. And those whose message was lost: a flushed
    Redis, a worker that died holding it.

    Which messages were lost the broker's queue tells, `queued` messages long. It is first in, first out, so the
    messages still in it are those of the `queued` jobs sent last; the jobs sent before them, beyond the queue, had
    their message taken. Most of those are about to be claimed by the worker that took it, so a job beyond the queue
    is only suspected; one still beyond it `grace` later (the worker that took it never claimed it) is sent again,
    oldest first. So a backlog, however long and however fast the workers drain it, gets no second messages.
    Messages in the queue for jobs that need none any more (claimed meanwhile, sent twice) make it look longer: a
    lost message waits until they are drained. With `queued` None (the broker could not tell), a message is
    presumed lost once it is a `lease` old."""

    def __init__(self, grace: timedelta, lease: timedelta = LEASE, limit: int = 1000) -> None:
        self.grace, self.lease, self.limit = grace, lease, limit
        self._suspected: dict[str, datetime] = {}  # job id → when the sweep first found it beyond the queue

    def __call__(self, session: Session, queued: int | None) -> list[str]:
        now = clock.now()
        connection = session.connection()
        ids = list(connection.execute(_UNSENT, {"b_now": now, "b_limit": self.limit}).scalars())
        older_than = now - (self.lease if queued is None else self.grace)
        beyond = self.limit if queued is None else connection.execute(_SENT_COUNT).scalar_one() - queued
        taken = list(connection.execute(_LOST, {"b_now": now, "b_sent": older_than,
                                                "b_limit": min(beyond, self.limit)}).scalars()) if beyond > 0 else []
        if queued is None:
            lost = taken
        else:
            self._suspected = {job_id: self._suspected.get(job_id, now) for job_id in taken}
            lost = [job_id for job_id, since in self._suspected.items() if now - since >= self.grace]
        ids += lost[:self.limit - len(ids)]
        # Stamped only if no other scheduler sent it meanwhile (PostgreSQL checks again after waiting for the row).
        sent = list(connection.execute(_STAMP, {"b_ids": ids, "b_now": now, "b_sent": older_than}).scalars()
                    ) if ids else []
        session.commit()
        for job_id in sent:
            self._suspected.pop(job_id, None)
        return sent


def work_once(session: Session, worker_id: str, job_id: str | None = None, lease: timedelta = LEASE,
              context: Callable[[], AbstractContextManager] = nullcontext) -> str | None:
    """Claim one ready platform job (or the given one) and run it, the operator inside a fresh `context()`;
    None when there was nothing to do."""
    claimed = claim(session, worker_id, job_id=job_id, lease=lease)
    return run(session, claimed[0], worker_id, context) if claimed else None


def _locked_by(session: Session, job_id: str, worker_id: str) -> JobRecord | None:
    row = session.connection().execute(_LOCKED_BY, {"b_id": job_id, "b_worker": worker_id}).one_or_none()
    return JobRecord(*row) if row else None


def _job(session: Session, job_id: str, scope: Scope) -> JobRecord:
    row = session.connection().execute(select(*_COLUMNS).where(_jobs.c.id == job_id)).one_or_none()
    if row is None or not scope.allows(row.partner_id):
        raise NotFound(f"job {job_id} does not exist")
    return JobRecord(*row)
