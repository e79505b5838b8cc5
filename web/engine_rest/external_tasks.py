"""Camunda's external-task API: workers in any language fetch and lock jobs of their topics, then report back.
Also incidents (jobs whose retries ran out) and setting retries again."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Blueprint, jsonify, request

from engine import instances as instance_service
from engine import jobs
from engine.errors import Conflict, InvalidInput
from engine.models import Job, ProcessInstance
from engine.serializer import load_data
from web.engine_rest import variables
from web.engine_rest.http import bounded_text, current_scope, json_body, no_content
from web.engine_rest.variables import format_date
from web.extensions import db

blueprint = Blueprint("external_tasks", __name__)
MAX_LONG_POLL_SECONDS = 30.0
POLL_INTERVAL_SECONDS = 0.25


def _milliseconds(value, name: str, *, minimum: int = 0) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(f"{name} must be an integer number of milliseconds >= {minimum}")
    return timedelta(milliseconds=value)


@blueprint.post("/external-task/fetchAndLock")
def fetch_and_lock():
    body = json_body()
    worker_id = bounded_text(body.get("workerId"), "workerId", 200, required=True)
    max_tasks = body.get("maxTasks", 1)
    if isinstance(max_tasks, bool) or not isinstance(max_tasks, int) or not 0 < max_tasks <= 100:
        raise InvalidInput("maxTasks must be an integer from 1 to 100")
    topics = body.get("topics") or []
    if not isinstance(topics, list) or not all(isinstance(t, dict) and isinstance(t.get("topicName"), str)
                                               for t in topics):
        raise InvalidInput("topics must be a list of {topicName, lockDuration}")
    wait = _milliseconds(body.get("asyncResponseTimeout", 0), "asyncResponseTimeout").total_seconds()
    deadline = time.monotonic() + min(wait, MAX_LONG_POLL_SECONDS)
    while True:
        locked = []
        for topic in topics:
            lease = _milliseconds(topic.get("lockDuration", 60_000), "lockDuration", minimum=1)
            locked += [(record, topic) for record in jobs.claim(
                db.session, worker_id, external=True, topics=[topic["topicName"]], limit=max_tasks - len(locked),
                lease=lease, scope=current_scope())]
            if len(locked) >= max_tasks:
                break
        if locked or time.monotonic() >= deadline:
            return jsonify([_locked_task(record.id, topic.get("variables")) for record, topic in locked])
        time.sleep(POLL_INTERVAL_SECONDS)


def _locked_task(job_id: str, names: list[str] | None) -> dict:
    job = db.session.get(Job, job_id)
    values = {**instance_service.instance_variables(db.session, job.instance_id), **load_data(job.payload)}
    if names is not None:
        values = {name: value for name, value in values.items() if name in names}
    return {**_shape(job), "variables": variables.encode(values)}


def _shape(job: Job) -> dict:
    instance = db.session.get(ProcessInstance, job.instance_id)
    return {
        "activityId": job.task_key, "activityInstanceId": job.task_id, "errorMessage": job.error_message,
        "errorDetails": job.error_details, "executionId": job.instance_id, "id": job.id,
        "lockExpirationTime": format_date(job.lock_expires_at), "processDefinitionId": instance.definition_id,
        "processDefinitionKey": job.definition_key, "processInstanceId": job.instance_id, "retries": job.retries,
        "suspended": instance.status == "suspended", "workerId": job.locked_by, "topicName": job.topic,
        "tenantId": None, "priority": job.priority, "businessKey": instance.business_key,
    }


@blueprint.get("/external-task")
def index():
    args = request.args
    statuses = ("locked",) if args.get("locked") == "true" else ("pending",) if args.get("notLocked") == "true" \
        else ("pending", "locked", "incident")
    found = jobs.find(db.session, current_scope(), statuses=statuses, external=True, topic=args.get("topicName"),
                      instance_id=args.get("processInstanceId"), worker_id=args.get("workerId"))
    return jsonify([_shape(job) for job in found])


@blueprint.get("/external-task/<job_id>")
def get(job_id: str):
    return jsonify(_shape(jobs.job_or_404(db.session, job_id, current_scope())))


def _held(job_id: str) -> tuple[Job, str]:
    """The job, if it exists for the caller, and the worker that says it holds it."""
    job = jobs.job_or_404(db.session, job_id, current_scope())
    return job, bounded_text(json_body().get("workerId"), "workerId", 200, required=True)


def _not_holding(job: Job, worker_id: str):
    return InvalidInput(f"External Task {job.id} cannot be completed by worker '{worker_id}'. It is locked by "
                        f"worker '{job.locked_by}'.")


@blueprint.post("/external-task/<job_id>/complete")
def complete(job_id: str):
    job, worker_id = _held(job_id)
    result = variables.decode(json_body().get("variables"))
    if jobs.complete(db.session, job.id, worker_id, result, scope=current_scope()) == "lost":
        raise _not_holding(job, worker_id)
    return no_content()


@blueprint.post("/external-task/<job_id>/failure")
def failure(job_id: str):
    job, worker_id = _held(job_id)
    body = json_body()
    retries = body.get("retries")
    if retries is not None and (isinstance(retries, bool) or not isinstance(retries, int) or retries < 0):
        raise InvalidInput("retries must be a non-negative integer")
    timeout = _milliseconds(body.get("retryTimeout", 0), "retryTimeout")
    message = bounded_text(body.get("errorMessage") or "external worker failure", "errorMessage", 2000)
    details = body.get("errorDetails") if isinstance(body.get("errorDetails"), str) else None
    if jobs.fail(db.session, job.id, worker_id, message, details, retries=retries, retry_timeout=timeout) == "lost":
        raise _not_holding(job, worker_id)
    return no_content()


@blueprint.post("/external-task/<job_id>/bpmnError")
def bpmn_error(job_id: str):
    """An error boundary event with the code (or none) catches the error; uncaught, it becomes an incident (Camunda
    ends the instance silently then; an incident is easier to find)."""
    job, worker_id = _held(job_id)
    body = json_body()
    code = bounded_text(body.get("errorCode"), "errorCode", 200, required=True)
    message = bounded_text(body.get("errorMessage"), "errorMessage", 2000)
    values = variables.decode(body.get("variables"))
    if jobs.throw_error(db.session, job.id, worker_id, code, message, values, scope=current_scope()) == "lost":
        raise _not_holding(job, worker_id)
    return no_content()


@blueprint.post("/external-task/<job_id>/extendLock")
def extend_lock(job_id: str):
    job, worker_id = _held(job_id)
    try:
        jobs.extend_lock(db.session, job.id, worker_id, _milliseconds(json_body().get("newDuration"), "newDuration",
                                                                      minimum=1))
    except Conflict:
        raise _not_holding(job, worker_id) from None
    return no_content()


@blueprint.post("/external-task/<job_id>/unlock")
def unlock(job_id: str):
    jobs.unlock(db.session, job_id, scope=current_scope())
    return no_content()


@blueprint.get("/incident")
def incidents():
    found = jobs.find(db.session, current_scope(), statuses=("incident",),
                      instance_id=request.args.get("processInstanceId"))
    return jsonify([_incident(job) for job in found])


def _incident(job: Job) -> dict:
    return {
        "id": job.id, "processDefinitionId": db.session.get(ProcessInstance, job.instance_id).definition_id,
        "processInstanceId": job.instance_id, "executionId": job.instance_id,
        "incidentTimestamp": format_date(job.ended_at or job.due_at),
        "incidentType": "failedExternalTask" if job.external else "failedJob", "activityId": job.task_key,
        "failedActivityId": job.task_key, "causeIncidentId": job.id, "rootCauseIncidentId": job.id,
        "configuration": job.id, "tenantId": None, "incidentMessage": job.error_message, "jobDefinitionId": None,
        "annotation": None,
    }


def _set_retries(job_id: str):
    retries = json_body().get("retries")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 1:
        raise InvalidInput("retries must be a positive integer")
    jobs.set_retries(db.session, job_id, retries, scope=current_scope())
    return no_content()


@blueprint.put("/job/<job_id>/retries")
def job_retries(job_id: str):
    return _set_retries(job_id)


@blueprint.put("/external-task/<job_id>/retries")
def external_task_retries(job_id: str):
    return _set_retries(job_id)
