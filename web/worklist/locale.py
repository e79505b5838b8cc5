"""Russian first: Flask-Babel with Russian as the default locale and English as the second, the business time zone,
and the Jinja filters that show dates (ДД.ММ.ГГГГ), times and money (1 234,56 ₽) the Russian way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask import Flask, session
from flask_babel import Babel, format_decimal, get_locale, get_translations, gettext
from jinja2 import pass_context
from jinja2.runtime import Context

from engine.clock import BUSINESS_TZ
from texts import N_, Text

LOCALES = ("ru", "en")
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
babel = Babel()


__all__ = ["N_", "translate", "translate_error"]


def translate(message: Any) -> Any:
    """A message from the engine or a domain module in the reader's language: a `Text` by its msgid and parameters,
    a constant marked `N_` by itself; dictionaries and lists of them (field errors) item by item."""
    if isinstance(message, Text):
        return gettext(message.msgid, **{name: translate(value) for name, value in message.params.items()})
    if isinstance(message, str):
        return gettext(message) if message else message
    if isinstance(message, dict):
        return {key: translate(value) for key, value in message.items()}
    if isinstance(message, list | tuple):
        return [translate(item) for item in message]
    return message


def translate_error(error: Exception) -> str:
    """The message an exception was raised with, translated."""
    return translate(error.args[0]) if error.args and isinstance(error.args[0], str) else str(error)


def select_locale() -> str:
    chosen = session.get("locale")
    return chosen if chosen in LOCALES else LOCALES[0]


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "ru")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", str(BUSINESS_TZ))
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel finds the catalogue again on every `_()` (15 µs each, 1.4 ms for an inbox page's fifty); a template
    # finds it once per rendering, in its context.
    app.context_processor(lambda: {CATALOG: get_translations()})
    app.jinja_env.install_gettext_callables(_template_gettext, _template_ngettext, newstyle=True,
                                            pgettext=_template_pgettext, npgettext=_template_npgettext)
    app.add_template_filter(local_date)
    app.add_template_filter(local_time)
    app.add_template_filter(money)
    app.add_template_global(translate)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "ru")


CATALOG = "_catalog"


@pass_context
def _template_gettext(context: Context, message: str) -> str:
    return (context.get(CATALOG) or get_translations()).ugettext(message)


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, number: int) -> str:
    return (context.get(CATALOG) or get_translations()).ungettext(singular, plural, number)


@pass_context
def _template_pgettext(context: Context, message_context: str, message: str) -> str:
    return (context.get(CATALOG) or get_translations()).upgettext(message_context, message)


@pass_context
def _template_npgettext(context: Context, message_context: str, singular: str, plural: str, number: int) -> str:
    return (context.get(CATALOG) or get_translations()).unpgettext(message_context, singular, plural, number)


def _local(value: datetime) -> datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # stored times are UTC (naive from SQLite)
    return aware.astimezone(BUSINESS_TZ)


def local_date(value: Any) -> str:
    """`05.03.2026`: a date, an ISO date text or a datetime (shown on its Novosibirsk day)."""
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10]) if len(value) <= 10 else datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = _local(value).date()
    return value.strftime("%d.%m.%Y")


def megabytes(size: int) -> str:
    """A size limit in MiB as the user's locale writes a number: `10`, `2,5`."""
    return format_decimal(size / 1024 / 1024, format="#,##0.####")


def local_time(value: datetime | None) -> str:
    """`05.03.2026 14:05` in Asia/Novosibirsk."""
    return "—" if value is None else _local(value).strftime("%d.%m.%Y %H:%M")


def money(value: Any) -> str:
    """`1 234,56 ₽` with no-break spaces and a decimal comma; text that is not a number is shown as it is."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return "—" if value in (None, "") else str(value)
    whole, _, fraction = f"{abs(amount):.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u00a0")
    return f"{'-' if amount < 0 else ''}{grouped},{fraction}\u00a0₽"
