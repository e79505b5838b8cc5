"""/api/routing: the crew's pickup batches (idempotent, item by item, photo limits, partner scoping), missed stops,
collected volumes, day plans, and the OpenAPI document."""

from __future__ import annotations

import base64
import io
import uuid
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from documents.models import Document
from engine.scope import SYSTEM
from routing.day_plan import plan_partner_day
from routing.models import Pickup
from routing.pickups import PHOTO_MAX_BYTES, collected_volumes
from routing.plan import PlanSettings
from tests.routing.conftest import build_fleet
from tests.routing.test_route_sheet import CARRIER, CUSTOMER
from tests.web.conftest import basic


@pytest.fixture
def fleet(session):
    return build_fleet(session)


JPEG = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 100).decode()


def _item(site_id: int, **values) -> dict:
    return {"uuid": str(uuid.uuid4()), "site_id": site_id, "collected": True, "containers": 2,
            "at": "2026-12-02T09:15:00+07:00", "latitude": "55.030000", "longitude": "82.920000", **values}


def test_a_batch_is_answered_item_by_item_and_the_valid_items_are_kept(client, session, fleet):
    site = fleet.sites[0].id
    items = [_item(site, photo=JPEG), _item(999_999), _item(site, collected=False, containers=0),
             _item(site, collected=False, containers=0, reason="blocked_access")]
    response = client.post("/api/routing/pickups", json={"items": items}, headers=basic("crew"))
    assert response.status_code == 200, response.json
    answer = response.json
    assert [i["status"] for i in answer["items"]] == ["recorded", "error", "error", "recorded"]
    assert answer["items"][1]["errors"] == {"site_id": ["площадка не найдена"]}
    assert "укажите причину" in answer["items"][2]["errors"]["reason"][0]
    assert (answer["recorded"], answer["errors"]) == (2, 2)
    stored = session.query(Pickup).order_by(Pickup.id).all()
    assert len(stored) == 2 and stored[0].photo_type == "image/jpeg" and stored[0].volume_m3 == Decimal("2.200")
    assert stored[0].day == date(2026, 12, 2) and stored[0].recorded_by == "crew"


def test_sending_the_same_batch_again_adds_nothing(client, session, fleet):
    items = [_item(fleet.sites[0].id), _item(fleet.sites[1].id, volume_m3="1.5")]
    first = client.post("/api/routing/pickups", json={"items": items}, headers=basic("crew")).json
    again = client.post("/api/routing/pickups", json={"items": items}, headers=basic("crew")).json
    assert first["recorded"] == 2 and again["recorded"] == 0 and again["duplicates"] == 2
    assert [i["pickup_id"] for i in again["items"]] == [i["pickup_id"] for i in first["items"]]
    assert session.query(Pickup).count() == 2


def test_a_repeated_uuid_inside_a_batch_or_on_another_site_is_that_items_error(client, fleet):
    one = _item(fleet.sites[0].id)
    answer = client.post("/api/routing/pickups", json={"items": [one, one]}, headers=basic("crew")).json
    assert [i["status"] for i in answer["items"]] == ["recorded", "error"]
    assert answer["items"][1]["errors"] == {"uuid": ["повтор идентификатора в пакете"]}
    moved = {**one, "site_id": fleet.sites[1].id}
    answer = client.post("/api/routing/pickups", json={"items": [moved]}, headers=basic("crew")).json
    assert answer["items"][0]["errors"] == {"uuid": ["идентификатор уже занят другой записью"]}


def test_photos_are_limited_in_size_and_type(client, session, fleet):
    site = fleet.sites[0].id
    too_big = base64.b64encode(b"\xff\xd8\xff" + b"\x00" * PHOTO_MAX_BYTES).decode()
    text_file = base64.b64encode(b"<html>not a photo</html>").decode()
    items = [_item(site, photo=too_big), _item(site, photo=text_file), _item(site, photo="***")]
    answer = client.post("/api/routing/pickups", json={"items": items}, headers=basic("crew")).json
    assert [i["errors"]["photo"] for i in answer["items"]] == [["фото больше 2 МБ"], ["фото должно быть JPEG или PNG"],
                                                              ["фото должно быть в base64"]]
    assert session.query(Pickup).count() == 0


def test_another_partners_site_is_an_item_error_and_its_data_answers_404(client, session, fleet):
    west_site = fleet.west_site.id
    answer = client.post("/api/routing/pickups", json={"items": [_item(west_site)]}, headers=basic("crew")).json
    assert answer["items"][0]["errors"] == {"site_id": ["площадка не найдена"]}
    plan_partner_day(session, fleet.east, date(2026, 12, 2), temperature=Decimal(10),
                     settings=PlanSettings(time_limit_s=0.3))
    assert client.get("/api/routing/plans/2026-12-02", headers=basic("west_operator")).status_code == 404
    own = client.get("/api/routing/plans/2026-12-02", headers=basic("partner_operator"))
    assert own.status_code == 200 and own.json["routes"][0]["plate"] == "А123ВС154"
    assert client.get("/api/routing/plans/2026-12-02", headers=basic("uk_dispatcher")).status_code == 200


def test_missed_stops_and_collected_volumes_per_site_and_day(client, session, fleet):
    first, second = fleet.sites[0].id, fleet.sites[1].id
    items = [_item(first, volume_m3="2.0"), _item(first, volume_m3="0.5", at="2026-12-02T15:00:00+07:00"),
             _item(second, collected=False, containers=0, reason="broken_container"),
             _item(first, at="2026-12-02T23:30:00+00:00")]  # 06:30 on the 3rd in Novosibirsk
    client.post("/api/routing/pickups", json={"items": items}, headers=basic("crew"))
    missed = client.get("/api/routing/missed?day=2026-12-02", headers=basic("crew")).json
    assert [(m["site_id"], m["reason_text"]) for m in missed] == [(second, "сломан контейнер")]
    assert client.get("/api/routing/missed?day=2026-12-02", headers=basic("west_operator")).json == []
    volumes = client.get("/api/routing/volumes?start=2026-12-01&end=2026-12-03", headers=basic("crew")).json
    assert [(v["site_id"], v["day"], v["volume_m3"]) for v in volumes] == [
        (first, "2026-12-02", "2.500"), (first, "2026-12-03", "2.200")]
    assert collected_volumes(session, date(2026, 12, 2), date(2026, 12, 2), SYSTEM, site_ids=[second]) == []


def test_bad_queries_get_russian_field_errors(client, fleet):
    response = client.get("/api/routing/missed", headers=basic("crew"))
    assert response.status_code == 422 and response.json["errors"]["day"] == ["укажите день (ГГГГ-ММ-ДД)"]
    empty = client.post("/api/routing/pickups", json={"items": []}, headers=basic("crew"))
    assert empty.status_code == 422 and "записей в пакете" in empty.json["errors"]["items"][0]
    assert client.post("/api/routing/pickups", json={"items": []}).status_code == 401


def test_the_routing_api_is_in_the_openapi_document(client):
    document = client.get("/api/openapi.json").json
    assert "/api/routing/pickups" in document["paths"] and "PickupItem" in document["components"]["schemas"]
    assert "/api/routing/plans/{day}" in document["paths"]


def test_a_trucks_route_sheet_comes_as_json_for_the_crew_and_once_as_a_numbered_pdf(client, session, fleet):
    plan_partner_day(session, fleet.east, date(2026, 12, 2), temperature=Decimal(10),
                     settings=PlanSettings(time_limit_s=0.3))
    url = f"/api/routing/plans/2026-12-02/trucks/{fleet.truck.id}/route-sheet"
    parties = {"carrier": CARRIER, "customer": CUSTOMER}
    sheet = client.post(url, json=parties, headers=basic("partner_operator"))
    assert sheet.status_code == 200, sheet.json
    assert sheet.json["truck"]["plate"] == "А123ВС154" and sheet.json["totals"]["stops"] == 5
    document = client.post(url, json={**parties, "pdf": True}, headers=basic("partner_operator"))
    assert document.status_code == 200, document.json
    again = client.post(url, json={**parties, "pdf": True}, headers=basic("partner_operator"))
    assert again.json["id"] == document.json["id"] and again.json["number"] == document.json["number"]
    pdf = client.get(f"/api/documents/{document.json['id']}/file", headers=basic("partner_operator"))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "А123ВС154" in text and "Петров П. П." in text
    assert client.post(url, json=parties, headers=basic("west_operator")).status_code == 404


def test_a_route_sheet_with_bad_requisites_is_refused_field_by_field_and_no_document_is_made(client, session, fleet):
    plan_partner_day(session, fleet.east, date(2026, 12, 2), temperature=Decimal(10),
                     settings=PlanSettings(time_limit_s=0.3))
    url = f"/api/routing/plans/2026-12-02/trucks/{fleet.truck.id}/route-sheet"
    refused = client.post(url, json={"carrier": {**CARRIER, "inn": "7707083894"}, "customer": CUSTOMER, "pdf": True},
                          headers=basic("partner_operator"))
    assert refused.status_code == 422 and refused.json["errors"]["carrier.inn"] == ["Неверная контрольная сумма ИНН"]
    assert session.query(Document).count() == 0
