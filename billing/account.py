"""Opening a лицевой счёт: one per client object, idempotent by the caller's key (a retried job opens nothing new)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.models import Account, Tariff
from clients.models import ACCOUNTING_METHODS, Client, ClientObject, Contract
from clients.registry import InvalidClient
from texts import N_, Text

NUMBER_DIGITS = 10


def open_account(session: Session, *, partner_id: int, client_id: int, method: str, tariff_name: str,
                 opened_on: date, client_object_id: int | None = None, contract_id: int | None = None,
                 norm_name: str | None = None, residents: int = 0, owners: int = 0, area_m2: Decimal | None = None,
                 units: Decimal | None = None, key: str | None = None) -> tuple[Account, bool]:
    """Open the account (or return the one already opened by `key` or for the object); (account, created)."""
    if key is not None:
        existing = session.scalar(select(Account).where(Account.opened_key == key))
        if existing is not None:
            return existing, False
    if client_object_id is not None:
        existing = session.scalar(select(Account).where(Account.client_object_id == client_object_id,
                                                        Account.closed_on.is_(None)))
        if existing is not None:
            return existing, False
    client = session.get(Client, client_id)
    errors = _errors(session, client, client_id, partner_id, method, tariff_name, client_object_id, contract_id,
                     residents, owners, area_m2, units)
    if errors:
        raise InvalidClient(errors)
    account = Account(number=f"pending-{client_id}-{client_object_id}", partner_id=partner_id, client_id=client_id,
                      client_object_id=client_object_id, contract_id=contract_id, client_type=client.kind,
                      method=method, residents=residents, owners=owners, area_m2=area_m2, units=units,
                      norm_name=norm_name, tariff_name=tariff_name, opened_on=opened_on, opened_key=key)
    session.add(account)
    session.flush()
    # Numbers are the id, zero-padded: unique without a counter, and digits only so bank purposes can name them.
    account.number = str(account.id).zfill(NUMBER_DIGITS)
    session.commit()
    return account, True


def _errors(session, client, client_id, partner_id, method, tariff_name, client_object_id, contract_id, residents,
            owners, area_m2, units) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if client is None or client.partner_id != partner_id:
        errors["client_id"] = [N_("Клиент не найден")]
    if method not in ACCOUNTING_METHODS:
        errors["method"] = [Text("Способ учёта: один из %(methods)s", methods=", ".join(ACCOUNTING_METHODS))]
    if session.scalar(select(Tariff.id).where(Tariff.name == tariff_name).limit(1)) is None:
        errors["tariff_name"] = [Text("Тариф «%(tariff)s» не найден", tariff=tariff_name)]
    if client_object_id is not None:
        obj = session.get(ClientObject, client_object_id)
        if obj is None or obj.client_id != client_id:
            errors["client_object_id"] = [N_("Объект не принадлежит клиенту")]
    if contract_id is not None:
        contract = session.get(Contract, contract_id)
        if contract is None or contract.client_id != client_id:
            errors["contract_id"] = [N_("Договор не принадлежит клиенту")]
    if residents < 0 or owners < 0:
        errors["residents"] = [N_("Число проживающих и собственников не может быть отрицательным")]
    if method == "per_resident" and residents == 0 and owners == 0:
        errors["residents"] = [N_("Для расчёта по проживающим укажите проживающих или собственников")]
    if method == "per_area" and not (area_m2 and area_m2 > 0):
        errors["area_m2"] = [N_("Для расчёта по площади укажите площадь больше нуля")]
    if method == "by_norm" and not (units and units > 0):
        errors["units"] = [N_("Для расчёта по нормативу укажите количество расчётных единиц")]
    return errors
