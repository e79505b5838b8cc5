"""Dated reference data: tariffs, norms, VAT, key rate, penalty caps, due days.

Every value a region, a contract or a decree can change is a row with a validity period and a source.
A `DatedTable` answers "what was the value on this date" and refuses to guess when no row covers the date.
The JSON files in billing/data/ are the seed defaults; a database-backed caller builds the same table from its rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

Value = Decimal | int | str | Mapping[str, Any] | tuple[Any, ...] | None


class NoRateError(LookupError):
    """No row of a dated table covers the requested date."""


@dataclass(frozen=True)
class DatedValue:
    """One row: `value` holds from `valid_from` to `valid_to` inclusive (None = open-ended)."""

    valid_from: date
    valid_to: date | None
    value: Value
    source: str

    def covers(self, on: date) -> bool:
        """Whether the row is in force on the given date."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class Segment:
    """A stretch of days [start, end] over which one row of a table holds."""

    start: date
    end: date
    value: Value

    @property
    def days(self) -> int:
        """Number of calendar days in the segment, both ends included."""
        return (self.end - self.start).days + 1


class DatedTable:
    """Rows of one dated series, looked up by date; rows must not overlap."""

    def __init__(self, rows: Iterable[DatedValue], name: str = "") -> None:
        self.name = name
        self.rows: tuple[DatedValue, ...] = tuple(sorted(rows, key=lambda row: row.valid_from))
        for row in self.rows:
            if row.valid_to is not None and row.valid_to < row.valid_from:
                raise ValueError(f"{name}: row from {row.valid_from} ends before it starts")
        for earlier, later in zip(self.rows, self.rows[1:], strict=False):
            # An open-ended row followed by another one is an overlap too.
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                raise ValueError(f"{name}: rows from {earlier.valid_from} and {later.valid_from} overlap")

    @classmethod
    def from_dicts(cls, rows: Iterable[Mapping[str, Any]], name: str = "") -> DatedTable:
        """Build a table from mappings with valid_from, valid_to, value, source (JSON or database rows)."""
        return cls((_row_from_mapping(row) for row in rows), name=name)

    @classmethod
    def constant(cls, value: Value, source: str, name: str = "") -> DatedTable:
        """A table holding one value for all time (tests, 'no cap' scenarios)."""
        return cls([DatedValue(date.min, None, value, source)], name=name)

    def row_at(self, on: date) -> DatedValue:
        """The row in force on the date; raises NoRateError when there is none."""
        for row in self.rows:
            if row.covers(on):
                return row
        raise NoRateError(f"{self.name or 'table'}: no value for {on.isoformat()}")

    def at(self, on: date) -> Value:
        """The value in force on the date; raises NoRateError when no row covers it."""
        return self.row_at(on).value

    def segments(self, start: date, end: date) -> Iterator[Segment]:
        """Split [start, end] at row boundaries; raises NoRateError if any day is uncovered."""
        day = start
        while day <= end:
            row = self.row_at(day)
            stop = end if row.valid_to is None else min(end, row.valid_to)
            yield Segment(day, stop, row.value)
            day = stop + timedelta(days=1)

    def __repr__(self) -> str:
        return f"DatedTable({self.name!r}, {len(self.rows)} rows)"


def _row_from_mapping(row: Mapping[str, Any]) -> DatedValue:
    return DatedValue(
        valid_from=_as_date(row["valid_from"]),
        valid_to=_as_date(row["valid_to"]) if row.get("valid_to") is not None else None,
        value=_as_value(row["value"]),
        source=str(row["source"]),
    )


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _as_value(value: Any) -> Value:
    # Numbers are written as strings in the JSON so that no float ever touches money or a rate.
    if value is None or isinstance(value, Decimal | int):
        return value
    if isinstance(value, Mapping):
        return {key: _as_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return tuple(_as_value(item) for item in value)
    if isinstance(value, float):
        raise TypeError(f"float value {value!r} in a dated table; write it as a string")
    try:
        return Decimal(value)
    except ArithmeticError:
        return str(value)


@cache
def load_tables(file_name: str) -> Mapping[str, DatedTable]:
    """All tables of one billing/data/*.json file, by name (cached; the files are read-only seed data)."""
    text = resources.files("billing").joinpath("data", file_name).read_text(encoding="utf-8")
    document = json.loads(text, parse_float=Decimal)
    return {name: DatedTable.from_dicts(rows, name=name) for name, rows in document["tables"].items()}


def load_table(file_name: str, name: str) -> DatedTable:
    """One named table of a billing/data/*.json file."""
    tables = load_tables(file_name)
    if name not in tables:
        raise KeyError(f"{file_name} has no table {name!r}; known: {', '.join(sorted(tables))}")
    return tables[name]


# Convenience defaults: the seed data. Services pass tables built from database rows instead.


def tariff_table(name: str = "novosibirsk_oblast.population") -> DatedTable:
    """Regional ТКО tariff, ₽ per m³ (population tariffs include VAT, the others exclude it)."""
    return load_table("tariffs.json", name)


def norm_table(name: str = "residents") -> DatedTable:
    """Annual accumulation norm, m³ per unit per year."""
    return load_table("norms.json", name)


def vat_table(name: str = "general") -> DatedTable:
    """VAT rate in percent; other names are partner VAT regimes (None = not a VAT payer)."""
    return load_table("vat.json", name)


def key_rate_table() -> DatedTable:
    """Bank of Russia key rate in percent per annum."""
    return load_table("key_rate.json", "key_rate")


def penalty_cap_table() -> DatedTable:
    """Cap on the rate used for penalties, percent (None = no cap, 0 = moratorium)."""
    return load_table("penalty_cap.json", "penalty_cap")


def service_rule_table(name: str) -> DatedTable:
    """A dated rule of Правила № 354 (absence threshold, collection interruption limits)."""
    return load_table("service_rules.json", name)


def penalty_tier_table(name: str = "individuals") -> DatedTable:
    """Penalty schedule: which fraction of the rate accrues on which day after the due date."""
    return load_table("penalty_tiers.json", name)


def due_day_table(name: str = "individuals") -> DatedTable:
    """Day of the month following the period by which an individual pays."""
    return load_table("due_day.json", name)
