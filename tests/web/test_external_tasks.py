"""External tasks through Camunda's official Python client against the served app: fetch and lock, complete,
failure with retries, incidents and their retry, and the errors Camunda gives."""

from __future__ import annotations

import time

import pytest
import requests
from camunda.client.external_task_client import ExternalTaskClient

from db import Base
from engine import instances
from engine.deployment import deploy
from identity.seed import seed_demo
from tests.conftest import PROJECT, make_test_app
from tests.support.live_server import serving
from web.extensions import db
from web.rules import deploy_rules

AUTH = {"auth_basic": {"username": "demo", "password": "demo"}}


@pytest.fixture
def engine_rest(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'external.sqlite'}", EXTERNAL_TOPICS=["crm.sync"])
    with app.app_context():
        Base.metadata.create_all(db.engine)
        seed_demo(db.session)
        deploy(db.session, {"crm_sync.bpmn": (PROJECT / "tests" / "diagrams" / "crm_sync.bpmn").read_bytes()},
               name="crm", rules=deploy_rules(app))
        db.session.remove()
    with serving(app) as base_url:
        yield app, f"{base_url}/engine-rest"


def _start(app, inn: str = "7707083893") -> str:
    with app.app_context():
        try:
            return instances.start_process(db.session, "crm_sync", {"inn": inn, "client": "ООО «Ромашка»"}).id
        finally:
            db.session.remove()


def _client(rest: str, worker: str, **config) -> ExternalTaskClient:
    return ExternalTaskClient(worker, rest, {**AUTH, "asyncResponseTimeout": 0, "lockDuration": 60_000, **config})


def _get(rest: str, path: str):
    return requests.get(f"{rest}{path}", auth=("demo", "demo"), timeout=10).json()


def test_a_worker_fetches_locks_and_completes_a_task(engine_rest):
    app, rest = engine_rest
    instance_id = _start(app)
    worker = _client(rest, "crm-worker-1")
    [task] = worker.fetch_and_lock("crm.sync")
    assert task["topicName"] == "crm.sync" and task["processInstanceId"] == instance_id
    assert task["variables"]["inn"] == {"value": "7707083893", "type": "String", "valueInfo": {}}
    assert task["workerId"] == "crm-worker-1" and task["lockExpirationTime"]
    assert worker.fetch_and_lock("crm.sync") == []  # locked: nobody gets it twice
    assert worker.complete(task["id"], {"crm_id": 42}) is True
    assert _get(rest, f"/history/process-instance/{instance_id}")["state"] == "COMPLETED"
    assert _get(rest, f"/history/process-instance/{instance_id}")["id"] == instance_id


def test_unknown_topics_give_an_empty_list_and_long_polling_waits_for_work(engine_rest):
    app, rest = engine_rest
    assert _client(rest, "w").fetch_and_lock("no.such.topic") == []
    began = time.monotonic()
    assert _client(rest, "w", asyncResponseTimeout=600).fetch_and_lock("crm.sync") == []
    assert time.monotonic() - began >= 0.5


def test_completing_a_task_locked_by_another_worker_is_refused(engine_rest):
    app, rest = engine_rest
    _start(app)
    [task] = _client(rest, "first").fetch_and_lock("crm.sync")
    response = requests.post(f"{rest}/external-task/{task['id']}/complete", auth=("demo", "demo"),
                             json={"workerId": "second", "variables": {}}, timeout=10)
    assert response.status_code == 400 and "locked by worker 'first'" in response.json()["message"]


def test_failures_retry_then_become_an_incident_that_can_be_retried(engine_rest):
    app, rest = engine_rest
    instance_id = _start(app)
    worker = _client(rest, "w")
    [task] = worker.fetch_and_lock("crm.sync")
    assert worker.failure(task["id"], "CRM недоступна", "HTTP 503", retries=1, retry_timeout=0) is True
    [again] = worker.fetch_and_lock("crm.sync")
    assert again["id"] == task["id"] and again["retries"] == 1 and again["errorMessage"] == "CRM недоступна"
    assert worker.failure(again["id"], "CRM недоступна", "HTTP 503", retries=0, retry_timeout=0) is True
    assert worker.fetch_and_lock("crm.sync") == []
    [incident] = _get(rest, "/incident")
    assert (incident["processInstanceId"], incident["incidentType"]) == (instance_id, "failedExternalTask")
    assert incident["incidentMessage"] == "CRM недоступна" and incident["activityId"] == "sync"
    retried = requests.put(f"{rest}/job/{incident['configuration']}/retries", auth=("demo", "demo"),
                           json={"retries": 2}, timeout=10)
    assert retried.status_code == 204 and _get(rest, "/incident") == []
    [fetched] = worker.fetch_and_lock("crm.sync")
    assert worker.complete(fetched["id"], {}) is True


def test_an_uncaught_bpmn_error_becomes_an_incident(engine_rest):
    app, rest = engine_rest
    _start(app)
    worker = _client(rest, "w")
    [task] = worker.fetch_and_lock("crm.sync")
    assert worker.bpmn_failure(task["id"], "CLIENT_NOT_FOUND", "нет такого клиента") is True
    [incident] = _get(rest, "/incident")
    assert "CLIENT_NOT_FOUND" in incident["incidentMessage"]


def test_a_bpmn_error_from_a_worker_is_caught_by_the_error_boundary_event(engine_rest):
    app, rest = engine_rest
    with app.app_context():
        deploy(db.session, {"crm_sync_guarded.bpmn": (PROJECT / "tests" / "diagrams" / "crm_sync_guarded.bpmn")
                            .read_bytes()}, name="guarded", rules=deploy_rules(app))
        instance_id = instances.start_process(db.session, "crm_sync_guarded", {"inn": "0000000000"}).id
        db.session.remove()
    worker = _client(rest, "w")
    [task] = worker.fetch_and_lock("crm.sync")
    assert worker.bpmn_failure(task["id"], "CLIENT_NOT_FOUND", "нет такого клиента",
                               {"reason": "ИНН не найден"}) is True
    assert _get(rest, "/incident") == []
    [fix] = _get(rest, f"/task?processInstanceId={instance_id}")
    assert fix["taskDefinitionKey"] == "fix_client"
    reason = _get(rest, f"/process-instance/{instance_id}/variables/reason")
    assert reason["value"] == "ИНН не найден"
