"""/engine-rest through Flask's test client: Camunda's shapes, typed variables, status codes and errors."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from engine.models import HumanTask
from tests.web.conftest import basic
from tests.web.worklist.support import deploy_contractor_check, start_contractor_check

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
DEMO = basic("demo")


def _deploy(client, *paths: Path, name: str = "regulation"):
    data = {"deployment-name": name, "deployment-source": "Camunda Modeler"}
    for path in paths:
        data[path.name] = (io.BytesIO(path.read_bytes()), path.name)
    return client.post("/engine-rest/deployment/create", data=data, headers=DEMO, content_type="multipart/form-data")


@pytest.fixture
def regulation(client, users):
    response = _deploy(client, PROCESSES / "debtor_claim.bpmn", PROCESSES / "debt_stage.dmn")
    assert response.status_code == 200, response.json
    return response.json


def _start(client, headers=DEMO, **variables):
    body = {"businessKey": "ЛС-42", "variables": variables}
    return client.post("/engine-rest/process-definition/key/debtor_claim/start", json=body, headers=headers)


CLAIM = {
    "client_type": {"value": "ЮЛ", "type": "String"},
    "debt": {"value": "50000.00", "type": "String"},
    "due_date": {"value": "2026-02-10", "type": "String"},
    "until": {"value": "2026-03-31", "type": "String"},
}


def test_every_request_needs_valid_basic_credentials(client, users):
    assert client.get("/engine-rest/version").status_code == 401
    assert client.get("/engine-rest/version", headers=basic("demo", "wrong")).status_code == 401
    response = client.get("/engine-rest/version", headers=DEMO)
    assert response.status_code == 200 and response.json["version"].startswith("7.")


def test_deployment_create_answers_as_camunda_does(regulation):
    [process] = regulation["deployedProcessDefinitions"].values()
    [decision] = regulation["deployedDecisionDefinitions"].values()
    assert (process["key"], process["version"], process["name"]) == ("debtor_claim", 1, "Работа с дебитором")
    assert decision["key"] == "debt_stage" and regulation["name"] == "regulation"


def test_a_broken_deployment_gets_a_parse_exception_with_the_element(client, users, tmp_path):
    broken = tmp_path / "debtor_claim.bpmn"
    broken.write_bytes((PROCESSES / "debtor_claim.bpmn").read_bytes().replace(b"billing.compute_penalty",
                                                                                b"billing.nonexistent"))
    response = _deploy(client, broken, PROCESSES / "debt_stage.dmn")
    assert response.status_code == 400
    assert response.json["type"] == "ParseException"
    [error] = response.json["details"]["debtor_claim.bpmn"]["errors"]
    assert error["mainElementId"] == "Task_penalty" and "billing.nonexistent" in error["message"]
    assert client.get("/engine-rest/process-definition", headers=DEMO).json == []


def test_a_claim_runs_through_the_decision_and_the_real_penalty_operator(client, regulation):
    started = _start(client, **CLAIM)
    assert started.status_code == 200, started.json
    instance_id = started.json["id"]
    assert started.json["businessKey"] == "ЛС-42" and started.json["ended"] is False
    variables = client.get(f"/engine-rest/process-instance/{instance_id}/variables", headers=DEMO).json
    assert variables["stage"] == {"value": "claim", "type": "String", "valueInfo": {}}
    assert variables["penalty"]["value"] == "1790.38"  # shared/DOMAIN.md: 49 days × 50,000 × 9.5% / 130
    [task] = client.get(f"/engine-rest/task?processInstanceId={instance_id}", headers=DEMO).json
    assert task["taskDefinitionKey"] == "Task_claim_review" and task["camundaFormRef"]["key"] == "claim_review"
    assert task["due"] is not None and task["priority"] == 70


def test_task_lifecycle_claim_complete_and_counts(client, regulation):
    instance_id = _start(client, **CLAIM).json["id"]
    assert client.get("/engine-rest/task/count?candidateGroup=uk_lawyer", headers=DEMO).json == {"count": 1}
    [task] = client.get("/engine-rest/task?candidateGroup=uk_lawyer", headers=DEMO).json
    assert client.post(f"/engine-rest/task/{task['id']}/claim", json={"userId": "uk_lawyer"},
                       headers=DEMO).status_code == 204
    other = client.post(f"/engine-rest/task/{task['id']}/claim", json={"userId": "someone"}, headers=DEMO)
    assert other.status_code == 409 and other.json["type"] == "OptimisticLockingException"
    assert client.get("/engine-rest/task?assignee=uk_lawyer", headers=DEMO).json[0]["id"] == task["id"]
    form = client.get(f"/engine-rest/task/{task['id']}/form-variables?variableNames=debt", headers=DEMO).json
    assert form == {"debt": {"value": "50000.00", "type": "String", "valueInfo": {}}}
    done = client.post(f"/engine-rest/task/{task['id']}/complete", headers=DEMO,
                       json={"variables": {"claim_sent": {"value": True, "type": "Boolean"},
                                           "claim_days": {"value": 30, "type": "Integer"}}})
    assert done.status_code == 204
    again = client.post(f"/engine-rest/task/{task['id']}/complete", json={}, headers=DEMO)
    assert again.status_code == 409
    assert client.get(f"/engine-rest/process-instance/{instance_id}", headers=DEMO).status_code == 404
    history = client.get(f"/engine-rest/history/process-instance/{instance_id}", headers=DEMO).json
    assert history["state"] == "COMPLETED" and history["endTime"] is not None


def test_variables_of_the_wrong_type_are_refused_and_nothing_starts(client, regulation):
    response = _start(client, debt={"value": "много", "type": "Integer"})
    assert response.status_code == 400 and "debt" in response.json["message"]
    assert client.get("/engine-rest/process-instance", headers=DEMO).json == []


def test_cancelling_suspending_and_editing_an_instance_are_for_managers_and_dispatchers(client, regulation):
    east = basic("partner_operator")
    instance_id = _start(client, headers=east, **CLAIM).json["id"]
    url = f"/engine-rest/process-instance/{instance_id}"
    for role in ("crew", "agent", "partner_operator"):
        refused = [client.put(f"{url}/suspended", json={"suspended": True}, headers=basic(role)),
                   client.post(f"{url}/variables", json={"modifications": {"note": {"value": "x", "type": "String"}}},
                               headers=basic(role)),
                   client.delete(url, headers=basic(role))]
        assert [(r.status_code, r.json["type"]) for r in refused] == [(403, "AuthorizationException")] * 3, role
    assert client.get(url, headers=east).json["suspended"] is False
    assert "note" not in client.get(f"{url}/variables", headers=east).json
    assert client.put(f"{url}/suspended", json={"suspended": True}, headers=basic("partner_manager")).status_code == 204
    assert client.delete(url, headers=basic("uk_dispatcher")).status_code == 204


def test_unknown_keys_and_ids_are_404_in_camundas_shape(client, users):
    response = client.post("/engine-rest/process-definition/key/nope/start", json={}, headers=DEMO)
    assert response.status_code == 404 and response.json["type"] == "InvalidRequestException"
    assert client.get("/engine-rest/process-instance/nope", headers=DEMO).status_code == 404
    assert client.post("/engine-rest/task/nope/complete", json={}, headers=DEMO).status_code == 404


def test_instance_delete_suspend_and_variable_modification(client, regulation):
    instance_id = _start(client, **CLAIM).json["id"]
    url = f"/engine-rest/process-instance/{instance_id}"
    assert client.put(f"{url}/suspended", json={"suspended": True}, headers=DEMO).status_code == 204
    assert client.get(url, headers=DEMO).json["suspended"] is True
    assert client.put(f"{url}/suspended", json={"suspended": False}, headers=DEMO).status_code == 204
    modified = client.post(f"{url}/variables", headers=DEMO, json={
        "modifications": {"note": {"value": "звонок", "type": "String"}}, "deletions": ["until"]})
    assert modified.status_code == 204
    values = client.get(f"{url}/variables", headers=DEMO).json
    assert values["note"]["value"] == "звонок" and "until" not in values
    assert client.delete(url, headers=DEMO).status_code == 204
    assert client.get(url, headers=DEMO).status_code == 404
    finished = client.get("/engine-rest/history/process-instance?finished=true", headers=DEMO).json
    assert [(h["id"], h["state"]) for h in finished] == [(instance_id, "EXTERNALLY_TERMINATED")]
    assert client.get(f"/engine-rest/task?processInstanceId={instance_id}", headers=DEMO).json == []


def test_a_partner_user_sees_only_its_partners_instances_and_tasks(client, regulation):
    east = basic("partner_operator")
    west = basic("west_operator")
    reminder = dict(CLAIM, until={"value": "2026-02-20", "type": "String"})
    instance_id = _start(client, headers=east, **reminder).json["id"]
    [task] = client.get("/engine-rest/task", headers=east).json
    assert task["taskDefinitionKey"] == "Task_reminder"
    assert client.get("/engine-rest/task", headers=west).json == []
    assert client.get(f"/engine-rest/process-instance/{instance_id}", headers=west).status_code == 404
    assert client.post(f"/engine-rest/task/{task['id']}/complete", json={}, headers=west).status_code == 404
    assert client.get(f"/engine-rest/process-instance/{instance_id}", headers=east).status_code == 200


def test_a_camunda_client_completes_a_form_task_with_a_date_and_only_what_it_changes(client, regulation):
    """A `Date` variable fills a date field as form-js holds it (ISO text); a required field the task already has a
    value for need not be sent again."""
    operator = basic("partner_operator")
    reminder = dict(CLAIM, until={"value": "2026-02-20", "type": "String"})
    instance_id = _start(client, headers=operator, **reminder).json["id"]
    [task] = client.get("/engine-rest/task", headers=operator).json
    url = f"/engine-rest/task/{task['id']}"
    set_channel = {"modifications": {"channel": {"value": "phone", "type": "String"}}}
    assert client.post(f"/engine-rest/process-instance/{instance_id}/variables", json=set_channel,
                       headers=DEMO).status_code == 204
    promised = {"variables": {"promised_date": {"value": "2026-03-05T00:00:00.000+0000", "type": "Date"}}}
    done = client.post(f"{url}/complete", json={**promised, "withVariablesInReturn": True}, headers=operator)
    assert done.status_code == 200, done.json
    assert done.json["promised_date"]["value"].startswith("2026-03-05") and done.json["channel"]["value"] == "phone"


def test_a_decision_is_evaluated_on_its_own_with_feel_cells(client, regulation):
    url = "/engine-rest/decision-definition/key/debt_stage/evaluate"
    body = {"variables": {"client_type": {"value": "ФЛ", "type": "String"},
                          "overdue_days": {"value": 45, "type": "Integer"}}}
    response = client.post(url, json=body, headers=DEMO)
    assert response.status_code == 200
    assert response.json == [{"stage": {"value": "reminder", "type": "String", "valueInfo": {}}}]
    unmatched = dict(body["variables"], client_type={"value": "иное", "type": "String"})
    assert client.post(url, json={"variables": unmatched}, headers=DEMO).json == []


def test_a_decision_missing_its_inputs_is_a_clear_400(client, regulation):
    response = client.post("/engine-rest/decision-definition/key/debt_stage/evaluate", json={"variables": {}},
                           headers=DEMO)
    assert response.status_code == 400 and "debt_stage" in response.json["message"]


def test_an_upload_over_the_size_limit_is_refused_in_camundas_shape(client, users):
    huge = io.BytesIO(b" " * (11 * 1024 * 1024))
    response = client.post("/engine-rest/deployment/create", data={"big.bpmn": (huge, "big.bpmn")},
                           headers=DEMO, content_type="multipart/form-data")
    assert response.status_code == 413 and response.json["type"] == "RestException"


def test_only_analysts_and_admins_deploy(client, users):
    for username, status in (("crew", 403), ("partner_operator", 403), ("analyst", 200)):
        data = {path.name: (io.BytesIO(path.read_bytes()), path.name)
                for path in (PROCESSES / "debtor_claim.bpmn", PROCESSES / "debt_stage.dmn")}
        response = client.post("/engine-rest/deployment/create", data=data, headers=basic(username),
                                content_type="multipart/form-data")
        assert response.status_code == status, username
    assert response.json["deployedProcessDefinitions"]


def test_a_task_is_claimed_and_completed_only_by_whom_it_is_offered_to(client, regulation):
    _start(client, **CLAIM)
    [task] = client.get("/engine-rest/task?candidateGroup=uk_lawyer", headers=DEMO).json
    url = f"/engine-rest/task/{task['id']}"
    lawyer, accountant = basic("uk_lawyer"), basic("uk_accountant")
    assert client.post(f"{url}/claim", json={"userId": "uk_accountant"}, headers=accountant).status_code == 403
    assert client.post(f"{url}/claim", json={"userId": "uk_accountant"}, headers=lawyer).status_code == 403
    assert client.post(f"{url}/claim", json={"userId": "uk_lawyer"}, headers=lawyer).status_code == 204
    assert client.post(f"{url}/complete", json={}, headers=accountant).status_code == 403
    assert client.post(f"{url}/unclaim", headers=accountant).status_code == 403
    assert client.post(f"{url}/assignee", json={"userId": "uk_accountant"}, headers=lawyer).status_code == 403
    days = {"variables": {"claim_days": {"value": 30, "type": "Integer"}}}
    assert client.post(f"{url}/complete", json=days, headers=lawyer).status_code == 204


def test_a_submission_its_camunda_form_refuses_is_a_400_with_the_field_errors_and_the_task_stays_open(
        app, client, session, users):
    deploy_contractor_check(session, app)
    task_id = start_contractor_check(session, "east", "Д-1")
    url = f"/engine-rest/task/{task_id}/complete"
    body = {"variables": {"inn": {"value": "7707083894", "type": "String"},
                          "amount": {"value": "abc", "type": "String"}}}
    response = client.post(url, json=body, headers=basic("partner_operator"))
    assert response.status_code == 400 and response.json["type"] == "InvalidRequestException"
    assert response.json["errors"] == {"inn": ["Неверная контрольная сумма ИНН"], "amount": ["Введите число"]}
    assert "inn: Неверная контрольная сумма ИНН" in response.json["message"]
    assert "amount: Введите число" in response.json["message"]
    session.expire_all()
    assert session.get(HumanTask, task_id).status == "open"
    instance_id = session.get(HumanTask, task_id).instance_id
    values = client.get(f"/engine-rest/process-instance/{instance_id}/variables", headers=DEMO).json
    assert "inn" not in values and "amount" not in values
    missing = client.post(url, json={"variables": {"inn": {"value": "7707083893", "type": "String"}}},
                          headers=basic("partner_operator"))
    assert missing.status_code == 400 and missing.json["errors"] == {"amount": ["Обязательное поле"]}


def test_a_submission_its_camunda_form_accepts_completes_the_task_with_the_fields_typed_by_the_form(
        app, client, session, users):
    deploy_contractor_check(session, app)
    task_id = start_contractor_check(session, "east", "Д-1")
    body = {"withVariablesInReturn": True, "variables": {
        "inn": {"value": "7707083893", "type": "String"}, "amount": {"value": "1500,50", "type": "String"},
        "checked_by": {"value": "робот", "type": "String"}}}
    response = client.post(f"/engine-rest/task/{task_id}/complete", json=body, headers=basic("partner_operator"))
    assert response.status_code == 200, response.json
    assert response.json["inn"]["value"] == "7707083893" and response.json["amount"]["value"] == "1500.50"
    assert response.json["checked_by"]["value"] == "робот"  # a variable outside the form passes, as in Camunda
    session.expire_all()
    assert session.get(HumanTask, task_id).status == "completed"
    [following] = client.get(f"/engine-rest/task?processInstanceId={session.get(HumanTask, task_id).instance_id}",
                             headers=DEMO).json
    assert following["taskDefinitionKey"] == "Task_approve"
    done = client.post(f"/engine-rest/task/{following['id']}/complete", headers=basic("uk_lawyer"),
                       json={"variables": {"approved": {"value": True, "type": "Boolean"}}})
    assert done.status_code == 204


def test_values_the_database_would_refuse_are_a_clear_400(client, regulation):
    too_long = client.post("/engine-rest/process-definition/key/debtor_claim/start", headers=DEMO,
                           json={"businessKey": "Л" * 500, "variables": {}})
    assert too_long.status_code == 400
    nested = client.post("/engine-rest/process-definition/key/debtor_claim/start", headers=DEMO,
                         data="[" * 100_000, content_type="application/json")
    assert nested.status_code == 400
    assert client.get("/engine-rest/process-instance", headers=DEMO).json == []


def test_a_partner_user_cannot_put_an_instance_under_another_partner(client, regulation):
    response = _start(client, headers=basic("partner_operator"), partner_id={"value": 2, "type": "Integer"},
                      **CLAIM)
    assert response.status_code == 403


def test_a_rest_start_of_a_process_whose_only_start_event_is_a_daily_cycle_runs_one_path(client, users, tmp_path):
    diagram = Path(__file__).resolve().parents[1] / "diagrams" / "monthly_accrual.bpmn"
    daily = tmp_path / "monthly_accrual.bpmn"
    daily.write_bytes(diagram.read_bytes().replace(b"/P1M<", b"/P1D<"))
    assert _deploy(client, daily).status_code == 200
    with time_machine.travel(datetime(2026, 12, 20, 12, tzinfo=UTC), tick=False):  # 20 repetitions have passed
        response = client.post("/engine-rest/process-definition/key/monthly_accrual/start", json={}, headers=DEMO)
    assert response.status_code == 200, response.json
    tasks = client.get(f"/engine-rest/task?processInstanceId={response.json['id']}", headers=DEMO).json
    assert [task["taskDefinitionKey"] for task in tasks] == ["check_accrual"]


def test_a_task_without_a_form_completes_with_any_variables_as_before(client, users):
    assert _deploy(client, Path(__file__).resolve().parents[1] / "diagrams" / "monthly_accrual.bpmn").status_code == 200
    with time_machine.travel(datetime(2026, 12, 5, 12, tzinfo=UTC), tick=False):
        started = client.post("/engine-rest/process-definition/key/monthly_accrual/start", json={}, headers=DEMO)
    [task] = client.get(f"/engine-rest/task?processInstanceId={started.json['id']}", headers=DEMO).json
    done = client.post(f"/engine-rest/task/{task['id']}/complete", headers=basic("uk_accountant"),
                       json={"variables": {"amount": {"value": "abc", "type": "String"}}})
    assert done.status_code == 204
    assert client.get(f"/engine-rest/task?processInstanceId={started.json['id']}", headers=DEMO).json == []
