"""Russian formatting of values in documents (the Jinja filters of the templates).

Money `1 234,56 ₽` (no-break space grouping, decimal comma), amounts in words «Одна тысяча двести тридцать четыре
рубля 56 копеек» (num2words for the number, our own plural forms for рубль/копейка), dates `05.03.2026` and
«5 марта 2026 г.», periods «март 2026 г.», names «Иванов И. И.», phones `+7 (383) 123-45-67`.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words

NBSP = "\u00a0"
MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
                   "ноября", "декабря")
MONTHS_NOMINATIVE = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
                     "ноябрь", "декабрь")
RUBLE_FORMS = ("рубль", "рубля", "рублей")
KOPECK_FORMS = ("копейка", "копейки", "копеек")


def kopecks(amount: Decimal | int) -> int:
    """An amount in rubles as integer kopecks (half-up, as everywhere in billing)."""
    return int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def plural(number: int, forms: tuple[str, str, str]) -> str:
    """The Russian plural form for `number`: (1 рубль, 2 рубля, 5 рублей); 11–14 always take the third form."""
    number = abs(number)
    if number % 100 in (11, 12, 13, 14):
        return forms[2]
    if number % 10 == 1:
        return forms[0]
    if number % 10 in (2, 3, 4):
        return forms[1]
    return forms[2]


def group_digits(number: int) -> str:
    """`1234567` → `1 234 567` with no-break spaces."""
    return f"{number:,}".replace(",", NBSP)


def money(amount: Decimal | int, sign: bool = True) -> str:
    """`1 234,56 ₽`; negative amounts keep a real minus sign (−) so nobody misreads a hyphen."""
    total = kopecks(amount)
    rubles, cents = divmod(abs(total), 100)
    text = f"{group_digits(rubles)},{cents:02d}"
    if total < 0:
        text = "\u2212" + text
    return f"{text}{NBSP}₽" if sign else text


def number(value: Decimal | int, places: int = 2) -> str:
    """A quantity or price without the currency sign: `1 234,500` with `places=3`."""
    quantized = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(quantized):f}".partition(".")
    text = group_digits(int(whole)) + ("," + fraction if fraction else "")
    return ("\u2212" if quantized < 0 else "") + text


def amount_in_words(amount: Decimal | int) -> str:
    """«Одна тысяча двести тридцать четыре рубля 56 копеек»: rubles in words, kopecks in figures (as banks write)."""
    total = kopecks(amount)
    if total < 0:
        raise ValueError("an amount in words cannot be negative")
    rubles, cents = divmod(total, 100)
    words = num2words(rubles, lang="ru")
    return f"{words[:1].upper()}{words[1:]} {plural(rubles, RUBLE_FORMS)} {cents:02d} {plural(cents, KOPECK_FORMS)}"


def short_date(value: date) -> str:
    """`05.03.2026`."""
    return value.strftime("%d.%m.%Y")


def long_date(value: date) -> str:
    """«5 марта 2026 г.»."""
    return f"{value.day}{NBSP}{MONTHS_GENITIVE[value.month - 1]} {value.year}{NBSP}г."


def quoted_date(value: date) -> str:
    """«05» марта 2026 г. — the way contracts date themselves."""
    return f"«{value.day:02d}»{NBSP}{MONTHS_GENITIVE[value.month - 1]} {value.year}{NBSP}г."


def period(value: date) -> str:
    """«март 2026 г.» for the month containing `value`."""
    return f"{MONTHS_NOMINATIVE[value.month - 1]} {value.year}{NBSP}г."


def period_code(value: date) -> str:
    """`0326`: the month as ГОСТ Р 56042 PaymPeriod writes it (MMYY)."""
    return value.strftime("%m%y")


def initials(full_name: str) -> str:
    """«Иванов Иван Иванович» → «Иванов И. И.» (no-break spaces: initials never wrap away from the surname)."""
    parts = full_name.split()
    if len(parts) < 2:
        return full_name.strip()
    letters = [f"{part[0].upper()}." for part in parts[1:3]]
    return f"{parts[0]}{NBSP}{NBSP.join(letters)}"


def phone(value: str) -> str:
    """`+7 (383) 123-45-67` from any writing of a Russian number (8…, +7…, with or without separators)."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10:
        return value.strip()
    return f"+7{NBSP}({digits[:3]}){NBSP}{digits[3:6]}-{digits[6:8]}-{digits[8:]}"


FILTERS = {
    "money": money,
    "number": number,
    "in_words": amount_in_words,
    "short_date": short_date,
    "long_date": long_date,
    "quoted_date": quoted_date,
    "period": period,
    "initials": initials,
    "phone": phone,
}
