"""Realistic sample data of every document kind: the demo, the tests and the benchmark render these."""

from __future__ import annotations

from copy import deepcopy
from datetime import date
from decimal import Decimal
from typing import Any

from billing.penalty import individual_penalty, legal_entity_penalty
from documents.kinds.claims import penalty_block

BANK = {"name": "ПАО Сбербанк, г. Москва", "bik": "044525225", "account": "40702810938000012345",
        "correspondent_account": "30101810400000000225"}
OPERATOR = {
    "name": "ООО «Чистый город»", "inn": "7707083893", "kpp": "540601001", "ogrn": "1027700132195",
    "address": "630099, г. Новосибирск, ул. Советская, д. 18, офис 401", "phone": "83831234567",
    "email": "info@chistygorod.example", "bank": BANK,
    "signatory": {"position": "Генеральный директор", "name": "Петров Сергей Николаевич"},
}
CUSTOMER = {
    "name": "ООО «Сибирская выпечка»", "inn": "5406123450", "kpp": "540601001",
    "address": "630007, г. Новосибирск, ул. Фабричная, д. 4", "phone": "+7 913 555-12-34",
    "signatory": {"position": "Директор", "name": "Смирнова Анна Владимировна"},
}
CONTRACT = {"number": "15-ТКО/2026", "date": "2026-01-10"}


def invoice() -> dict[str, Any]:
    return deepcopy({
        "supplier": OPERATOR, "payer": CUSTOMER, "basis": "Договор № 15-ТКО/2026 от 10.01.2026",
        "lines": [{"name": "Услуга по обращению с ТКО за март 2026 г. (по количеству и объёму контейнеров)",
                   "quantity": "28.6", "price": "461.46"},
                  {"name": "Вывоз крупногабаритных отходов, бункер 8 м³", "quantity": "8", "price": "461.46"}],
        "vat_rate": 22, "due_date": "2026-04-10",
    })


def act() -> dict[str, Any]:
    return deepcopy({
        "executor": OPERATOR, "customer": CUSTOMER, "contract": CONTRACT, "period": "2026-03-01",
        "lines": [{"name": "Услуга по обращению с ТКО (2 контейнера 1,1 м³, 13 вывозов)", "quantity": "28.6",
                   "price": "461.46"}],
        "vat_rate": 22,
    })


def receipt(account: str = "5400123456", to_pay_base: str = "274.57") -> dict[str, Any]:
    return deepcopy({
        "provider": OPERATOR, "account": account, "payer": "Иванов Иван Иванович",
        "address": "630091, г. Новосибирск, ул. Мичурина, д. 12, кв. 45", "residents": 3,
        "period": "2026-03-01", "due_date": "2026-04-15",
        "lines": [{"service": "Обращение с ТКО (3 чел. × 2,38 м³ / 12)", "volume": "0.5950", "tariff": "461.46",
                   "amount": to_pay_base}],
        "recalculations": [{"reason": "временное отсутствие 1 чел., 12 дней", "amount": "-35.43"}],
        "previous_debt": "120.00", "paid": "120.00", "penalties": "3.15",
    })


def claim() -> dict[str, Any]:
    calculation = legal_entity_penalty(50000, date(2026, 2, 10), date(2026, 3, 31))
    return deepcopy({
        "creditor": OPERATOR, "debtor": CUSTOMER, "contract": CONTRACT,
        "debts": [{"period": "2026-01-01", "due_date": "2026-02-10", "amount": "50000.00"}],
        "penalty": penalty_block(calculation, date(2026, 3, 31)),
        "pay_within_days": 10,
        "attachments": ["Копия договора № 15-ТКО/2026 от 10.01.2026", "Акт оказанных услуг № 41 от 31.01.2026",
                        "Расчёт пени"],
    })


def court_order() -> dict[str, Any]:
    """The DOMAIN.md worked example: an individual's March 2026 charge of 10,000 ₽ due 15.04.2026, to 31.08.2026."""
    calculation = individual_penalty(10000, date(2026, 4, 15), date(2026, 8, 31))
    return deepcopy({
        "court": {"name": "Мировому судье судебного участка № 3 Центрального судебного района г. Новосибирска",
                  "address": "630099, г. Новосибирск, ул. Каменская, д. 30", "kind": "general"},
        "claimant": OPERATOR,
        "debtor": {"name": "Иванов Иван Иванович", "address": "630091, г. Новосибирск, ул. Мичурина, д. 12, кв. 45",
                   "birth_date": "1979-06-14", "birth_place": "г. Новосибирск", "snils": "112-233-445 95"},
        "basis": "публичный договор на оказание услуги по обращению с ТКО (ст. 24.7 Федерального закона № 89-ФЗ), "
                 "лицевой счёт 5400123456",
        "account": "5400123456",
        "debts": [{"period": "2026-03-01", "due_date": "2026-04-15", "amount": "10000.00"}],
        "penalty": penalty_block(calculation, date(2026, 8, 31)),
        "duty_payment": {"number": "2381", "date": "2026-09-01"},
        "attachments": ["Расчёт задолженности и пени", "Выписка из лицевого счёта № 5400123456",
                        "Платёжное поручение об уплате государственной пошлины", "Выписка из ЕГРЮЛ взыскателя",
                        "Доверенность представителя"],
    })


def contract() -> dict[str, Any]:
    return deepcopy({
        "executor": OPERATOR, "customer": {**CUSTOMER, "bank": BANK},
        "objects": [{
            "address": "г. Новосибирск, ул. Фабричная, д. 4 (пекарня)", "category": "Предприятия общественного питания",
            "unit": "посадочное место", "quantity": "40", "accounting": "по количеству и объёму контейнеров",
            "site": {"registry_number": "КП-54-001234", "address": "г. Новосибирск, ул. Фабричная, д. 4, во дворе",
                     "latitude": "55.041320", "longitude": "82.912110"},
            "containers": [{"type": "пластиковый евроконтейнер", "volume": "1.1", "count": 2}],
            "schedule": "понедельник, среда, пятница, 07:00–12:00", "annual_volume": "343.2",
        }],
        "tariff": "461.46",
        "tariff_basis": "приказ департамента по тарифам Новосибирской области от 19.12.2024 № 512-ТКО",
        "vat_rate": 22, "start_date": "2026-02-01", "end_date": "2026-12-31", "payment_day": 10,
    })


def upd(status: int = 1) -> dict[str, Any]:
    data = {**vat_invoice(), "status": status, "buyer": CUSTOMER}
    if status == 2:
        data["vat_rate"] = None
    return deepcopy(data)


def vat_invoice() -> dict[str, Any]:
    return deepcopy({
        "seller": OPERATOR, "buyer": CUSTOMER, "contract": CONTRACT, "period": "2026-03-01",
        "shipment": {"number": "41", "date": "2026-03-31"}, "payments": [{"number": "118", "date": "2026-03-05"}],
        "lines": [{"name": "Услуга по обращению с ТКО за март 2026 г.", "quantity": "28.6", "price": "461.46"}],
        "vat_rate": 22, "chief_accountant": "Кузнецова Ольга Петровна",
    })


def reconciliation() -> dict[str, Any]:
    return deepcopy({
        "executor": OPERATOR, "customer": CUSTOMER, "contract": CONTRACT,
        "start": "2026-01-01", "end": "2026-03-31", "opening": "12000.00",
        "entries": [
            {"date": "2026-01-31", "document": "Акт № 12 от 31.01.2026", "kind": "act", "amount": "16101.27"},
            {"date": "2026-02-09", "document": "Оплата, п/п № 77", "kind": "payment", "amount": "12000.00"},
            {"date": "2026-02-28", "document": "Акт № 27 от 28.02.2026", "kind": "act", "amount": "16101.27"},
            {"date": "2026-03-10", "document": "Оплата, п/п № 118", "kind": "payment", "amount": "32202.54"},
            {"date": "2026-03-31", "document": "Акт № 41 от 31.03.2026", "kind": "act", "amount": "16101.27"},
        ],
    })


def route_sheet() -> dict[str, Any]:
    """The routing engine's shape (shared/route_sheet_shape.md): two trips with an unloading each."""
    def stop(sequence: int, number: str, address: str, containers: int) -> dict[str, Any]:
        return {"sequence": sequence, "site_registry_number": number, "address": address, "container_type": "пластик",
                "container_volume_m3": "1.1", "containers": containers, "arrival": f"{7 + sequence // 2:02d}:"
                f"{(sequence * 17) % 60:02d}", "volume_m3": str(Decimal("1.1") * containers)}
    first = [stop(1, "54-0001", "г. Новосибирск, ул. Мира, д. 5", 3),
             stop(2, "54-0002", "г. Новосибирск, ул. Мира, д. 11", 2),
             stop(3, "54-0017", "г. Новосибирск, ул. Станционная, д. 30", 4)]
    second = [stop(4, "54-0031", "г. Новосибирск, ул. Петухова, д. 14", 2),
              stop(5, "54-0040", "г. Новосибирск, ул. Сибиряков-Гвардейцев, д. 51", 3)]
    return deepcopy({
        "date": "2026-12-02",
        "carrier": {"name": "ООО «Восток-Экология»", "inn": "5401234566", "kpp": "540101001",
                    "address": "г. Новосибирск, ул. Ленина, д. 1"},
        "customer": {"name": OPERATOR["name"], "inn": OPERATOR["inn"], "kpp": OPERATOR["kpp"],
                     "address": OPERATOR["address"]},
        "truck": {"plate": "А123ВС154", "model": "КАМАЗ 53605 (задняя загрузка)", "body_m3": "20", "compaction": "5"},
        "driver": "Петров П. П.",
        "shift": {"start": "07:00", "end": "19:00"},
        "trips": [
            {"number": 1, "stops": first,
             "unloading": {"landfill": "Полигон «Левобережный»", "arrival": "11:05", "departure": "11:30",
                           "tonnes": "4.120"}},
            {"number": 2, "stops": second,
             "unloading": {"landfill": "Полигон «Левобережный»", "arrival": None, "departure": None, "tonnes": None}},
        ],
        "totals": {"stops": 5, "containers": 14, "volume_m3": "15.4", "km": "87.4", "hours": "10.5"},
    })


def container_installation() -> dict[str, Any]:
    return deepcopy({
        "executor": OPERATOR, "customer": CUSTOMER, "contract": CONTRACT,
        "site": {"registry_number": "КП-54-001234", "address": "г. Новосибирск, ул. Фабричная, д. 4, во дворе"},
        "installed_on": "2026-03-30",
        "containers": [
            {"type": "пластиковый евроконтейнер", "volume": "1.1", "count": 2,
             "inventory_numbers": ["К-0417", "К-0418"]},
            {"type": "бункер для КГО", "volume": "8", "count": 1, "inventory_numbers": ["Б-0031"]},
        ],
    })


SAMPLES = {"invoice": invoice, "act": act, "upd": upd, "vat_invoice": vat_invoice, "reconciliation": reconciliation,
           "receipt": receipt, "claim": claim, "court_order": court_order, "contract": contract,
           "route_sheet": route_sheet, "container_installation": container_installation}
