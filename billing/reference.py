"""Dated reference data in the database: seeded from billing/data/*.json, read back as DatedTables.

Tariffs and norms live in their own tables because accruals join them in SQL; key rate, penalty cap and VAT rates
share `billing_rate`. A table with no rows in the database falls back to the JSON seed, so a fresh installation
computes the DOMAIN numbers before anybody enters a decree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from billing.models import Norm, PartnerVatRegime, Rate, Tariff
from billing.rates import DatedTable, load_tables

POPULATION_MARK = ".population"  # population tariffs include VAT, the others exclude it
VAT_REGIMES = ("osn", "usn_5", "usn_7", "none")
RATE_FILES = {"key_rate": ("key_rate.json", "key_rate"), "penalty_cap": ("penalty_cap.json", "penalty_cap"),
              "vat.general": ("vat.json", "general"),
              **{f"vat.regime.{regime}": ("vat.json", f"regime.{regime}") for regime in VAT_REGIMES}}


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


@dataclass(frozen=True)
class VatRates:
    """VAT rates of one date in basis points (22% = 2200): the general rate and each partner's by its regime."""

    general: int
    by_partner: dict[int, int]

    def of(self, partner_id: int) -> int:
        """The rate a partner charges; a partner without a regime row charges the general rate (ОСН)."""
        return self.by_partner.get(partner_id, self.general)


def vat_rates(session: Session, on: date) -> VatRates:
    """The general rate and every partner's regime rate on a date; a regime rate of None (no VAT) is 0."""
    def basis_points(name: str) -> int:
        value = rate_table(session, name).at(on)
        return 0 if value is None else int(Decimal(value) * 100)

    regimes = session.execute(select(PartnerVatRegime.partner_id, PartnerVatRegime.regime).where(
        PartnerVatRegime.valid_from <= on,
        or_(PartnerVatRegime.valid_to.is_(None), PartnerVatRegime.valid_to >= on))).all()
    per_regime = {regime: basis_points(f"vat.regime.{regime}") for regime in {row.regime for row in regimes}}
    return VatRates(basis_points("vat.general"), {row.partner_id: per_regime[row.regime] for row in regimes})
