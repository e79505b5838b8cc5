"""Penalties (пени) on one monthly debt bucket, as the calculation table a претензия prints.

Rules as implemented (DOMAIN.md "Penalties"):
- Days are counted from the day after the due date up to `until` inclusive (the payment day or the claim date):
  due 10.02.2026, claim 31.03.2026 → 49 days.
- The schedule (tiers) is data: ФЛ by ЖК РФ ст.155 ч.14 (days 1–30 none, 31–90 1/300, from 91 1/130), ЮЛ by contract
  (typically 1/130 from day 1). Tier days always count from the due date, whatever was paid meanwhile.
- ONE rate for the whole calculation: min(key rate, cap) both taken on `rate_on` (default `until`, i.e. the payment
  or calculation date, as ЖК ст.155 ч.14 and ПП № 474 read and as the worked examples do). A cap of None means
  "no cap", so passing such a cap table computes without the cap.
- Moratorium: days on which the cap table says 0 accrue nothing, whatever the single rate (ПП № 424, 2020).
- A payment made on day D reduces the base from D + 1: the payment day itself still carries the old debt, the same
  way the worked example counts the day of full payment (31.08.2026) as an overdue day.
- Each line is rounded half-up to kopecks once; the total is the sum of the printed lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from billing.money import Number, exact, round_rubles
from billing.rates import DatedTable, key_rate_table, penalty_cap_table, penalty_tier_table

DAY = timedelta(days=1)


@dataclass(frozen=True)
class PenaltyTier:
    """From day `from_day` to `to_day` (None = open) after the due date, `fraction` of the annual rate per day."""

    from_day: int
    to_day: int | None
    fraction: Fraction

    @classmethod
    def from_mapping(cls, value: Mapping[str, Any]) -> PenaltyTier:
        """Build from a dated-table value (JSON object or database row)."""
        to_day = value.get("to_day")
        return cls(int(value["from_day"]), None if to_day is None else int(to_day), Fraction(value["fraction"]))


@dataclass(frozen=True)
class Payment:
    """A payment allocated to this debt bucket."""

    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class PenaltyLine:
    """One row of the calculation table: base × days × fraction × rate% = amount."""

    start: date
    end: date
    days: int
    base: Decimal
    rate: Decimal
    fraction: Fraction
    amount: Decimal


@dataclass(frozen=True)
class PenaltyCalculation:
    """All lines, the single rate applied and the date it was taken on, the total."""

    lines: tuple[PenaltyLine, ...]
    rate: Decimal
    rate_on: date
    total: Decimal


def penalty_rate(on: date, key_rates: DatedTable | None = None, caps: DatedTable | None = None) -> Decimal:
    """Rate for penalties on a date, percent: min(key rate, cap); a cap of None means the key rate as is."""
    key_rate = Decimal((key_rates or key_rate_table()).at(on))  # type: ignore[arg-type]
    cap = (caps or penalty_cap_table()).at(on)
    return key_rate if cap is None else min(key_rate, Decimal(cap))  # type: ignore[arg-type]


def penalty_tiers(kind: str, due: date, table: DatedTable | None = None) -> tuple[PenaltyTier, ...]:
    """The schedule ('individuals' or 'legal_entities') in force for a debt falling due on `due`."""
    table = table or penalty_tier_table(kind)
    return tuple(PenaltyTier.from_mapping(tier) for tier in table.at(due + DAY))  # type: ignore[union-attr]


def penalty(
    debt: Number,
    due: date,
    until: date,
    tiers: Sequence[PenaltyTier],
    *,
    payments: Iterable[Payment] = (),
    rate_on: date | None = None,
    key_rates: DatedTable | None = None,
    caps: DatedTable | None = None,
) -> PenaltyCalculation:
    """Penalty on one debt due on `due`, counted to `until` inclusive, with partial payments, as table lines."""
    _check_tiers(tiers)
    caps = caps or penalty_cap_table()
    rate_on = rate_on or until
    rate = penalty_rate(rate_on, key_rates, caps)
    start = due + DAY
    if until < start:
        return PenaltyCalculation((), rate, rate_on, Decimal("0.00"))

    payments = sorted(payments, key=lambda payment: payment.paid_on)
    lines = []
    for line_start, line_end in _stretches(start, until, due, tiers, payments, caps):
        base = _base_on(line_start, exact(debt), payments)
        if base <= 0:
            continue
        fraction = _tier_on((line_start - due).days, tiers).fraction
        line_rate = Decimal(0) if caps.at(line_start) == 0 else rate
        days = (line_end - line_start).days + 1
        amount = round_rubles(base * fraction * exact(line_rate) / 100 * days)
        lines.append(PenaltyLine(line_start, line_end, days, round_rubles(base), line_rate, fraction, amount))
    return PenaltyCalculation(tuple(lines), rate, rate_on, sum((line.amount for line in lines), Decimal("0.00")))


def individual_penalty(
    debt: Number,
    due: date,
    until: date,
    *,
    payments: Iterable[Payment] = (),
    rate_on: date | None = None,
    tier_table: DatedTable | None = None,
    key_rates: DatedTable | None = None,
    caps: DatedTable | None = None,
) -> PenaltyCalculation:
    """ФЛ penalty by ЖК РФ ст.155 ч.14 with the schedule from the tables."""
    tiers = penalty_tiers("individuals", due, tier_table)
    return penalty(debt, due, until, tiers, payments=payments, rate_on=rate_on, key_rates=key_rates, caps=caps)


def legal_entity_penalty(
    debt: Number,
    due: date,
    until: date,
    *,
    payments: Iterable[Payment] = (),
    rate_on: date | None = None,
    tier_table: DatedTable | None = None,
    key_rates: DatedTable | None = None,
    caps: DatedTable | None = None,
) -> PenaltyCalculation:
    """ЮЛ/ИП penalty by the typical contract (1/130 from the day after the due date) unless a table says otherwise."""
    tiers = penalty_tiers("legal_entities", due, tier_table)
    return penalty(debt, due, until, tiers, payments=payments, rate_on=rate_on, key_rates=key_rates, caps=caps)


def _stretches(
    start: date, end: date, due: date, tiers: Sequence[PenaltyTier], payments: Sequence[Payment], caps: DatedTable
) -> list[tuple[date, date]]:
    """Split [start, end] wherever the tier, the base or the moratorium changes."""
    breaks = {start}
    breaks.update(due + timedelta(days=tier.from_day) for tier in tiers)
    breaks.update(payment.paid_on + DAY for payment in payments)
    breaks.update(segment.start for segment in caps.segments(start, end))
    ordered = sorted(day for day in breaks if start <= day <= end)
    ends = [next_start - DAY for next_start in ordered[1:]] + [end]
    return list(zip(ordered, ends, strict=True))


def _base_on(day: date, debt: Fraction, payments: Sequence[Payment]) -> Fraction:
    paid = sum((exact(payment.amount) for payment in payments if payment.paid_on < day), Fraction(0))
    return debt - paid


def _tier_on(day_number: int, tiers: Sequence[PenaltyTier]) -> PenaltyTier:
    for tier in tiers:
        if tier.from_day <= day_number and (tier.to_day is None or day_number <= tier.to_day):
            return tier
    raise ValueError(f"no penalty tier covers day {day_number}")


def _check_tiers(tiers: Sequence[PenaltyTier]) -> None:
    # A gap or an overlap would silently drop or double days, so the schedule must tile day 1..∞ exactly.
    expected = 1
    for index, tier in enumerate(tiers):
        if tier.from_day != expected:
            raise ValueError(f"penalty tiers must start at day {expected}, got {tier.from_day}")
        if tier.to_day is None:
            if index != len(tiers) - 1:
                raise ValueError("only the last penalty tier may be open-ended")
            return
        expected = tier.to_day + 1
    raise ValueError("the last penalty tier must be open-ended")
