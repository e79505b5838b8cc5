"""Penalties over many debt buckets at once (a partner, the УК, or one account) as of a date.

The rule stays in billing/penalty.py. For a bucket nobody has paid against, the calculation lines depend only on
its due date and client kind, never on its amount: penalty.py computes those lines once per (due date, kind), and
the database multiplies every bucket's amount by each line's coefficient fraction × rate × days, rounding each
line half-up to kopecks exactly as penalty.py does — `(2 base p + q) // 2q` for a coefficient p / q.
Coefficients are keyed by the account's client type (a plain column), so the database estimates the join well.
Buckets with allocations (their base changes on payment days) and months with credit lines (absence, the 3.3%
reduction: the base is the month's net) go through penalty.py one by one; they are few.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cache

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    cast,
    exists,
    func,
    select,
    text,
    union,
)
from sqlalchemy.orm import Session, aliased

from billing.allocation import net_of_credits
from billing.models import Account, Allocation, Charge, Payment
from billing.penalty import Payment as PenaltyPayment
from billing.penalty import penalty, penalty_tiers
from billing.reference import rate_table
from clients.models import CLIENT_KINDS
from db.scope import PartnerScope


@dataclass(frozen=True)
class PenaltyTotals:
    on: date
    total: Decimal
    buckets: int
    by_account: dict[int, int]  # account id → kopecks (accounts with a penalty only)


def _kind(client_type: str) -> str:
    return "individuals" if client_type == "ФЛ" else "legal_entities"


def compute_penalties(session: Session, on: date, *, scope: PartnerScope,
                      account_id: int | None = None) -> PenaltyTotals:
    """Penalty of every bucket due before `on` within `scope` (of the one account, or of all), counted to `on`."""
    one_account = [] if account_id is None else [Account.id == account_id]
    key_rates, caps = rate_table(session, "key_rate"), rate_table(session, "penalty_cap")
    buckets = [Charge.due_date < on, Charge.amount_kopecks > 0, *one_account]
    credits = [Charge.due_date < on, Charge.amount_kopecks < 0, *one_account]
    paid_by_then = (select(Allocation.id).join(Payment, Payment.id == Allocation.payment_id)
                    .where(Allocation.charge_id == Charge.id, Payment.paid_on <= on))
    credit_line = aliased(Charge)
    credited = select(credit_line.id).where(credit_line.account_id == Charge.account_id,
                                            credit_line.period == Charge.period, credit_line.amount_kopecks < 0)
    # The buckets left out of the set-based pass — paid against by then, or lowered by a credit line of their month —
    # go through penalty.py one by one, driven from the (few) allocations and credit lines rather than from the
    # buckets. Their data is read first; their arithmetic (pure Python) runs in a thread while the database works
    # through the set-based pass on this session (the driver releases the GIL while it waits for the server).
    paid_against = (select(Charge.account_id, Charge.period).select_from(Allocation)
                    .join(Payment, Payment.id == Allocation.payment_id).join(Charge, Charge.id == Allocation.charge_id)
                    .join(Account, Account.id == Charge.account_id).where(*buckets, Payment.paid_on <= on))
    lowered = select(Charge.account_id, Charge.period).join(Account, Account.id == Charge.account_id).where(*credits)
    irregular = union(scope.restrict(paid_against, Account.partner_id),
                      scope.restrict(lowered, Account.partner_id)).subquery()
    in_irregular = and_(irregular.c.account_id == Charge.account_id, irregular.c.period == Charge.period)
    months, kinds, due_dates, payments = defaultdict(list), {}, {}, defaultdict(list)
    for charge_id, account, period, kopecks, due, client_type in session.execute(
            select(Charge.id, Charge.account_id, Charge.period, Charge.amount_kopecks, Charge.due_date,
                   Account.client_type)
            .join(irregular, in_irregular).join(Account, Account.id == Charge.account_id)
            .where(Charge.due_date < on)):
        months[account, period].append((charge_id, kopecks))
        kinds[account], due_dates[charge_id] = _kind(client_type), due
    for charge_id, paid_on, allocated in session.execute(
            select(Allocation.charge_id, Payment.paid_on, Allocation.amount_kopecks)
            .join(Payment, Payment.id == Allocation.payment_id).join(Charge, Charge.id == Allocation.charge_id)
            .join(irregular, in_irregular).where(Payment.paid_on <= on)):
        payments[charge_id].append(PenaltyPayment(paid_on, Decimal(allocated).scaleb(-2)))
    with ThreadPoolExecutor(max_workers=1) as pool:
        one_by_one = pool.submit(_one_by_one, months, kinds, due_dates, payments, on, key_rates, caps)
        count, by_account = _set_based(session, scope, on, buckets, paid_by_then, credited, key_rates, caps)
        irregular_count, irregular_by_account = one_by_one.result()
    count += irregular_count
    for account, kopecks in irregular_by_account.items():
        by_account[account] += kopecks
    return PenaltyTotals(on, Decimal(sum(by_account.values())).scaleb(-2), count,
                         {account: kopecks for account, kopecks in by_account.items() if kopecks})


def _set_based(session: Session, scope: PartnerScope, on: date, buckets: list, paid_by_then, credited, key_rates,
               caps) -> tuple[int, dict[int, int]]:
    """Every bucket without payments by `on` and without credit lines of its month, in one aggregate query."""
    by_account: dict[int, int] = defaultdict(int)
    count = 0
    # Every day from the oldest period on is a possible due date (a due date never precedes its period, and the
    # oldest period comes from an index): cheaper than finding the distinct due dates among millions of buckets.
    oldest = session.scalar(select(func.min(Charge.period)))
    days = [] if oldest is None else [oldest + timedelta(days=n) for n in range((on - oldest).days)]
    rows = _coefficients(days, on, key_rates, caps)
    if not rows:
        return count, by_account
    coefficients = _fill(session, rows)
    amount = (2 * Charge.amount_kopecks * coefficients.c.p + coefficients.c.q) // (2 * coefficients.c.q)
    clean = (select(Charge.account_id, _whole(func.sum(amount)), _whole(func.sum(coefficients.c.first)))
             .join(Account, Account.id == Charge.account_id)
             .join(coefficients, and_(coefficients.c.due_date == Charge.due_date,
                                      coefficients.c.client_type == Account.client_type))
             .where(*buckets, ~exists(paid_by_then), ~exists(credited))
             .group_by(Charge.account_id))
    clean = scope.restrict(clean, Account.partner_id)
    for account, kopecks, bucket_count in session.execute(clean.execution_options(yield_per=20_000)):
        count += bucket_count
        if kopecks:
            by_account[account] += int(kopecks)
    coefficients.drop(session.connection())
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("RESET work_mem"))
    return count, by_account


def _one_by_one(months: dict, kinds: dict, due_dates: dict, payments: dict, on: date, key_rates, caps
                ) -> tuple[int, dict[int, int]]:
    """penalty.py on each irregular bucket (net of its month's credit lines, with its payments)."""
    by_account: dict[int, int] = defaultdict(int)
    count = 0
    tiers = cache(penalty_tiers)  # a few hundred (kind, due date) pairs among tens of thousands of buckets
    for (account, _), lines in months.items():
        for charge_id, kopecks in net_of_credits(lines).items():
            if not kopecks:
                continue
            due = due_dates[charge_id]
            result = penalty(Decimal(kopecks).scaleb(-2), due, on, tiers(kinds[account], due),
                             payments=payments[charge_id], key_rates=key_rates, caps=caps)
            count += 1
            if result.total:
                by_account[account] += int(result.total * 100)
    return count, by_account


def _whole(expression):
    """PostgreSQL sums BIGINT as NUMERIC; the totals are whole kopecks."""
    return cast(expression, BigInteger)


def _coefficients(days: list[date], on: date, key_rates, caps) -> list[dict]:
    """Per due date, client type and calculation line: the coefficient fraction × rate% × days as p / q."""
    rows = []
    for due in days:
        for kind in ("individuals", "legal_entities"):
            lines = penalty(Decimal(1), due, on, penalty_tiers(kind, due), key_rates=key_rates, caps=caps).lines
            coefficients = [c for c in (line.fraction * Fraction(line.rate) / 100 * line.days for line in lines) if c]
            # `first` marks one line per bucket, so summing it counts buckets without COUNT(DISTINCT), which
            # would force a sort of every (bucket, line) pair instead of a hash aggregate.
            rows.extend({"due_date": due, "client_type": client_type, "p": coefficient.numerator,
                         "q": coefficient.denominator, "first": int(index == 0)}
                        for index, coefficient in enumerate(coefficients)
                        for client_type in CLIENT_KINDS if _kind(client_type) == kind)
    return rows


def _fill(session: Session, rows: list[dict]) -> Table:
    """The coefficients as a temporary table: a real table with statistics, so the database hash-joins the
    buckets to it instead of probing the buckets once per coefficient row."""
    table = Table("penalty_coefficients", MetaData(), Column("due_date", Date), Column("client_type", String(2)),
                  Column("p", BigInteger), Column("q", BigInteger), Column("first", Integer), prefixes=["TEMPORARY"])
    connection = session.connection()
    table.drop(connection, checkfirst=True)
    table.create(connection)
    connection.execute(table.insert(), rows)
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE penalty_coefficients"))
        # Grouping every account's buckets in memory instead of an on-disk sort (this pass only).
        connection.execute(text("SET LOCAL work_mem = '256MB'"))
    return table
