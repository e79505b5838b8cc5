from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from documents.formatting import amount_in_words, initials, long_date, money, period, phone, short_date

NBSP = "\u00a0"


@pytest.mark.parametrize(("amount", "words"), [
    ("1", "Один рубль 00 копеек"),
    ("2", "Два рубля 00 копеек"),
    ("5", "Пять рублей 00 копеек"),
    ("11", "Одиннадцать рублей 00 копеек"),
    ("12", "Двенадцать рублей 00 копеек"),
    ("13", "Тринадцать рублей 00 копеек"),
    ("14", "Четырнадцать рублей 00 копеек"),
    ("21", "Двадцать один рубль 00 копеек"),
    ("1000", "Одна тысяча рублей 00 копеек"),
    ("1000000", "Один миллион рублей 00 копеек"),
    ("1234.56", "Одна тысяча двести тридцать четыре рубля 56 копеек"),
    ("0.01", "Ноль рублей 01 копейка"),
    ("2.22", "Два рубля 22 копейки"),
    ("111.11", "Сто одиннадцать рублей 11 копеек"),
    ("2001.21", "Две тысячи один рубль 21 копейка"),
    ("0", "Ноль рублей 00 копеек"),
])
def test_amounts_are_written_in_words_with_the_right_plural_forms(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_a_negative_amount_has_no_words():
    with pytest.raises(ValueError):
        amount_in_words(Decimal("-1"))


def test_money_groups_thousands_with_no_break_spaces_and_a_decimal_comma():
    assert money(Decimal("1234.56")) == f"1{NBSP}234,56{NBSP}₽"
    assert money(Decimal("1000000")) == f"1{NBSP}000{NBSP}000,00{NBSP}₽"
    assert money(Decimal("0.005")) == f"0,01{NBSP}₽"  # half-up
    assert money(Decimal("-35.43"), sign=False) == "\u221235,43"


def test_dates_and_periods_are_written_the_russian_way():
    assert short_date(date(2026, 3, 5)) == "05.03.2026"
    assert long_date(date(2026, 3, 5)) == f"5{NBSP}марта 2026{NBSP}г."
    assert period(date(2026, 3, 1)) == f"март 2026{NBSP}г."


def test_names_shrink_to_initials_and_phones_take_one_shape():
    assert initials("Иванов Иван Иванович").replace(NBSP, " ") == "Иванов И. И."
    assert initials("Иванов") == "Иванов"
    assert phone("83831234567").replace(NBSP, " ") == "+7 (383) 123-45-67"
    assert phone("+7 383 123 45 67").replace(NBSP, " ") == "+7 (383) 123-45-67"
