"""Accrual of one period for every account of a partner (or of the УК) at once, in one INSERT … SELECT.

The arithmetic runs in the database on integers so that SQLite (no decimal type) and PostgreSQL give the same
kopecks as billing/charge.py: norms are scaled to 1e-5 m³, tariffs to kopecks, areas and units to hundredths and
container volumes to litres; every method's exact amount is numerator / DENOMINATOR and is rounded half-up once
per line with integer division, `(2n + d) // 2d`.

Re-running an open period replaces its lines (an upsert on account × period × line), never adds a second one;
a closed period is refused. The tariff and norm in force on the first day of the month apply to the whole month.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import reduce
from operator import add

from sqlalchemy import BigInteger, and_, case, cast, delete, exists, func, literal, or_, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from billing.due_date import contract_due_date, individual_due_date
from billing.models import Account, Allocation, Charge, Norm, Period, Tariff
from billing.period import first_day, require_open
from billing.reference import rate_table
from clients.models import Container, ContainerSite, Contract

SERVICE_LINE = "service"
NORM_SCALE = 100_000
QUANTITY_SCALE = 100
LITRES_PER_M3 = 1000
MONTHS_PER_YEAR = 12
DENOMINATOR = MONTHS_PER_YEAR * NORM_SCALE * QUANTITY_SCALE
DEFAULT_PAYMENT_DAY = 10

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
    period = first_day(year, month)
    require_open(session, period, "изменить начисления")
    if session.scalar(select(Period.id).where(Period.starts_on == period)) is None:
        session.add(Period(starts_on=period, status="open"))
        session.flush()
    last = date(year, month, calendar.monthrange(year, month)[1])
    vat_basis_points = int(Decimal(rate_table(session, "vat.general").at(period)) * 100)
    in_scope = [] if partner_id is None else [_accounts.c.partner_id == partner_id]
    active = [_accounts.c.opened_on <= last,
              or_(_accounts.c.closed_on.is_(None), _accounts.c.closed_on >= period), *in_scope]

    lines = _net_lines(period, year, month, active)
    vat = case(
        (lines.c.includes_vat, (2 * lines.c.net * vat_basis_points + 10_000 + vat_basis_points)
         // (2 * (10_000 + vat_basis_points))),
        else_=(2 * lines.c.net * vat_basis_points + 10_000) // 20_000,
    )
    rows = select(
        lines.c.account_id, literal(period).label("period"), literal(SERVICE_LINE).label("line"),
        case((lines.c.includes_vat, lines.c.net), else_=lines.c.net + vat).label("amount_kopecks"),
        vat.label("vat_kopecks"), lines.c.due_date,
    ).where(true())  # SQLite parses INSERT … SELECT … ON CONFLICT only after a WHERE

    # Lines nobody has paid against yet are replaced outright; paid ones are updated in place (allocations stay).
    scoped = select(_accounts.c.id).where(*in_scope) if in_scope else None
    session.execute(delete(_charges).where(
        _charges.c.period == period, _charges.c.line == SERVICE_LINE,
        ~exists().where(_allocations.c.charge_id == _charges.c.id),
        *([_charges.c.account_id.in_(scoped)] if scoped is not None else []),
    ))
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(_charges).from_select(
        ["account_id", "period", "line", "amount_kopecks", "vat_kopecks", "due_date"], rows)
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "period", "line"],
        set_={"amount_kopecks": statement.excluded.amount_kopecks, "vat_kopecks": statement.excluded.vat_kopecks,
              "due_date": statement.excluded.due_date},
    )
    session.execute(statement)

    totals = session.execute(
        select(func.count(), func.coalesce(func.sum(_charges.c.amount_kopecks), 0),
               func.coalesce(func.sum(_charges.c.vat_kopecks), 0))
        .where(_charges.c.period == period, _charges.c.line == SERVICE_LINE,
               *([_charges.c.account_id.in_(scoped)] if scoped is not None else []))).one()
    active_count = session.scalar(select(func.count()).select_from(_accounts).where(*active))
    session.commit()
    return AccrualResult(period, totals[0], active_count - totals[0],
                         Decimal(totals[1]).scaleb(-2), Decimal(totals[2]).scaleb(-2))


def _net_lines(period: date, year: int, month: int, active: list):
    """Per account: the net kopecks of the month, whether the tariff includes VAT, and the due date."""
    tariffs, norms = Tariff.__table__, Norm.__table__
    contracts = Contract.__table__
    litres = _container_litres(year, month)
    tariff_k = cast(func.round(tariffs.c.value * 100), BigInteger)
    norm_u = cast(func.round(norms.c.value * NORM_SCALE), BigInteger)
    area = cast(func.round(func.coalesce(_accounts.c.area_m2, 0) * QUANTITY_SCALE), BigInteger)
    units = cast(func.round(func.coalesce(_accounts.c.units, 0) * QUANTITY_SCALE), BigInteger)
    # Formula 9(1): residents, or the owners when nobody is registered.
    people = case((_accounts.c.residents > 0, _accounts.c.residents), else_=_accounts.c.owners)
    method = _accounts.c.method
    numerator = cast(case(
        (method == "per_resident", people * norm_u * tariff_k * QUANTITY_SCALE),
        (method == "per_area", area * norm_u * tariff_k),
        (method == "by_norm", units * norm_u * tariff_k),
        (method == "by_containers", litres.c.litres * tariff_k * (DENOMINATOR // LITRES_PER_M3)),
        else_=None,
    ), BigInteger)
    net = (2 * numerator + DENOMINATOR) // (2 * DENOMINATOR)
    payment_day = func.coalesce(contracts.c.payment_day, DEFAULT_PAYMENT_DAY)
    due = case(
        (_accounts.c.client_type == "ФЛ", literal(individual_due_date(year, month))),
        else_=case({day: contract_due_date(year, month, day) for day in range(1, 32)}, value=payment_day),
    )
    in_force = lambda table: and_(table.c.valid_from <= period,  # noqa: E731
                                  or_(table.c.valid_to.is_(None), table.c.valid_to >= period))
    return (
        select(_accounts.c.id.label("account_id"), net.label("net"), tariffs.c.includes_vat,
               due.label("due_date"))
        .join(tariffs, and_(tariffs.c.name == _accounts.c.tariff_name, in_force(tariffs)))
        .outerjoin(norms, and_(norms.c.name == _accounts.c.norm_name, in_force(norms)))
        .outerjoin(litres, litres.c.client_object_id == _accounts.c.client_object_id)
        .outerjoin(contracts, contracts.c.id == _accounts.c.contract_id)
        .where(*active, numerator.is_not(None))
        .subquery("lines")
    )


def _container_litres(year: int, month: int):
    """Per client object: Σ containers × litres × collections in the month by the site's weekday schedule."""
    sites, containers = ContainerSite.__table__, Container.__table__
    weekday_counts = [0] * 7
    for day in range(1, calendar.monthrange(year, month)[1] + 1):
        weekday_counts[date(year, month, day).weekday()] += 1
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
