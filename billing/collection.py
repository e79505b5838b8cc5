"""Collected volumes and weighed masses: the input of ЮЛ accounts billed by actual volume (m³) or by mass (t).

Routing's pickup facts feed `record_collections`; each fact carries a `source_key` (its id in the source), so
recording the same facts again adds nothing. A fact names a contract, or a site that serves exactly one client
object (a shared site cannot say whose waste it was).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from billing.models import Account, Collection, Tariff
from billing.month import Month
from billing.period import closed_periods, period_title
from clients.models import Container, Contract
from db import dialect_insert
from texts import N_, Text

MILLI = 1000  # m³ → litres, t → kg: facts are priced in thousandths of the tariff unit
FACT_METHODS = {"by_volume": "volume_m3", "by_mass": "mass_t"}


class CollectionsRejected(ValueError):
    """Some facts are invalid; `errors` maps the fact's position to its Russian reasons. Nothing was recorded."""

    def __init__(self, errors: dict[int, list[str]]) -> None:
        super().__init__("; ".join(f"факт {index + 1}: {', '.join(reasons)}" for index, reasons in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Recorded:
    received: int
    added: int  # the rest were already recorded under their source key


def record_collections(session: Session, facts: Iterable[Mapping[str, Any]]) -> Recorded:
    """Record facts {source_key, contract_id | site_id, collected_on, volume_m3, mass_t}; all or nothing."""
    facts = list(facts)
    closed = closed_periods(session)
    errors: dict[int, list[str]] = {}
    rows = []
    for index, fact in enumerate(facts):
        row, reasons = _checked(fact, closed)
        if reasons:
            errors[index] = reasons
        rows.append(row)
    _check_targets(session, rows, errors)
    if errors:
        raise CollectionsRejected(errors)
    keys = {row["source_key"] for row in rows}
    present = set(session.scalars(select(Collection.source_key).where(Collection.source_key.in_(keys))))
    if rows:
        session.execute(dialect_insert(session)(Collection).on_conflict_do_nothing(index_elements=["source_key"]), rows)
    session.commit()
    return Recorded(len(facts), len(keys - present))


def _checked(fact: Mapping[str, Any], closed: set[date]) -> tuple[dict, list[str]]:
    reasons = []
    key = str(fact.get("source_key") or "").strip()
    if not key or len(key) > 100:
        reasons.append(N_("нужен ключ источника (до 100 символов)"))
    contract_id, site_id = fact.get("contract_id"), fact.get("site_id")
    if (contract_id is None) == (site_id is None):
        reasons.append(N_("укажите либо договор, либо площадку"))
    collected_on = fact.get("collected_on")
    if isinstance(collected_on, str):
        try:
            collected_on = date.fromisoformat(collected_on)
        except ValueError:
            collected_on = None
    if not isinstance(collected_on, date):
        reasons.append(N_("дата вывоза не указана или неверна"))
    elif collected_on.replace(day=1) in closed:
        reasons.append(Text("период %(period)s закрыт", period=period_title(collected_on.replace(day=1))))
    quantities = {}
    for name, title in (("volume_m3", N_("объём")), ("mass_t", N_("масса"))):
        value = fact.get(name)
        if value is None:
            quantities[name] = None
            continue
        try:
            if isinstance(value, float):
                raise InvalidOperation  # a float cannot be billed exactly
            quantities[name] = Decimal(str(value))
        except InvalidOperation:
            reasons.append(Text("%(quantity)s: не число", quantity=title))
            continue
        if quantities[name] < 0:
            reasons.append(Text("%(quantity)s не может быть отрицательным", quantity=title))
    if quantities.get("volume_m3") is None and quantities.get("mass_t") is None:
        reasons.append(N_("нужен объём или масса"))
    return ({"source_key": key, "contract_id": contract_id, "site_id": site_id, "collected_on": collected_on,
             **quantities}, reasons)


def _check_targets(session: Session, rows: list[dict], errors: dict[int, list[str]]) -> None:
    contracts = {row["contract_id"] for row in rows if row["contract_id"] is not None}
    known = set(session.scalars(select(Contract.id).where(Contract.id.in_(contracts)))) if contracts else set()
    sites = {row["site_id"] for row in rows if row["site_id"] is not None}
    objects = dict(session.execute(
        select(Container.site_id, func.count(func.distinct(Container.client_object_id)))
        .where(Container.site_id.in_(sites)).group_by(Container.site_id)).all()) if sites else {}
    for index, row in enumerate(rows):
        if row["contract_id"] is not None and row["contract_id"] not in known:
            errors.setdefault(index, []).append(Text("договор %(contract)s не найден", contract=row["contract_id"]))
        if row["site_id"] is not None and objects.get(row["site_id"], 0) != 1:
            errors.setdefault(index, []).append(
                Text("площадка %(site)s обслуживает не один объект: укажите договор", site=row["site_id"]))


def fact_lines(month: Month, active: list):
    """Per account billed by volume or mass: Σ thousandths × tariff kopecks, each fact at the tariff of its day."""
    accounts, facts, tariffs = Account.__table__, Collection.__table__, Tariff.__table__
    in_month = [facts.c.collected_on >= month.first, facts.c.collected_on <= month.last]
    billed = [accounts.c.method.in_(FACT_METHODS), *active]
    site_objects = (select(Container.site_id, Container.client_object_id)
                    .where(Container.client_object_id.is_not(None)).distinct().subquery("site_objects"))
    columns = (accounts.c.id.label("account_id"), accounts.c.method, accounts.c.tariff_name, facts.c.collected_on,
               facts.c.volume_m3, facts.c.mass_t)
    per_account = union_all(
        select(*columns).join(facts, facts.c.contract_id == accounts.c.contract_id).where(*billed, *in_month),
        select(*columns).join(site_objects, site_objects.c.client_object_id == accounts.c.client_object_id)
        .join(facts, facts.c.site_id == site_objects.c.site_id).where(*billed, *in_month),
    ).subquery("facts")
    quantity = _quantity(per_account)
    tariff_k = cast(func.round(tariffs.c.value * 100), BigInteger)
    return (
        select(per_account.c.account_id, cast(func.sum(quantity * tariff_k), BigInteger).label("num"),
               literal(MILLI, BigInteger).label("den"),
               func.max(case((tariffs.c.includes_vat, 1), else_=0)).label("includes_vat"))
        .join(tariffs, and_(tariffs.c.name == per_account.c.tariff_name,
                            tariffs.c.valid_from <= per_account.c.collected_on,
                            or_(tariffs.c.valid_to.is_(None), tariffs.c.valid_to >= per_account.c.collected_on)))
        .group_by(per_account.c.account_id)
    )


def _quantity(facts):
    """The fact's quantity in thousandths of the unit its account is billed in (litres or kilograms)."""
    value = case((facts.c.method == "by_mass", facts.c.mass_t), else_=facts.c.volume_m3)
    return cast(func.round(func.coalesce(value, 0) * MILLI), BigInteger)
