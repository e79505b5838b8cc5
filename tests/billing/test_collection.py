from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billing.accrual import accrue_period
from billing.collection import CollectionsRejected, record_collections
from billing.models import Charge, Collection, Tariff
from billing.period import close_period
from clients.models import ContainerSite


@pytest.fixture
def per_tonne(session, partner):
    session.add_all([Tariff(name="test.per_tonne", valid_from=date(2025, 1, 1), valid_to=date(2026, 3, 15),
                            value=Decimal("2000.00"), source="test"),
                     Tariff(name="test.per_tonne", valid_from=date(2026, 3, 16), valid_to=None,
                            value=Decimal("2500.00"), source="test")])
    session.commit()


def service(session, account):
    return session.execute(select(Charge.amount_kopecks, Charge.vat_kopecks)
                           .where(Charge.account_id == account.id, Charge.line == "service")).one()


def test_a_legal_entity_billed_by_mass_pays_each_weighing_at_the_tariff_of_its_day(session, make_account, per_tonne):
    account = make_account("ЮЛ", method="by_mass", norm_name=None, tariff_name="test.per_tonne", payment_day=10)
    record_collections(session, [
        {"source_key": "w-1", "contract_id": account.contract_id, "collected_on": date(2026, 3, 10),
         "mass_t": Decimal("1.250")},
        {"source_key": "w-2", "contract_id": account.contract_id, "collected_on": "2026-03-20", "mass_t": "0.400"},
    ])
    accrue_period(session, 2026, 3)
    # 1.25 t × 2,000 ₽ + 0.4 t × 2,500 ₽ = 3,500.00 ₽, plus 22% VAT
    assert service(session, account) == (350000 + 77000, 77000)


def test_a_legal_entity_billed_by_volume_pays_the_volume_collected_at_its_site(session, make_account):
    account = make_account("ЮЛ", method="by_volume", norm_name=None, containers=((1, "1.1"),), payment_day=10)
    site_id = session.scalar(select(ContainerSite.id).order_by(ContainerSite.id.desc()))
    record_collections(session, [{"source_key": f"p-{day}", "site_id": site_id, "collected_on": date(2026, 3, day),
                                  "volume_m3": "1.1"} for day in (2, 9, 16)])
    accrue_period(session, 2026, 3)
    # 3.3 m³ × 461.46 ₽/m³ (the «other» tariff of DOMAIN's container example) = 1,522.82 ₽ + 22%
    assert service(session, account) == (152282 + 33502, 33502)


def test_recording_the_same_pickup_facts_again_adds_nothing(session, make_account):
    account = make_account("ЮЛ", method="by_volume", norm_name=None, payment_day=10)
    facts = [{"source_key": "route-7/stop-3", "contract_id": account.contract_id, "collected_on": date(2026, 3, 5),
              "volume_m3": "2.2"}]
    assert record_collections(session, facts).added == 1
    assert record_collections(session, facts).added == 0
    assert session.scalar(select(func.count()).select_from(Collection)) == 1


def test_invalid_facts_are_refused_with_russian_reasons_and_none_are_recorded(session, make_account):
    account = make_account("ЮЛ", method="by_volume", norm_name=None, payment_day=10)
    close_period(session, 2026, 2)
    with pytest.raises(CollectionsRejected) as refused:
        record_collections(session, [
            {"source_key": "ok", "contract_id": account.contract_id, "collected_on": date(2026, 3, 5),
             "volume_m3": "1"},
            {"source_key": "", "collected_on": date(2026, 2, 5), "volume_m3": "-1"},
            {"source_key": "x", "contract_id": 999_999, "collected_on": "не дата"},
        ])
    assert refused.value.errors == {
        1: ["нужен ключ источника (до 100 символов)", "укажите либо договор, либо площадку",
            "период февраль 2026 г. закрыт", "объём не может быть отрицательным"],
        2: ["дата вывоза не указана или неверна", "нужен объём или масса", "договор 999999 не найден"],
    }
    assert session.scalar(select(func.count()).select_from(Collection)) == 0
