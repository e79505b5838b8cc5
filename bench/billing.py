"""Billing benchmark on PostgreSQL: set-based accrual vs a per-account ORM loop, penalties, a bank statement import.

    python bench/billing.py [--accounts 800000] [--orm-accounts 10000] [--payments 50000] [--json]

Creates (and drops) its own database `reglament_bench_billing` next to REGLAMENT_BENCH_PG_URL
(default postgresql+psycopg://root@127.0.0.1:5432/test). 7 of 8 accounts are ФЛ per resident, 1 of 8 ЮЛ by norm.
After the accrual of March 2026, eleven earlier months of buckets are copied from it in SQL, so penalties run over
12 months of buckets per account (counted to 31.05.2026) after the bank statement has paid some of them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.postgres import fresh_database  # noqa: E402
from billing.accrual import accrue_period  # noqa: E402
from billing.charge import by_norm, per_resident  # noqa: E402
from billing.due_date import contract_due_date, individual_due_date  # noqa: E402
from billing.models import Account, Charge, Norm, Tariff  # noqa: E402
from billing.payments import import_bank_statement  # noqa: E402
from billing.penalty_batch import compute_penalties  # noqa: E402
from billing.reference import seed_reference  # noqa: E402
from billing.vat import vat_inside, vat_on_top  # noqa: E402
from db import Base  # noqa: E402
from identity.models import Partner  # noqa: E402

PG_URL = os.environ.get("REGLAMENT_BENCH_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
DATABASE = "reglament_bench_billing"


def populate(session: Session, accounts: int) -> None:
    """One partner, one client per account (7/8 ФЛ, 1/8 ЮЛ office by norm), generated in SQL."""
    seed_reference(session)
    partner = Partner(code="bench", name="Бенчмарк")
    session.add(partner)
    session.commit()
    session.execute(text(
        "INSERT INTO client (id, partner_id, kind, name, name_key, address, address_key, created_at) "
        "SELECT i + 1, :partner, CASE WHEN i % 8 = 0 THEN 'ЮЛ' ELSE 'ФЛ' END, 'Клиент ' || i, 'клиент ' || i, "
        "'', '', now() FROM generate_series(0, :n - 1) AS i"), {"partner": partner.id, "n": accounts})
    session.execute(text(
        "INSERT INTO billing_account (number, partner_id, client_id, client_type, method, residents, owners, units, "
        "norm_name, tariff_name, opened_on) "
        "SELECT (10000000 + i)::text, :partner, i + 1, CASE WHEN i % 8 = 0 THEN 'ЮЛ' ELSE 'ФЛ' END, "
        "CASE WHEN i % 8 = 0 THEN 'by_norm' ELSE 'per_resident' END, 1 + i % 4, 1, "
        "CASE WHEN i % 8 = 0 THEN 5 + i % 20 END, "
        "CASE WHEN i % 8 = 0 THEN 'office_employees' ELSE 'residents' END, "
        "CASE WHEN i % 8 = 0 THEN 'novosibirsk_oblast.other' ELSE 'novosibirsk_oblast.population' END, "
        "DATE '2024-01-01' FROM generate_series(0, :n - 1) AS i"), {"partner": partner.id, "n": accounts})
    session.execute(text("SELECT setval(pg_get_serial_sequence('client', 'id'), :n)"), {"n": accounts})
    session.commit()
    session.execute(text("ANALYZE"))


def add_history(session: Session, months: int = 11) -> int:
    """Copy March 2026's service lines to the `months` before it (due on the 10th of the following month)."""
    session.execute(text(
        "INSERT INTO billing_charge (account_id, period, line, amount_kopecks, vat_kopecks, due_date) "
        "SELECT account_id, (period - make_interval(months => n))::date, line, amount_kopecks, vat_kopecks, "
        "(period - make_interval(months => n - 1) + interval '9 days')::date "
        "FROM billing_charge, generate_series(1, :months) AS n WHERE period = DATE '2026-03-01' AND line = 'service'"),
        {"months": months})
    session.execute(text("ANALYZE billing_charge"))
    session.commit()
    return session.scalar(text("SELECT count(*) FROM billing_charge"))


def orm_loop(session: Session, limit: int, year: int, month: int) -> int:
    """The straightforward way: per account, look up its tariff and norm, compute in Python, add a Charge."""
    period = date(year, month, 1)
    count = 0
    for account in session.scalars(select(Account).order_by(Account.id).limit(limit)):
        tariff = session.scalar(select(Tariff).where(Tariff.name == account.tariff_name,
                                                     Tariff.valid_from <= period).order_by(Tariff.valid_from.desc()))
        norm = session.scalar(select(Norm).where(Norm.name == account.norm_name,
                                                 Norm.valid_from <= period).order_by(Norm.valid_from.desc()))
        if account.method == "per_resident":
            amount = per_resident(account.residents or account.owners, norm.value, tariff.value)
            vat, due = vat_inside(amount, 22), individual_due_date(year, month)
        else:
            net = by_norm(account.units, norm.value, tariff.value)
            vat = vat_on_top(net, 22)
            amount, due = net + vat, contract_due_date(year, month, 10)
        session.add(Charge(account_id=account.id, period=period, line="orm", amount_kopecks=int(amount * 100),
                           vat_kopecks=int(vat * 100), due_date=due))
        count += 1
    session.commit()
    return count


def bank_file(payments: int, accounts: int) -> bytes:
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "РасчСчет=40702810938000012345"]
    for i in range(payments):
        lines += ["СекцияДокумент=Платежное поручение", f"Номер={i + 1}", "Дата=05.04.2026", "Сумма=150.00",
                  "ПлательщикСчет=40817810099910004312", "ПолучательСчет=40702810938000012345",
                  f"НазначениеПлатежа=Оплата ТКО л/с {10_000_000 + (i * 7919) % accounts} за март 2026",
                  "КонецДокумента"]
    lines.append("КонецФайла")
    return "\r\n".join(lines).encode("cp1251")


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=800_000)
    parser.add_argument("--orm-accounts", type=int, default=10_000)
    parser.add_argument("--payments", type=int, default=50_000)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()

    url = fresh_database(PG_URL, DATABASE)
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        populate_s, _ = timed(populate, session, options.accounts)
        accrual_s, result = timed(accrue_period, session, 2026, 3)
        rerun_s, _ = timed(accrue_period, session, 2026, 3)
        orm_s, orm_count = timed(orm_loop, session, options.orm_accounts, 2026, 3)
        session.execute(delete(Charge).where(Charge.line == "orm"))
        session.commit()
        buckets = add_history(session)
        data = bank_file(options.payments, options.accounts)
        import_s, report = timed(import_bank_statement, session, data, "bench.txt")
        penalties_s, penalties = timed(compute_penalties, session, date(2026, 5, 31))
    engine.dispose()
    set_per_account = accrual_s / result.accounts_charged
    orm_per_account = orm_s / orm_count
    figures = {
        "accounts": options.accounts, "populate_s": round(populate_s, 2),
        "accrual_s": round(accrual_s, 2), "accrual_rerun_s": round(rerun_s, 2),
        "accrued_total": str(result.total), "orm_accounts": orm_count, "orm_loop_s": round(orm_s, 2),
        "ratio_per_account": round(orm_per_account / set_per_account, 1),
        "payments": options.payments, "bank_file_bytes": len(data), "import_s": round(import_s, 2),
        "imported": report.imported, "unmatched": report.unmatched,
        "buckets": buckets, "penalties_s": round(penalties_s, 2), "penalty_total": str(penalties.total),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if options.json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    rows = [
        (f"accrual, {options.accounts:,} accounts (INSERT … SELECT)", f"{accrual_s:.2f} s",
         f"{options.accounts / accrual_s:,.0f} accounts/s; target ≤ 60 s"),
        ("accrual re-run (replace)", f"{rerun_s:.2f} s", ""),
        (f"per-account ORM loop, {orm_count:,} accounts", f"{orm_s:.2f} s",
         f"{orm_count / orm_s:,.0f} accounts/s"),
        ("ratio per account (ORM / set-based)", f"{figures['ratio_per_account']}×", "target ≥ 50×"),
        (f"bank statement import, {options.payments:,} payments", f"{import_s:.2f} s",
         f"{report.imported:,} imported, {report.unmatched} unmatched; target ≤ 30 s"),
        (f"penalties over {buckets:,} buckets (12 months)", f"{penalties_s:.2f} s",
         f"{penalties.total:,} ₽ on {len(penalties.by_account):,} accounts; target ≤ 60 s"),
        ("peak memory (RSS)", f"{figures['peak_rss_mb']} MB", "target ≤ 1 GB"),
    ]
    width = max(len(row[0]) for row in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")


if __name__ == "__main__":
    main()
