"""`POST /engine-rest/message` as Camunda answers it: 204 by default, the results with resultEnabled, the
variables with variablesInResultEnabled, a new instance for a message start event, and 400 for a message that
matches nothing."""

from __future__ import annotations

import io

import pytest

from tests.engine.conftest import DIAGRAMS, assert_state_round_trips
from tests.web.conftest import basic

DEMO = basic("demo")


@pytest.fixture
def deployed(client, users):
    data = {"deployment-name": "messages"}
    for name in ("payment_wait.bpmn", "application_start.bpmn"):
        data[name] = (io.BytesIO((DIAGRAMS / name).read_bytes()), name)
    response = client.post("/engine-rest/deployment/create", data=data, headers=DEMO,
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.json


def _start(client, business_key: str) -> str:
    response = client.post("/engine-rest/process-definition/key/payment_wait/start",
                           json={"businessKey": business_key}, headers=DEMO)
    assert response.status_code == 200, response.json
    return response.json["id"]


def _message(client, **body):
    return client.post("/engine-rest/message", json=body, headers=DEMO)


def test_a_message_to_a_waiting_instance_answers_204_and_moves_it(client, session, deployed):
    instance_id = _start(client, "ЛС-001")
    assert _message(client, messageName="contract_signed", businessKey="ЛС-001").status_code == 204
    response = _message(client, messageName="payment_received", businessKey="ЛС-001", resultEnabled=True,
                        variablesInResultEnabled=True,
                        processVariables={"amount": {"value": "1500.50", "type": "String"}})
    assert response.status_code == 200, response.json
    [result] = response.json
    assert result["resultType"] == "Execution" and result["processInstance"] is None
    assert result["execution"]["processInstanceId"] == instance_id and result["execution"]["ended"] is False
    assert result["variables"]["amount"] == {"value": "1500.50", "type": "String", "valueInfo": {}}
    tasks = client.get(f"/engine-rest/task?processInstanceId={instance_id}", headers=DEMO).json
    assert [t["taskDefinitionKey"] for t in tasks] == ["review"]
    assert_state_round_trips(session, instance_id)


def test_a_message_start_event_answers_with_the_new_process_instance(client, session, deployed):
    response = _message(client, messageName="application_received", businessKey="З-7", resultEnabled=True,
                        processVariables={"address": {"value": "ул. Мира, 3", "type": "String"}})
    [result] = response.json
    assert result["resultType"] == "ProcessDefinition" and result["execution"] is None
    assert result["processInstance"]["businessKey"] == "З-7"
    assert result["processInstance"]["definitionId"].startswith("application:1:")
    assert_state_round_trips(session, result["processInstance"]["id"])


def test_a_message_that_matches_nothing_gets_camundas_400(client, deployed):
    _start(client, "ЛС-001")
    response = _message(client, messageName="contract_signed", businessKey="ЛС-404")
    assert response.status_code == 400
    assert response.json == {"type": "RestException", "message": (
        "org.camunda.bpm.engine.MismatchingMessageCorrelationException: Cannot correlate message "
        "'contract_signed': No process definition or execution matches the parameters")}


def test_a_message_matching_two_instances_needs_all(client, deployed):
    ids = {_start(client, "ЛС-001"), _start(client, "ЛС-002")}
    refused = _message(client, messageName="contract_signed")
    assert refused.status_code == 400 and "2 executions match" in refused.json["message"]
    response = _message(client, messageName="contract_signed", all=True, resultEnabled=True)
    assert {r["execution"]["processInstanceId"] for r in response.json} == ids


def test_bad_message_requests_get_a_clear_400(client, deployed):
    assert _message(client).json["message"] == "messageName must be a non-empty string"
    assert _message(client, messageName="contract_signed", all="yes").json["message"] == "all must be a boolean"
    response = _message(client, messageName="contract_signed", correlationKeys={"n": {"value": "x", "type": "Long"}})
    assert response.status_code == 400 and "variable 'n'" in response.json["message"]


def test_correlation_keys_pick_one_instance_and_keep_camundas_400s(client, deployed):
    ids = {}
    for contract, account in (("Д-1", "ЛС-001"), ("Д-2", "ЛС-002"), ("Д-2", "ЛС-003")):
        response = client.post("/engine-rest/process-definition/key/payment_wait/start", headers=DEMO, json={
            "businessKey": account, "variables": {"contract_no": {"value": contract, "type": "String"},
                                                  "region": {"value": 54, "type": "Long"}}})
        ids[account] = response.json["id"]
    keys = {"contract_no": {"value": "Д-1", "type": "String"}, "region": {"value": 54, "type": "Integer"}}
    response = _message(client, messageName="contract_signed", correlationKeys=keys, resultEnabled=True)
    assert response.status_code == 200, response.json
    assert [r["execution"]["processInstanceId"] for r in response.json] == [ids["ЛС-001"]]
    nothing = _message(client, messageName="contract_signed", correlationKeys={"contract_no": {"value": "Д-9"}})
    assert nothing.status_code == 400 and nothing.json["type"] == "RestException"
    assert "No process definition or execution matches the parameters" in nothing.json["message"]
    several = _message(client, messageName="contract_signed", correlationKeys={"contract_no": {"value": "Д-2"}})
    assert several.status_code == 400 and "2 executions match" in several.json["message"]
