from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select

from billing.accrual import accrue_period
from billing.models import Account, Charge, Collection
from billing.reference import seed_reference
from clients.models import Client, ClientObject, Container
from engine.scope import Scope
from routing.pickups import record_pickups


def by_volume_client(session, partner_id: int, site_id: int) -> Account:
    """A café billed by actual volume whose containers stand alone on `site_id`."""
    seed_reference(session)
    client = Client(partner_id=partner_id, kind="ЮЛ", name="ООО «Кафе»", name_key="кафе")
    session.add(client)
    session.flush()
    obj = ClientObject(client_id=client.id, name="кафе", category="shop", billing_unit="m3")
    session.add(obj)
    session.flush()
    for container in session.scalars(select(Container).where(Container.site_id == site_id)):
        container.client_object_id = obj.id
    account = Account(number="2000001", partner_id=partner_id, client_id=client.id, client_object_id=obj.id,
                      client_type="ЮЛ", method="by_volume", tariff_name="novosibirsk_oblast.other",
                      opened_on=date(2024, 1, 1))
    session.add(account)
    session.commit()
    return account


def pickup(site_id: int, **fields) -> dict:
    return {"uuid": str(uuid.uuid4()), "site_id": site_id, "collected": True, "containers": 2,
            "volume_m3": "2.2", "at": "2026-03-02T09:15:00+07:00", **fields}


def test_a_pickup_at_a_by_volume_clients_site_is_billed_once_even_when_the_batch_is_sent_again(session, fleet):
    site = fleet.sites[0]
    account = by_volume_client(session, fleet.east, site.id)
    batch = [pickup(site.id)]
    record_pickups(session, Scope(partner_id=fleet.east), batch)
    record_pickups(session, Scope(partner_id=fleet.east), batch)  # the phone re-sends the batch after a lost answer
    assert session.scalar(select(func.count()).select_from(Collection)) == 1
    accrue_period(session, 2026, 3)
    amount, vat = session.execute(select(Charge.amount_kopecks, Charge.vat_kopecks)
                                  .where(Charge.account_id == account.id, Charge.line == "service")).one()
    # 2.2 m³ × 461.46 ₽/m³ = 1,015.21 ₽, plus 22% VAT 223.35 ₽
    assert (amount, vat) == (101521 + 22335, 22335)


def test_pickups_billing_cannot_attribute_or_that_collected_nothing_stay_with_routing(session, fleet):
    billed, households = fleet.sites[0], fleet.sites[1]
    by_volume_client(session, fleet.east, billed.id)
    results = record_pickups(session, Scope(partner_id=fleet.east), [
        pickup(households.id), pickup(billed.id, collected=False, containers=0, reason="blocked_access")])
    assert [result.status for result in results] == ["recorded", "recorded"]
    assert session.scalar(select(func.count()).select_from(Collection)) == 0
