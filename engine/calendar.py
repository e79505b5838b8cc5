"""The Russian production calendar: which days are business days, for SLAs and due dates.

The data (engine/data/ru_production_calendar.json) lists, per year, the non-working holidays of ТК РФ ст. 112, the
weekdays made days off by a transfer and the Saturdays/Sundays made working days, each year with its source decree.
Dates outside the covered years fall back to plain weekends (Saturday and Sunday off, no holidays): a due date far in
the future is then approximate rather than an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "ru_production_calendar.json"


class BusinessCalendar:
    """Business days of a five-day week with holidays and transferred days off/working days."""

    def __init__(self, days_off: Iterable[date], working_days: Iterable[date], years: Iterable[int],
                 sources: dict[int, str] | None = None) -> None:
        self._days_off = frozenset(days_off)
        self._working_days = frozenset(working_days)
        self.years = frozenset(years)
        self.sources = dict(sources or {})

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> BusinessCalendar:
        """Read the calendar from its JSON file; raises ValueError when a date does not fit its year or kind."""
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        days_off: list[date] = []
        working_days: list[date] = []
        sources: dict[int, str] = {}
        for year_text, entry in data["years"].items():
            year = int(year_text)
            sources[year] = entry["source"]
            holidays = _dates(entry.get("holidays", []), year)
            transferred = _dates(entry.get("days_off", []), year)
            working = _dates(entry.get("working_days", []), year)
            # Mistakes in hand-edited data show up at load time, not as a wrong SLA months later.
            if any(d.weekday() >= 5 for d in transferred):
                raise ValueError(f"{year}: a transferred day off falls on a weekend")
            if any(d.weekday() < 5 for d in working):
                raise ValueError(f"{year}: a transferred working day falls on a weekday")
            days_off += holidays + transferred
            working_days += working
        return cls(days_off, working_days, years=sources.keys(), sources=sources)

    def is_business_day(self, d: date) -> bool:
        """True when `d` is a working day of the five-day week."""
        if d in self._working_days:
            return True
        if d in self._days_off:
            return False
        return d.weekday() < 5

    def add_business_days(self, d: date, n: int) -> date:
        """The n-th business day after `d`; n = 0 gives `d` itself if it is a business day, else the next one.

        Counting starts on the day after `d`, as Russian law counts terms, so a request received on Saturday with one
        business day to answer is due on Monday, the same as one received on Friday.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            while not self.is_business_day(d):
                d += timedelta(days=1)
            return d
        while n > 0:
            d += timedelta(days=1)
            if self.is_business_day(d):
                n -= 1
        return d

    def business_days_between(self, start: date, end: date) -> int:
        """Business days in (start, end]: the inverse of add_business_days; negative when end < start."""
        if end < start:
            return -self.business_days_between(end, start)
        count = 0
        d = start
        while d < end:
            d += timedelta(days=1)
            if self.is_business_day(d):
                count += 1
        return count


def _dates(texts: list[str], year: int) -> list[date]:
    dates = [date.fromisoformat(text) for text in texts]
    for d in dates:
        if d.year != year:
            raise ValueError(f"{d.isoformat()} is listed under {year}")
    return dates


calendar = BusinessCalendar.load()
