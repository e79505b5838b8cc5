"""/api/clients and /api/accounts/{id}/statement: validation in Russian, duplicates, partner scoping."""

from __future__ import annotations

from datetime import date

from billing.accrual import accrue_period
from billing.models import Account
from billing.reference import seed_reference
from tests.billing.bank_files import bank_file, document
from tests.web.conftest import basic

COMPANY = {"kind": "ЮЛ", "name": "ООО «Ромашка»", "address": "г. Новосибирск, ул. Ленина, д. 1",
           "inn": "7707083893", "kpp": "770701001", "ogrn": "1027700132195", "bik": "044525225",
           "bank_account": "40702810938000012345", "correspondent_account": "30101810400000000225",
           "contacts": [{"kind": "phone", "value": "+7 (383) 123-45-67"}]}


def test_a_partner_operator_creates_a_client_of_its_partner(client, users):
    response = client.post("/api/clients", json=COMPANY, headers=basic("partner_operator"))
    assert response.status_code == 201, response.json
    assert response.json["inn"] == "7707083893" and response.json["contacts"][0]["kind"] == "phone"
    fetched = client.get(f"/api/clients/{response.json['id']}", headers=basic("partner_operator"))
    assert fetched.json["name"] == "ООО «Ромашка»"


def test_invalid_requisites_are_refused_with_russian_field_errors(client, users):
    bad = {**COMPANY, "inn": "7707083894", "bank_account": "40702810938000012346"}
    response = client.post("/api/clients", json=bad, headers=basic("partner_operator"))
    assert response.status_code == 422
    assert response.json["errors"]["inn"] == ["Неверная контрольная сумма ИНН"]
    assert "контрольный ключ" in response.json["errors"]["bank_account"][0]


def test_a_duplicate_by_inn_or_by_name_and_address_answers_409_unless_confirmed(client, users):
    headers = basic("partner_operator")
    first = client.post("/api/clients", json=COMPANY, headers=headers).json
    same_inn = client.post("/api/clients", json=COMPANY, headers=headers)
    assert same_inn.status_code == 409 and same_inn.json["duplicates"][0]["client_id"] == first["id"]
    person = {"kind": "ФЛ", "name": "Иванов Иван", "address": "г. Новосибирск, ул. Ленина, д. 5, кв. 1"}
    client.post("/api/clients", json=person, headers=headers)
    respelled = {**person, "address": "Новосибирск, Ленина 5 кв 1"}
    again = client.post("/api/clients", json=respelled, headers=headers)
    assert again.status_code == 409 and again.json["duplicates"][0]["reason"] == "name_address"
    confirmed = client.post("/api/clients", json={**respelled, "allow_duplicate": True}, headers=headers)
    assert confirmed.status_code == 201
    merged = client.post(f"/api/clients/{again.json['duplicates'][0]['client_id']}/merge",
                         json={"duplicate_id": confirmed.json["id"]}, headers=headers)
    assert merged.status_code == 200
    assert client.get(f"/api/clients/{confirmed.json['id']}", headers=headers).json["merged_into_id"] == \
        merged.json["id"]


def test_another_partners_client_answers_404(client, users):
    created = client.post("/api/clients", json=COMPANY, headers=basic("partner_operator")).json
    assert client.get(f"/api/clients/{created['id']}", headers=basic("west_operator")).status_code == 404
    assert client.get(f"/api/clients/{created['id']}", headers=basic("uk_accountant")).status_code == 200


def test_a_uk_user_must_name_the_partner(client, users):
    response = client.post("/api/clients", json=COMPANY, headers=basic("uk_accountant"))
    assert response.status_code == 422 and "partner_id" in response.json["errors"]


def test_the_account_statement_is_scoped_and_shows_the_payment(client, users, session):
    seed_reference(session)
    created = client.post("/api/clients", json={"kind": "ФЛ", "name": "Петров П. П."},
                          headers=basic("partner_operator")).json
    account = Account(number="2000001", partner_id=created["partner_id"], client_id=created["id"],
                      client_type="ФЛ", method="per_resident", residents=1, norm_name="residents",
                      tariff_name="novosibirsk_oblast.population", opened_on=date(2026, 1, 1))
    session.add(account)
    session.commit()
    accrue_period(session, 2026, 3)
    upload = client.post("/api/payments/bank-statement", data=bank_file(
        document("5", "10.04.2026", "91.52", "ЛС 2000001 за март 2026")), headers=basic("uk_accountant"))
    assert upload.json["imported"] == 1 and upload.json["allocated"] == "91.52"
    url = f"/api/accounts/{account.id}/statement?on=2026-04-30"
    statement = client.get(url, headers=basic("partner_operator"))
    assert statement.status_code == 200
    assert statement.json["periods"][0]["charged"] == "91.52" and statement.json["balance"] == "0.00"
    assert client.get(url, headers=basic("west_operator")).status_code == 404
    refused = client.post("/api/payments/bank-statement", data=b"x", headers=basic("partner_operator"))
    assert refused.status_code == 403


def test_the_openapi_document_describes_the_client_schemas(client):
    document_ = client.get("/api/openapi.json").json
    assert {"ClientCreate", "Client", "AccountStatement"} <= set(document_["components"]["schemas"])
    assert "/api/clients" in document_["paths"] and "/api/accounts/{account_id}/statement" in document_["paths"]

