"""Payments: importing bank statements, matching payments to accounts, allocating them to debt buckets.

One import is one transaction. The same file twice imports nothing the second time (its SHA-256 is stored), and
a bank document already imported from another file is skipped by its key — so a corrected file can be re-run.

Speed (50,000 lines): every lookup is one query per kind, not one per payment — on PostgreSQL with one array
parameter (`= ANY(:values)`), since thousands of IN placeholders cost more to build and parse than to run; and the
payments and allocations are written with COPY, their ids taken from the sequence in one round trip.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import ARRAY, any_, bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from billing.allocation import Bucket, allocate, net_of_credits
from billing.bank_statement import BankDocument, Problem, named_period, parse
from billing.models import Account, Allocation, BankStatement, Charge, Payment
from billing.period import closed_periods, period_title
from clients.models import Client
from db import utcnow

CHUNK = 5000
_NUMBER = re.compile(r"(?<!\d)\d{4,20}(?!\d)")


@dataclass
class ImportReport:
    statement_id: int | None
    already_imported: bool = False
    imported: int = 0
    duplicates: int = 0
    unmatched: int = 0
    allocated: Decimal = Decimal("0.00")
    credit: Decimal = Decimal("0.00")
    problems: list[Problem] = field(default_factory=list)


def import_bank_statement(session: Session, data: bytes, file_name: str = "") -> ImportReport:
    """Import a 1CClientBankExchange file; UnreadableStatement if it is not one (nothing is stored then)."""
    sha256 = hashlib.sha256(data).hexdigest()
    existing = session.scalar(select(BankStatement.id).where(BankStatement.sha256 == sha256))
    if existing is not None:
        return ImportReport(existing, already_imported=True)
    parsed = parse(data)
    report = ImportReport(None, problems=list(parsed.problems))
    closed = closed_periods(session)
    documents = []
    for document in parsed.documents:
        month = document.paid_on.replace(day=1)
        if month in closed:
            report.problems.append(Problem(document.line, f"Дата платежа {document.paid_on:%d.%m.%Y} в закрытом "
                                                          f"периоде {period_title(month)}: платёж не загружен"))
        else:
            documents.append(document)
    fresh = _fresh(session, documents)
    report.duplicates = len(documents) - len(fresh)
    statement = BankStatement(sha256=sha256, file_name=file_name[:300], encoding=parsed.encoding, report={})
    session.add(statement)
    session.flush()
    report.statement_id = statement.id
    _post(session, fresh, statement.id, report)
    statement.report = {"imported": report.imported, "duplicates": report.duplicates,
                        "unmatched": report.unmatched,
                        "problems": [{"line": p.line, "message": p.message} for p in report.problems]}
    session.commit()
    report.problems.sort(key=lambda p: p.line)
    return report


def _fresh(session: Session, documents: Sequence[BankDocument]) -> list[BankDocument]:
    """Documents not imported before (by key), each once."""
    seen: set[str] = {key for (key,) in _rows(session, lambda where: select(Payment.key).where(where), Payment.key,
                                               [d.key for d in documents])}
    fresh = []
    for document in documents:
        if document.key not in seen:
            seen.add(document.key)
            fresh.append(document)
    return fresh


def _post(session: Session, documents: Sequence[BankDocument], statement_id: int, report: ImportReport) -> None:
    accounts = _match(session, documents)
    partner_of = _partners(session, set(accounts.values()))
    buckets = _open_buckets(session, set(accounts.values()))
    payment_rows, planned = [], []
    for document in sorted(documents, key=lambda d: (d.paid_on, d.line)):
        account_id = accounts.get(document.key)
        kopecks = int(document.amount * 100)
        payment_rows.append({
            "key": document.key, "statement_id": statement_id, "account_id": account_id,
            "partner_id": partner_of.get(account_id), "number": document.number[:40], "paid_on": document.paid_on,
            "amount_kopecks": kopecks, "payer_inn": (document.payer_inn or "")[:12] or None,
            "payer_name": document.payer_name[:500], "payer_account": (document.payer_account or "")[:20] or None,
            "purpose": document.purpose[:1000],
        })
        if account_id is None:
            report.unmatched += 1
            planned.append(())
            continue
        result = allocate(kopecks, buckets[account_id], document.paid_on, named_period(document.purpose))
        _consume(buckets[account_id], result.allocations)
        planned.append(result.allocations)
        report.allocated += Decimal(kopecks - result.credit_kopecks).scaleb(-2)
        report.credit += Decimal(result.credit_kopecks).scaleb(-2)
    if not payment_rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        ids = _copy_payments(session, payment_rows)
    else:
        ids = session.execute(insert(Payment).returning(Payment.id, sort_by_parameter_order=True),
                              payment_rows).scalars().all()
    allocation_rows = [(payment_id, charge_id, kopecks)
                       for payment_id, allocations in zip(ids, planned, strict=True)
                       for charge_id, kopecks in allocations]
    if allocation_rows and session.get_bind().dialect.name == "postgresql":
        _copy(session, "billing_allocation", ("payment_id", "charge_id", "amount_kopecks"), allocation_rows)
    elif allocation_rows:
        session.execute(insert(Allocation), [{"payment_id": p, "charge_id": c, "amount_kopecks": k}
                                             for p, c, k in allocation_rows])
    report.imported = len(payment_rows)


PAYMENT_COLUMNS = ("id", "key", "statement_id", "account_id", "partner_id", "number", "paid_on", "amount_kopecks",
                   "payer_inn", "payer_name", "payer_account", "purpose", "created_at")


def _copy_payments(session: Session, rows: list[dict]) -> list[int]:
    """COPY the payments with ids drawn from their sequence beforehand (COPY cannot return them)."""
    ids = session.scalars(text("SELECT nextval(pg_get_serial_sequence('billing_payment', 'id')) "
                               "FROM generate_series(1, :n)"), {"n": len(rows)}).all()
    now = utcnow()
    _copy(session, "billing_payment", PAYMENT_COLUMNS,
          ((payment_id, *(row[name] for name in PAYMENT_COLUMNS[1:-1]), now) for payment_id, row in zip(
              ids, rows, strict=True)))
    return ids


def _copy(session: Session, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """COPY rows into a table over the session's own connection (inside its transaction)."""
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _rows(session: Session, query, column, values: Sequence) -> Iterator:
    """Rows of `query(condition)` for `column` in `values`: one query with an array on PostgreSQL, else chunks."""
    values = sorted(set(values))
    if not values:
        return
    if session.get_bind().dialect.name == "postgresql":
        yield from session.execute(query(column == any_(bindparam("values", values, type_=ARRAY(column.type)))))
        return
    for chunk in _chunks(values):
        yield from session.execute(query(column.in_(chunk)))


def _match(session: Session, documents: Sequence[BankDocument]) -> dict[str, int]:
    """Document key → account id: an account number written in the purpose, else the payer's only account."""
    numbers = {number for d in documents for number in _NUMBER.findall(d.purpose)}
    by_number: dict[str, int] = dict(_rows(session, lambda where: select(Account.number, Account.id).where(where),
                                           Account.number, numbers))
    inns = {d.payer_inn for d in documents if d.payer_inn}
    by_inn: dict[str, list[int]] = defaultdict(list)
    rows = _rows(session, lambda where: select(Client.inn, Account.id).join(Account, Account.client_id == Client.id)
                 .where(where, Account.closed_on.is_(None)), Client.inn, inns)
    for inn, account_id in rows:
        by_inn[inn].append(account_id)
    matched = {}
    for document in documents:
        named = next((by_number[n] for n in _NUMBER.findall(document.purpose) if n in by_number), None)
        if named is None and len(by_inn.get(document.payer_inn or "", ())) == 1:
            named = by_inn[document.payer_inn][0]
        if named is not None:
            matched[document.key] = named
    return matched


def _partners(session: Session, account_ids: set[int]) -> dict[int, int]:
    return dict(_rows(session, lambda where: select(Account.id, Account.partner_id).where(where), Account.id,
                      account_ids))


def _open_buckets(session: Session, account_ids: set[int]) -> dict[int, list[Bucket]]:
    """Account id → its buckets with what is still owed on each (the month's net charge minus allocations),
    oldest first."""
    def query(where):
        # What was allocated to these accounts' charges only: the allocation table grows by every month's payments.
        paid = (select(Allocation.charge_id, func.sum(Allocation.amount_kopecks).label("paid"))
                .join(Charge, Charge.id == Allocation.charge_id).where(where)
                .group_by(Allocation.charge_id).subquery())
        return (select(Charge.account_id, Charge.id, Charge.period, Charge.due_date, Charge.amount_kopecks,
                       func.coalesce(paid.c.paid, 0))
                .outerjoin(paid, paid.c.charge_id == Charge.id).where(where)
                .order_by(Charge.account_id, Charge.due_date, Charge.id))

    months: dict[tuple[int, date], list] = defaultdict(list)
    rows = _rows(session, query, Charge.account_id, account_ids)
    for account_id, charge_id, period, due_date, kopecks, paid_kopecks in rows:
        months[account_id, period].append((charge_id, due_date, int(kopecks), int(paid_kopecks)))
    buckets: dict[int, list[Bucket]] = defaultdict(list)
    for (account_id, period), lines in months.items():
        if len(lines) == 1:  # most months: one charge line and no credit to take off it
            charge_id, due_date, kopecks, paid_kopecks = lines[0]
            if kopecks > 0:
                buckets[account_id].append(Bucket(charge_id, period, due_date, kopecks - paid_kopecks))
            continue
        owed = net_of_credits((charge_id, kopecks) for charge_id, _, kopecks, _ in lines)
        buckets[account_id].extend(Bucket(charge_id, period, due_date, owed[charge_id] - paid_kopecks)
                                   for charge_id, due_date, _, paid_kopecks in lines if charge_id in owed)
    for account_buckets in buckets.values():
        account_buckets.sort(key=lambda b: (b.due_date, b.charge_id))
    return buckets


def _consume(buckets: list[Bucket], allocations: Sequence[tuple[int, int]]) -> None:
    spent = dict(allocations)
    for index, bucket in enumerate(buckets):
        if bucket.charge_id in spent:
            buckets[index] = Bucket(bucket.charge_id, bucket.period, bucket.due_date,
                                    bucket.open_kopecks - spent[bucket.charge_id])


def _chunks(values: Sequence) -> Iterator[Sequence]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]
