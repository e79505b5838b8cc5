"""The data schemas of the newer kinds refuse what would make a wrong paper, field by field, in Russian."""

from __future__ import annotations

import pytest

from documents.rendering import DocumentDataError, renderer
from documents.samples import SAMPLES


def _refused(kind: str, data: dict) -> dict[str, str]:
    with pytest.raises(DocumentDataError) as error:
        renderer().validate(kind, data)
    return error.value.fields


def test_a_upd_of_status_1_needs_a_vat_rate_and_status_2_goes_without():
    data = SAMPLES["upd"](1)
    data["vat_rate"] = None
    assert _refused("upd", data) == {"vat_rate": "УПД со статусом 1 — счёт-фактура: укажите ставку НДС "
                                                 "(без НДС выставляется статус 2)"}
    loaded = renderer().validate("upd", SAMPLES["upd"](2))
    assert loaded["status"] == 2 and loaded["vat"] == 0 and str(loaded["total"]) == "13197.76"


def test_a_vat_invoice_refuses_a_bad_buyer_inn_and_a_missing_vat_rate():
    data = SAMPLES["vat_invoice"]()
    data["buyer"]["inn"] = "5406123451"
    assert _refused("vat_invoice", data) == {"buyer.inn": "Неверная контрольная сумма ИНН"}
    data["buyer"]["inn"] = "5406123450"
    data["vat_rate"] = None
    assert _refused("vat_invoice", data) == {"vat_rate": "Счёт-фактура выставляется плательщиком НДС: укажите ставку"}


def test_a_reconciliation_refuses_entries_outside_its_period_and_negative_amounts():
    data = SAMPLES["reconciliation"]()
    data["entries"][0]["date"] = "2025-12-31"
    data["entries"][1]["amount"] = "-5.00"
    fields = _refused("reconciliation", data)
    assert fields == {"entries.1.amount": "Должно быть больше нуля"}
    data["entries"][1]["amount"] = "5.00"
    assert _refused("reconciliation", data) == {"entries.0.date": "Дата вне периода сверки"}


def test_a_reconciliation_in_the_customers_favour_names_the_customer():
    data = SAMPLES["reconciliation"]()
    data["entries"].append({"date": "2026-03-31", "document": "Оплата, п/п № 140", "kind": "payment",
                            "amount": "20000.00"})
    loaded = renderer().validate("reconciliation", data)
    assert str(loaded["closing"]) == "-3898.73" and loaded["favour"]["name"] == "ООО «Сибирская выпечка»"


def test_a_court_order_needs_one_identifier_of_the_debtor_with_a_valid_checksum():
    data = SAMPLES["court_order"]()
    del data["debtor"]["snils"]
    assert _refused("court_order", data) == {
        "debtor": "Укажите один из идентификаторов должника: СНИЛС, ИНН или паспорт"}
    data["debtor"]["snils"] = "112-233-445 96"
    assert list(_refused("court_order", data)) == ["debtor.snils"]
    data["debtor"].pop("snils")
    data["debtor"]["passport"] = {"series": "5004", "number": "123456", "issued_by": "ГУ МВД России по "
                                  "Новосибирской области", "issued_on": "2020-07-01"}
    assert renderer().validate("court_order", data)["debtor"]["passport"]["number"] == "123456"


def test_a_court_order_duty_is_half_the_claim_duty_and_large_claims_go_to_a_lawsuit():
    data = SAMPLES["court_order"]()
    assert str(renderer().validate("court_order", data)["duty"]) == "2000"
    data["debts"][0]["amount"] = "499999.00"
    assert list(_refused("court_order", data)) == ["debts"]


def test_a_route_sheet_refuses_bad_times_and_totals_that_do_not_add_up():
    data = SAMPLES["route_sheet"]()
    data["trips"][0]["stops"][0]["arrival"] = "7:42"
    data["totals"]["containers"] = 15
    fields = _refused("route_sheet", data)
    assert fields == {"trips.0.stops.0.arrival": "Время в формате ЧЧ:ММ"}
    data["trips"][0]["stops"][0]["arrival"] = "07:42"
    assert _refused("route_sheet", data) == {"totals.containers": "Итог контейнеров 15 не равен сумме (14)"}


def test_an_installation_act_needs_one_distinct_inventory_number_per_container():
    data = SAMPLES["container_installation"]()
    data["containers"][0]["inventory_numbers"] = ["К-0417"]
    assert _refused("container_installation", data) == {
        "containers.0.inventory_numbers": "Инвентарных номеров 1, а контейнеров 2"}
    data["containers"][0]["inventory_numbers"] = ["Б-0031", "К-0418"]
    assert _refused("container_installation", data) == {"containers": "Повторяются инвентарные номера: Б-0031"}
