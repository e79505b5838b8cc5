"""Monthly ТКО charges, recalculation for absence and the reduction for late collection.

All arithmetic is exact (fractions of Decimal inputs); an amount is rounded half-up to kopecks once, at the end of
its document line — 3 residents are 3 × N / 12 × T rounded, never 3 × (N / 12 × T rounded).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from billing.money import Number, exact, round_rubles
from billing.rates import DatedTable, norm_table, service_rule_table, tariff_table

MONTHS_PER_YEAR = 12
HOURS_PER_DAY = 24


def per_resident(residents: int, norm: Number, tariff: Number) -> Decimal:
    """ФЛ per resident, formula 9(1) of Правила № 354: residents × N / 12 × T."""
    return round_rubles(_per_resident_exact(residents, norm, tariff))


def per_area(area: Number, norm_per_m2: Number, tariff: Number) -> Decimal:
    """ФЛ per m² of living area, formula 9(2): area × N / 12 × T."""
    return round_rubles(exact(area) * exact(norm_per_m2) / MONTHS_PER_YEAR * exact(tariff))


def by_norm(units: Number, norm: Number, tariff: Number) -> Decimal:
    """ЮЛ/ИП by norm: units × N / 12 × T, without VAT (non-population tariffs exclude it)."""
    return round_rubles(exact(units) * exact(norm) / MONTHS_PER_YEAR * exact(tariff))


def by_containers(containers: Iterable[tuple[int, Number]], collections_in_month: int, tariff: Number) -> Decimal:
    """ЮЛ/ИП by containers: Σ count × volume × collections in the month × T, without VAT."""
    volume = sum((exact(count) * exact(volume_m3) for count, volume_m3 in containers), Fraction(0))
    return round_rubles(volume * collections_in_month * exact(tariff))


def by_mass(tonnes: Number, tariff_per_tonne: Number) -> Decimal:
    """ЮЛ/ИП by weighed mass: tonnes × tariff (₽/t), without VAT."""
    return round_rubles(exact(tonnes) * exact(tariff_per_tonne))


def per_resident_for_month(
    residents: int,
    year: int,
    month: int,
    norms: DatedTable | None = None,
    tariffs: DatedTable | None = None,
) -> Decimal:
    """ФЛ per resident for one calendar month, pro rata by days when the norm or tariff changes inside it."""
    norms = norms or norm_table("residents")
    tariffs = tariffs or tariff_table("novosibirsk_oblast.population")
    first, last = _month_bounds(year, month)
    days_in_month = last.day
    total = Fraction(0)
    for tariff_segment in tariffs.segments(first, last):
        for norm_segment in norms.segments(tariff_segment.start, tariff_segment.end):
            full_month = _per_resident_exact(residents, norm_segment.value, tariff_segment.value)
            total += full_month * norm_segment.days / days_in_month
    return round_rubles(total)


def _per_resident_exact(residents: int, norm: Any, tariff: Any) -> Fraction:
    return residents * exact(norm) / MONTHS_PER_YEAR * exact(tariff)


# --- recalculation for temporary absence (Правила № 354, section VIII) ---------------------------------------------


def absence_days(departure: date, arrival: date) -> int:
    """Full days of absence: the days strictly between departure and arrival (neither end counts)."""
    return max(0, (arrival - departure).days - 1)


def absence_days_in_month(departure: date, arrival: date, year: int, month: int) -> int:
    """Full days of an absence that fall into the given month."""
    first, last = _month_bounds(year, month)
    start = max(first, departure + timedelta(days=1))
    end = min(last, arrival - timedelta(days=1))
    return max(0, (end - start).days + 1)


def absence_credit(
    norm: Number, tariff: Number, days_away: int, days_in_month: int, residents_away: int = 1
) -> Decimal:
    """Credit for residents away `days_away` days of a month: residents × N / 12 × T × days / days in month."""
    full_month = _per_resident_exact(residents_away, norm, tariff)
    return round_rubles(full_month * days_away / days_in_month)


def absence_recalculation(
    norm: Number,
    tariff: Number,
    *,
    departure: date,
    arrival: date,
    year: int,
    month: int,
    residents_away: int = 1,
    more_than_days: int | None = None,
) -> Decimal:
    """The month's credit for a temporary absence; zero unless it lasted more than the rule's full days in a row."""
    if more_than_days is None:
        threshold = service_rule_table("absence_min_full_days").at(departure)
        more_than_days = int(threshold)  # type: ignore[arg-type]
    # The threshold applies to the whole absence, which may span two months; the credit is per month.
    if absence_days(departure, arrival) <= more_than_days:
        return Decimal("0.00")
    days_away = absence_days_in_month(departure, arrival, year, month)
    return absence_credit(norm, tariff, days_away, calendar.monthrange(year, month)[1], residents_away)


# --- reduction for collection interruptions (Правила № 354, приложение № 1 п.17) -----------------------------------


@dataclass(frozen=True)
class InterruptionLimits:
    """Allowed collection interruptions and the reduction per 24 h beyond them."""

    monthly_hours: int
    single_hours_cold: int
    single_hours_warm: int
    cold_max_temperature_c: Decimal | int
    reduction_percent_per_day: Decimal

    @classmethod
    def from_mapping(cls, value: Mapping[str, Any]) -> InterruptionLimits:
        """Build from a dated-table value (JSON object or database row)."""
        return cls(
            monthly_hours=int(value["monthly_hours"]),
            single_hours_cold=int(value["single_hours_cold"]),
            single_hours_warm=int(value["single_hours_warm"]),
            cold_max_temperature_c=Decimal(value["cold_max_temperature_c"]),
            reduction_percent_per_day=Decimal(value["reduction_percent_per_day"]),
        )


@dataclass(frozen=True)
class Interruption:
    """One interruption of collection: its length in hours and the air temperature while it lasted."""

    hours: Decimal | int
    temperature_c: Decimal | int


def interruption_limits(on: date, table: DatedTable | None = None) -> InterruptionLimits:
    """The interruption limits in force on a date."""
    table = table or service_rule_table("collection_interruption")
    return InterruptionLimits.from_mapping(table.at(on))  # type: ignore[arg-type]


def hours_over_limit(interruptions: Iterable[Interruption], limits: InterruptionLimits) -> Fraction:
    """Hours of interruption beyond the allowed limits in one month, interruptions in chronological order.

    Reading of the rule: an hour of interruption is over the limit when it lies beyond the single-interruption
    limit of its episode (48 h at or below +5 °C, 24 h above) OR beyond the 72nd hour of interruptions in the month
    (all interruption hours count towards the 72, including hours already over a single limit, because the rule caps
    the month's total break). Each hour is counted once even when it breaks both limits.
    """
    return sum(hours_over_limit_each(interruptions, limits), Fraction(0))


def hours_over_limit_each(interruptions: Iterable[Interruption], limits: InterruptionLimits) -> list[Fraction]:
    """The hours over the limits that each interruption of the month (in chronological order) contributes."""
    used = Fraction(0)
    over = []
    for interruption in interruptions:
        hours = exact(interruption.hours)
        if hours < 0:
            raise ValueError("an interruption cannot last a negative number of hours")
        cold = exact(interruption.temperature_c) <= exact(limits.cold_max_temperature_c)
        single = limits.single_hours_cold if cold else limits.single_hours_warm
        monthly_left = max(Fraction(0), limits.monthly_hours - used)
        over.append(hours - min(hours, Fraction(single), monthly_left))
        used += hours
    return over


def quality_reduction(fee: Number, hours_over: Number, limits: InterruptionLimits) -> Decimal:
    """Reduction of the month's fee: the rule's percent for each FULL 24 h beyond the limits, at most the fee."""
    full_days = math.floor(exact(hours_over) / HOURS_PER_DAY)
    share = min(Fraction(1), full_days * exact(limits.reduction_percent_per_day) / 100)
    return round_rubles(exact(fee) * share)


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
