"""Routing's user-facing messages are Russian source strings marked with `N_` for the catalog
(web/translations/); they are stored and answered in Russian and translated where they are shown."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark `message` for extraction; returns it unchanged."""
    return message
