"""Dated reference data in the database: seeded from billing/data/*.json, read back as DatedTables.

Tariffs and norms live in their own tables because accruals join them in SQL; key rate, penalty cap and VAT rates
share `billing_rate`. A table with no rows in the database falls back to the JSON seed, so a fresh installation
computes the DOMAIN numbers before anybody enters a decree.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.models import Norm, Rate, Tariff
from billing.rates import DatedTable, load_tables

POPULATION_MARK = ".population"  # population tariffs include VAT, the others exclude it
RATE_FILES = {"key_rate": ("key_rate.json", "key_rate"), "penalty_cap": ("penalty_cap.json", "penalty_cap"),
              "vat.general": ("vat.json", "general")}


def seed_reference(session: Session) -> int:
    """Insert the JSON seed rows the database lacks (by name and valid_from); returns how many. Idempotent."""
    added = 0
    for name, table in load_tables("tariffs.json").items():
        added += _seed(session, Tariff, name, table, includes_vat=name.endswith(POPULATION_MARK))
    for name, table in load_tables("norms.json").items():
        added += _seed(session, Norm, name, table)
    for name, (file_name, table_name) in RATE_FILES.items():
        added += _seed(session, Rate, name, load_tables(file_name)[table_name])
    session.commit()
    return added


def rate_table(session: Session, name: str) -> DatedTable:
    """A `billing_rate` series as a DatedTable, or its JSON seed when the database has no rows for it."""
    rows = session.execute(select(Rate.valid_from, Rate.valid_to, Rate.value, Rate.source)
                           .where(Rate.name == name)).all()
    if not rows:
        file_name, table_name = RATE_FILES[name]
        return load_tables(file_name)[table_name]
    return DatedTable.from_dicts([row._asdict() for row in rows], name=name)


def _seed(session: Session, model, name: str, table: DatedTable, **extra) -> int:
    present = set(session.scalars(select(model.valid_from).where(model.name == name)))
    rows = [model(name=name, valid_from=row.valid_from, valid_to=row.valid_to, value=row.value,
                  source=row.source[:500], **extra)
            for row in table.rows if row.valid_from not in present]
    session.add_all(rows)
    return len(rows)
