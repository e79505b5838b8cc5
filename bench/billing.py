"""Billing benchmark on PostgreSQL: set-based accrual vs a per-account ORM loop, and a bank statement import.

    python bench/billing.py [--accounts 100000] [--orm-accounts 10000] [--payments 20000] [--json]

Creates (and drops) its own database `reglament_bench_billing` next to REGLAMENT_BENCH_PG_URL
(default postgresql+psycopg://root@127.0.0.1:5432/test). 7 of 8 accounts are ФЛ per resident, 1 of 8 ЮЛ by norm.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, insert, make_url, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from billing.accrual import accrue_period  # noqa: E402
from billing.charge import by_norm, per_resident  # noqa: E402
from billing.due_date import contract_due_date, individual_due_date  # noqa: E402
from billing.models import Account, Charge, Norm, Tariff  # noqa: E402
from billing.payments import import_bank_statement  # noqa: E402
from billing.reference import seed_reference  # noqa: E402
from billing.vat import vat_inside, vat_on_top  # noqa: E402
from clients.models import Client  # noqa: E402
from db import Base  # noqa: E402
from identity.models import Partner  # noqa: E402

PG_URL = os.environ.get("REGLAMENT_BENCH_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
DATABASE = "reglament_bench_billing"
CHUNK = 20_000


def fresh_database() -> str:
    admin = make_url(PG_URL)
    with psycopg.connect(admin.set(drivername="postgresql").render_as_string(False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return admin.set(database=DATABASE).render_as_string(False)


def populate(session: Session, accounts: int) -> None:
    """One partner, one client per account (7/8 ФЛ, 1/8 ЮЛ office by norm)."""
    seed_reference(session)
    partner = Partner(code="bench", name="Бенчмарк")
    session.add(partner)
    session.commit()
    for start in range(0, accounts, CHUNK):
        ids = range(start, min(accounts, start + CHUNK))
        session.execute(insert(Client), [
            {"id": i + 1, "partner_id": partner.id, "kind": "ЮЛ" if i % 8 == 0 else "ФЛ", "name": f"Клиент {i}",
             "name_key": f"клиент {i}", "inn": None, "address": "", "address_key": ""} for i in ids])
        session.execute(insert(Account), [
            {"number": str(10_000_000 + i), "partner_id": partner.id, "client_id": i + 1,
             "client_type": "ЮЛ" if i % 8 == 0 else "ФЛ",
             "method": "by_norm" if i % 8 == 0 else "per_resident", "residents": 1 + i % 4, "owners": 1,
             "units": Decimal(5 + i % 20) if i % 8 == 0 else None,
             "norm_name": "office_employees" if i % 8 == 0 else "residents",
             "tariff_name": "novosibirsk_oblast.other" if i % 8 == 0 else "novosibirsk_oblast.population",
             "opened_on": date(2024, 1, 1)} for i in ids])
        session.commit()


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
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--orm-accounts", type=int, default=10_000)
    parser.add_argument("--payments", type=int, default=20_000)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()

    url = fresh_database()
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        populate_s, _ = timed(populate, session, options.accounts)
        accrual_s, result = timed(accrue_period, session, 2026, 3)
        rerun_s, _ = timed(accrue_period, session, 2026, 3)
        orm_s, orm_count = timed(orm_loop, session, options.orm_accounts, 2026, 3)
        data = bank_file(options.payments, options.accounts)
        import_s, report = timed(import_bank_statement, session, data, "bench.txt")
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
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if options.json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    rows = [
        (f"accrual, {options.accounts:,} accounts (INSERT … SELECT)", f"{accrual_s:.2f} s",
         f"{options.accounts / accrual_s:,.0f} accounts/s"),
        ("accrual re-run (replace)", f"{rerun_s:.2f} s", ""),
        (f"per-account ORM loop, {orm_count:,} accounts", f"{orm_s:.2f} s",
         f"{orm_count / orm_s:,.0f} accounts/s"),
        ("ratio per account (ORM / set-based)", f"{figures['ratio_per_account']}×", "target ≥ 50×"),
        (f"bank statement import, {options.payments:,} payments", f"{import_s:.2f} s",
         f"{report.imported:,} imported, {report.unmatched} unmatched"),
        ("peak memory (RSS)", f"{figures['peak_rss_mb']} MB", ""),
    ]
    width = max(len(row[0]) for row in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")


if __name__ == "__main__":
    main()
