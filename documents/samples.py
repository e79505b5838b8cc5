"""Realistic sample data of every document kind: the demo, the tests and the benchmark render these."""

from __future__ import annotations

from copy import deepcopy
from datetime import date
from typing import Any

from billing.penalty import legal_entity_penalty

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
    lines = [{"start": line.start.isoformat(), "end": line.end.isoformat(), "days": line.days,
              "base": str(line.base), "amount": str(line.amount),
              "fraction": f"{line.fraction.numerator}/{line.fraction.denominator}"} for line in calculation.lines]
    return deepcopy({
        "creditor": OPERATOR, "debtor": CUSTOMER, "contract": CONTRACT,
        "debts": [{"period": "2026-01-01", "due_date": "2026-02-10", "amount": "50000.00"}],
        "penalty": {"rate": str(calculation.rate), "until": "2026-03-31", "lines": lines},
        "pay_within_days": 10,
        "attachments": ["Копия договора № 15-ТКО/2026 от 10.01.2026", "Акт оказанных услуг № 41 от 31.01.2026",
                        "Расчёт пени"],
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


SAMPLES = {"invoice": invoice, "act": act, "receipt": receipt, "claim": claim, "contract": contract}
