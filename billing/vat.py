"""VAT: the rate by date, VAT added on top of a net amount, VAT contained in an inclusive amount, partner regimes.

Rates are percents from dated tables (billing/data/vat.json or database rows). A regime whose rate is None is not
a VAT payer: its documents say «Без НДС» and no VAT line is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from billing.money import Number, exact, round_rubles
from billing.rates import DatedTable, vat_table

HUNDRED = 100


@dataclass(frozen=True)
class VatAmounts:
    """One document line split into net, VAT and gross; rate None means «Без НДС»."""

    net: Decimal
    vat: Decimal
    gross: Decimal
    rate: Decimal | None


def vat_rate(on: date, table: DatedTable | None = None) -> Decimal:
    """The general VAT rate (percent) in force on a date."""
    table = table or vat_table("general")
    return Decimal(table.at(on))  # type: ignore[arg-type]


def regime_rate(regime: str, on: date, table: DatedTable | None = None) -> Decimal | None:
    """The rate a partner charges under its regime ('osn', 'usn_5', 'usn_7', 'none') on a date; None = no VAT."""
    table = table or vat_table(f"regime.{regime}")
    value = table.at(on)
    return None if value is None else Decimal(value)  # type: ignore[arg-type]


def vat_on_top(net: Number, rate: Number | None) -> Decimal:
    """VAT to add to a net amount (ЮЛ tariffs exclude VAT): net × rate / 100, rounded once."""
    if rate is None:
        return Decimal("0.00")
    return round_rubles(exact(net) * exact(rate) / HUNDRED)


def vat_inside(gross: Number, rate: Number | None) -> Decimal:
    """VAT contained in an inclusive amount: gross × rate / (100 + rate); 1,000.00 at 22% → 180.33."""
    if rate is None:
        return Decimal("0.00")
    rate_fraction = exact(rate)
    return round_rubles(exact(gross) * rate_fraction / (HUNDRED + rate_fraction))


def add_vat(net: Number, rate: Number | None) -> VatAmounts:
    """Net amount → net, VAT on top, gross (the line of an act or invoice for ЮЛ)."""
    net_rubles = round_rubles(net)
    vat = vat_on_top(net_rubles, rate)
    return VatAmounts(net_rubles, vat, net_rubles + vat, _rate_or_none(rate))


def split_inclusive(gross: Number, rate: Number | None) -> VatAmounts:
    """Inclusive amount → net, VAT inside, gross (population tariffs include VAT)."""
    gross_rubles = round_rubles(gross)
    vat = vat_inside(gross_rubles, rate)
    return VatAmounts(gross_rubles - vat, vat, gross_rubles, _rate_or_none(rate))


def _rate_or_none(rate: Number | None) -> Decimal | None:
    if rate is None:
        return None
    value = exact(rate)
    # Keep the printed rate as given ("22", "5"), not as a fraction.
    return Decimal(value.numerator) / Decimal(value.denominator) if isinstance(rate, Fraction) else Decimal(rate)
