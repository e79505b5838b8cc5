"""The route sheet of a truck's day: exactly the shape the crew's phone and the PDF template expect."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from documents.rendering import renderer
from routing.day_plan import plan_partner_day
from routing.plan import PlanSettings
from routing.route_sheet import RouteSheetError, decimal_text, route_sheet

CARRIER = {"name": "ООО «Восток-Экология»", "inn": "7707083893", "kpp": "540101001",
           "address": "г. Новосибирск, ул. Ленина, д. 1"}
CUSTOMER = {"name": "ООО «УК ТКО»", "inn": "500100732259", "address": "г. Новосибирск, Красный пр., д. 2"}
DAY = date(2026, 12, 2)
HHMM = re.compile(r"^\d\d:\d\d$")


@pytest.fixture
def plan(session, fleet):
    return plan_partner_day(session, fleet.east, DAY, temperature=Decimal(10), settings=PlanSettings(time_limit_s=0.5))


def test_the_sheet_has_exactly_the_agreed_shape(session, fleet, plan):
    sheet = route_sheet(session, plan, fleet.truck.id, CARRIER, CUSTOMER)
    assert set(sheet) == {"date", "carrier", "customer", "truck", "driver", "shift", "trips", "totals"}
    assert sheet["date"] == "2026-12-02" and sheet["driver"] == "Петров П. П."
    assert set(sheet["carrier"]) == {"name", "inn", "kpp", "address"} and sheet["carrier"]["kpp"] == "540101001"
    assert "kpp" not in sheet["customer"]  # a sole trader has none; null would not pass the party schema
    assert sheet["truck"] == {"plate": "А123ВС154", "model": "КАМАЗ 53605 (задняя загрузка)", "body_m3": "20",
                              "compaction": "5"}
    assert sheet["shift"] == {"start": "07:00", "end": "19:00"}
    trip = sheet["trips"][0]
    assert set(trip) == {"number", "stops", "unloading"} and trip["number"] == 1
    assert set(trip["unloading"]) == {"landfill", "arrival", "departure", "tonnes"}
    assert trip["unloading"]["landfill"] == "Полигон «Левобережный»" and trip["unloading"]["tonnes"] is None
    stop = trip["stops"][0]
    assert set(stop) == {"sequence", "site_registry_number", "address", "container_type", "container_volume_m3",
                         "containers", "arrival", "volume_m3"}
    assert stop["sequence"] == 1 and stop["site_registry_number"].startswith("54-")
    assert stop["container_type"] == "пластик" and stop["container_volume_m3"] == "1.1"
    assert stop["containers"] == 2 and stop["volume_m3"] == "2.2" and HHMM.match(stop["arrival"])
    assert set(sheet["totals"]) == {"stops", "containers", "volume_m3", "km", "hours"}
    assert sheet["totals"]["stops"] == 5 and sheet["totals"]["containers"] == 10
    assert sheet["totals"]["volume_m3"] == "11" and Decimal(sheet["totals"]["km"]) > 0


def test_decimals_are_strings_without_trailing_zeros():
    assert decimal_text(Decimal("20.00")) == "20" and decimal_text(Decimal("1.100")) == "1.1"
    assert decimal_text("0.750") == "0.75"


def test_bad_parties_and_an_unplanned_truck_are_refused_field_by_field(session, fleet, plan):
    with pytest.raises(RouteSheetError) as refused:
        route_sheet(session, plan, fleet.truck.id + 100, {**CARRIER, "inn": "7707083894"},
                    {k: v for k, v in CUSTOMER.items() if k != "address"})
    assert refused.value.errors == {"carrier.inn": "Неверная контрольная сумма ИНН",
                                    "customer.address": "обязательное поле не заполнено",
                                    "truck": "машины нет в плане этого дня", "driver": "за машиной не закреплён экипаж"}


def test_the_routing_engines_sheet_is_what_the_route_sheet_document_accepts(session, fleet, plan):
    loaded = renderer().validate("route_sheet", route_sheet(session, plan, fleet.truck.id, CARRIER, CUSTOMER))
    assert loaded["truck"]["plate"] == "А123ВС154" and loaded["trips"][0]["unloading"]["tonnes"] is None
