from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.bank_statement import UnreadableStatement, named_period, parse
from tests.billing.bank_files import bank_file, document


@pytest.mark.parametrize("encoding", ["Windows", "DOS", "UTF-8"])
def test_a_statement_is_read_in_each_encoding(encoding):
    parsed = parse(bank_file(document("17", "05.04.2026", "1000.50", "Оплата за ТКО за март 2026"),
                             encoding=encoding))
    assert parsed.problems == []
    [doc] = parsed.documents
    assert (doc.number, doc.paid_on, doc.amount, doc.payer_inn) == ("17", date(2026, 4, 5), Decimal("1000.50"),
                                                                     "500100732259")
    assert doc.purpose == "Оплата за ТКО за март 2026"


def test_a_broken_line_drops_its_document_and_names_the_line():
    data = bank_file(document("1", "05.04.2026", "100.00", "л/с 1"),
                     document("2", "05.04.2026", "100.00", "л/с 2", extra="мусор без знака равенства\n"))
    parsed = parse(data)
    assert [d.number for d in parsed.documents] == ["1"]
    [problem] = parsed.problems
    assert problem.line == 39 and "Ключ=Значение" in problem.message


@pytest.mark.parametrize("amount", ["0.00", "-5.00", "abc", "1.005"])
def test_zero_negative_or_malformed_amounts_are_problems(amount):
    parsed = parse(bank_file(document("1", "05.04.2026", amount, "x")))
    assert parsed.documents == [] and parsed.problems[0].line == 20  # the Сумма line


def test_an_unknown_encoding_is_refused_in_russian():
    data = bank_file(document("1", "05.04.2026", "1.00", "x")).replace(b"Windows", b"KOI8-R")
    with pytest.raises(UnreadableStatement, match="Неизвестная кодировка"):
        parse(data)


def test_a_file_that_is_not_a_statement_is_refused():
    with pytest.raises(UnreadableStatement, match="Строка 1"):
        parse("Привет".encode())


@pytest.mark.parametrize(("purpose", "period"), [
    ("Оплата ТКО за март 2026 г.", date(2026, 3, 1)), ("за Мая 2026", date(2026, 5, 1)),
    ("ЛС 1000001 за 03.2026", date(2026, 3, 1)), ("период 12/2025", date(2025, 12, 1)),
    ("оплата по счёту 15", None),
])
def test_the_period_named_in_a_purpose_is_found(purpose, period):
    assert named_period(purpose) == period
