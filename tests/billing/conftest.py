"""Fixtures of the billing service tests: a partner, its clients and accounts, the seeded reference tables."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from billing.models import Account
from billing.reference import seed_reference
from clients.models import Client, ClientObject, Container, ContainerSite, Contract
from identity.models import Partner

_numbers = itertools.count(1000001)


@pytest.fixture
def partner(session):
    seed_reference(session)
    partners = [Partner(code="east", name="ООО «Восток-Экология»"), Partner(code="west", name="ООО «Запад»")]
    session.add_all(partners)
    session.commit()
    return partners[0]


@pytest.fixture
def other_partner(partner, session):
    return session.query(Partner).filter_by(code="west").one()


@pytest.fixture
def make_account(session, partner):
    """Create a client with one object and account; keyword arguments go to the Account."""

    def make(kind: str = "ФЛ", *, partner_id: int | None = None, inn: str | None = None,
             containers: tuple[tuple[int, str], ...] = (), weekdays: int = 0, payment_day: int | None = None,
             **account) -> Account:
        owner = partner_id or partner.id
        client = Client(partner_id=owner, kind=kind, name=f"Клиент {kind}", name_key="клиент", inn=inn)
        session.add(client)
        session.flush()
        obj = ClientObject(client_id=client.id, name="объект", category="household", billing_unit="resident")
        session.add(obj)
        session.flush()
        contract_id = None
        if payment_day is not None:
            contract = Contract(partner_id=owner, client_id=client.id, number=f"Д-{client.id}",
                                starts_on=date(2025, 1, 1), status="active", accounting_method="by_norm",
                                tariff_group="novosibirsk_oblast.other", payment_day=payment_day)
            session.add(contract)
            session.flush()
            contract_id = contract.id
        if containers:
            site = ContainerSite(partner_id=owner, address="ул. Ленина, 1", weekdays=weekdays)
            session.add(site)
            session.flush()
            session.add_all(Container(site_id=site.id, client_object_id=obj.id, kind="пластик",
                                      volume_m3=Decimal(volume), count=count) for count, volume in containers)
        defaults = {"method": "per_resident", "norm_name": "residents",
                    "tariff_name": "novosibirsk_oblast.population" if kind == "ФЛ" else "novosibirsk_oblast.other",
                    "opened_on": date(2024, 1, 1)}
        row = Account(number=str(next(_numbers)), partner_id=owner, client_id=client.id, client_object_id=obj.id,
                      contract_id=contract_id, client_type=kind, **{**defaults, **account})
        session.add(row)
        session.commit()
        return row

    return make
