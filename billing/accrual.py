"""Accrual of one period for every account of a partner (or of the УК) at once, in INSERT … SELECT statements.

The arithmetic runs in the database on integers so that SQLite (no decimal type) and PostgreSQL give the same
kopecks as billing/charge.py: norms are scaled to 1e-5 m³, tariffs to kopecks, areas and units to hundredths,
volumes to litres and masses to kilograms. Every line's exact amount is num / den, rounded half-up once per line
with integer division, `(2 num + den) // 2 den` (both positive; credits are negated after rounding).

Lines of a period: `service` (the month's fee), `absence:<id>` (a credit for a temporary absence) and `quality`
(the reduction for collection delays beyond the limits), each with its VAT at the rate of the partner's regime in
force on the first day of the month. A tariff or norm changing inside the month is priced pro rata by days; facts
(by volume, by mass) are priced at the tariff of their own day.

Re-running an open period replaces its lines (lines nobody has paid against are deleted, paid ones updated in
place), never adds a second one; a closed period is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import reduce
from operator import add

from sqlalchemy import BigInteger, and_, case, cast, delete, exists, func, literal, null, or_, select, true, union_all
from sqlalchemy.orm import Session

from billing.collection import fact_lines
from billing.due_date import contract_due_date, individual_due_date
from billing.models import Account, Allocation, Charge, Norm, Period, Tariff
from billing.month import Month, overlap_days, segments
from billing.period import require_open
from billing.recalculation import absence_lines, quality_lines
from billing.reference import VatRates, vat_rates
from clients.models import Container, ContainerSite, Contract
from db import dialect_insert
from texts import N_

SERVICE_LINE = "service"
NORM_SCALE = 100_000
QUANTITY_SCALE = 100
LITRES_PER_M3 = 1000
MONTHS_PER_YEAR = 12
NORM_METHODS = ("per_resident", "per_area", "by_norm")
DEFAULT_PAYMENT_DAY = 10
BASIS = 10_000  # VAT rates are in basis points

_accounts = Account.__table__
_charges = Charge.__table__
_allocations = Allocation.__table__


@dataclass(frozen=True)
class AccrualResult:
    period: date
    accounts_charged: int
    accounts_skipped: int  # active accounts without a tariff, a norm or a supported method
    total: Decimal
    vat: Decimal


def accrue_period(session: Session, year: int, month: int, *, partner_id: int | None = None) -> AccrualResult:
    """Charge every active account (of `partner_id`, or all) for the month; replaces an earlier run of it."""
    month_ = Month(year, month)
    period = month_.first
    require_open(session, period, N_("изменить начисления"))
    if session.scalar(select(Period.id).where(Period.starts_on == period)) is None:
        session.add(Period(starts_on=period, status="open"))
        session.flush()
    in_scope = [] if partner_id is None else [_accounts.c.partner_id == partner_id]
    active = [_accounts.c.opened_on <= month_.last,
              or_(_accounts.c.closed_on.is_(None), _accounts.c.closed_on >= period), *in_scope]
    rates = vat_rates(session, period)
    tariffs = segments(session, Tariff, month_, 100, "tariff_segments")
    norms = segments(session, Norm, month_, NORM_SCALE, "norm_segments")

    # Lines nobody has paid against yet are replaced outright; paid ones are updated in place (allocations stay).
    scoped = select(_accounts.c.id).where(*in_scope) if in_scope else None
    in_accounts = [_charges.c.account_id.in_(scoped)] if scoped is not None else []
    session.execute(delete(_charges).where(
        _charges.c.period == period, ~exists().where(_allocations.c.charge_id == _charges.c.id), *in_accounts))
    service = union_all(_service_lines(month_, active, tariffs, norms), fact_lines(month_, active)).subquery()
    _upsert(session, _priced(select(service.c.account_id, literal(SERVICE_LINE).label("line"),
                                    null().label("reason"), service.c.num, service.c.den,
                                    service.c.includes_vat).subquery("lines"), month_, rates, credit=False))
    _upsert(session, _priced(absence_lines(month_, active, tariffs, norms).subquery("lines"), month_, rates,
                             credit=True))
    reductions = quality_lines(session, month_, in_scope, rates)
    if reductions:
        _upsert(session, reductions)

    totals = session.execute(
        select(func.count(func.distinct(_charges.c.account_id)),
               func.coalesce(func.sum(_charges.c.amount_kopecks), 0),
               func.coalesce(func.sum(_charges.c.vat_kopecks), 0))
        .where(_charges.c.period == period, *in_accounts)).one()
    charged = session.scalar(select(func.count()).select_from(_charges)
                             .where(_charges.c.period == period, _charges.c.line == SERVICE_LINE, *in_accounts))
    active_count = session.scalar(select(func.count()).select_from(_accounts).where(*active))
    session.commit()
    return AccrualResult(period, charged, active_count - charged,
                         Decimal(totals[1]).scaleb(-2), Decimal(totals[2]).scaleb(-2))


def _service_lines(month: Month, active: list, tariffs, norms):
    """Per account billed by a norm or by containers: Σ over the tariff × norm segments of num, and den."""
    litres = _container_litres(month)
    area = cast(func.round(func.coalesce(_accounts.c.area_m2, 0) * QUANTITY_SCALE), BigInteger)
    units = cast(func.round(func.coalesce(_accounts.c.units, 0) * QUANTITY_SCALE), BigInteger)
    # Formula 9(1): residents, or the owners when nobody is registered.
    people = case((_accounts.c.residents > 0, _accounts.c.residents), else_=_accounts.c.owners) * QUANTITY_SCALE
    method = _accounts.c.method
    quantity = case((method == "per_resident", people), (method == "per_area", area), else_=units)
    days = overlap_days((tariffs.c.from_day, tariffs.c.to_day),
                        (func.coalesce(norms.c.from_day, tariffs.c.from_day),
                         func.coalesce(norms.c.to_day, tariffs.c.to_day)), (1, month.days))
    numerator = cast(case(
        (method.in_(NORM_METHODS), quantity * norms.c.value * tariffs.c.value * days),
        (method == "by_containers", litres.c.litres * tariffs.c.value * days),
        else_=None,
    ), BigInteger)
    denominator = case((method == "by_containers", LITRES_PER_M3 * month.days),
                       else_=MONTHS_PER_YEAR * NORM_SCALE * QUANTITY_SCALE * month.days)
    # PostgreSQL sums BIGINT as NUMERIC: cast back, or the integer division below would not truncate.
    return (
        select(_accounts.c.id.label("account_id"), cast(func.sum(numerator), BigInteger).label("num"),
               cast(denominator, BigInteger).label("den"),
               func.max(tariffs.c.includes_vat).label("includes_vat"))
        .join(tariffs, tariffs.c.name == _accounts.c.tariff_name)
        .outerjoin(norms, and_(norms.c.name == _accounts.c.norm_name, norms.c.from_day <= tariffs.c.to_day,
                               norms.c.to_day >= tariffs.c.from_day))
        .outerjoin(litres, litres.c.client_object_id == _accounts.c.client_object_id)
        .where(*active, numerator.is_not(None))
        .group_by(_accounts.c.id, method)
    )


def _priced(lines, month: Month, rates: VatRates, *, credit: bool):
    """Rows for billing_charge from lines (account_id, line, reason, num, den, includes_vat): amount, VAT, due."""
    contracts = Contract.__table__
    gross_or_net = (2 * lines.c.num + lines.c.den) // (2 * lines.c.den)
    rate = _partner_rate(rates)
    vat = case(
        (lines.c.includes_vat == 1, (2 * gross_or_net * rate + BASIS + rate) // (2 * (BASIS + rate))),
        else_=(2 * gross_or_net * rate + BASIS) // (2 * BASIS),
    )
    amount = case((lines.c.includes_vat == 1, gross_or_net), else_=gross_or_net + vat)
    sign = -1 if credit else 1
    payment_day = func.coalesce(contracts.c.payment_day, DEFAULT_PAYMENT_DAY)
    due = case(
        (_accounts.c.client_type == "ФЛ", literal(individual_due_date(month.year, month.month))),
        else_=case({day: contract_due_date(month.year, month.month, day) for day in range(1, 32)},
                   value=payment_day),
    )
    return (
        select(lines.c.account_id, literal(month.first).label("period"), lines.c.line,
               (sign * amount).label("amount_kopecks"), (sign * vat).label("vat_kopecks"), due.label("due_date"),
               lines.c.reason)
        .join(_accounts, _accounts.c.id == lines.c.account_id)
        .outerjoin(contracts, contracts.c.id == _accounts.c.contract_id)
        .where(lines.c.num > 0)
    )


def _partner_rate(rates: VatRates):
    """The VAT rate (basis points) of each account's partner, as an SQL expression."""
    if not rates.by_partner:
        return literal(rates.general, BigInteger)
    return cast(case(rates.by_partner, value=_accounts.c.partner_id, else_=rates.general), BigInteger)


def _upsert(session: Session, rows) -> None:
    """Insert charge lines (a SELECT or a list of dicts), updating a line that survived the delete (it is paid)."""
    insert = dialect_insert(session)
    columns = ["account_id", "period", "line", "amount_kopecks", "vat_kopecks", "due_date", "reason"]
    statement = (insert(_charges).from_select(columns, rows.where(true()))  # SQLite: ON CONFLICT needs a WHERE
                 if not isinstance(rows, list) else insert(_charges).values(rows))
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "period", "line"],
        set_={"amount_kopecks": statement.excluded.amount_kopecks, "vat_kopecks": statement.excluded.vat_kopecks,
              "due_date": statement.excluded.due_date, "reason": statement.excluded.reason},
    )
    session.execute(statement)


def _container_litres(month: Month):
    """Per client object: Σ containers × litres × collections in the month by the site's weekday schedule."""
    sites, containers = ContainerSite.__table__, Container.__table__
    weekday_counts = [0] * 7
    for day in range(1, month.days + 1):
        weekday_counts[date(month.year, month.month, day).weekday()] += 1
    collections = reduce(add, (case((sites.c.weekdays.op("&")(1 << weekday) != 0, count), else_=0)
                               for weekday, count in enumerate(weekday_counts)))
    litres = cast(func.round(containers.c.volume_m3 * LITRES_PER_M3), BigInteger)
    return (
        select(containers.c.client_object_id, func.sum(containers.c["count"] * litres * collections).label("litres"))
        .join(sites, sites.c.id == containers.c.site_id)
        .where(containers.c.client_object_id.is_not(None))
        .group_by(containers.c.client_object_id)
        .subquery("container_litres")
    )
