"""Jinja filters that show values the Russian way, in the business time zone."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from engine.clock import BUSINESS_TZ


def local_datetime(value: datetime | None) -> str:
    """`23.11.2026 14:05` in Asia/Novosibirsk; stored times are UTC (naive ones from SQLite too)."""
    if value is None:
        return "—"
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(BUSINESS_TZ).strftime("%d.%m.%Y %H:%M")


def register(app: Flask) -> None:
    app.add_template_filter(local_datetime)
