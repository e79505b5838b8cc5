"""Reading `1CClientBankExchange` bank statements: the de-facto Russian text format of «Клиент-банк» exchange.

Layout: the first line `1CClientBankExchange`, header `Key=Value` lines (ВерсияФормата, Кодировка=Windows|DOS,
РасчСчет…), optional `СекцияРасчСчет … КонецРасчСчет` blocks, then one `СекцияДокумент=<kind> … КонецДокумента`
block per payment document, and `КонецФайла`. Windows means cp1251, DOS cp866; UTF-8 files are accepted too.

Problems are reported with their line number; a document with any problem is dropped whole (nothing of it is
imported), the others are returned.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property

from texts import N_, Text

MAGIC = "1CClientBankExchange"
ENCODINGS = {"windows": "cp1251", "dos": "cp866"}
_MONTHS = ("янв", "фев", "мар", "апр", "ма", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
_MONTH_WORD = re.compile(r"\b(янв|фев|мар|апр|ма[йяе]|июн|июл|авг|сен|окт|ноя|дек)[а-я]*\.?\s+(20\d\d)", re.I)
_MONTH_NUMBER = re.compile(r"(?<![\d.])(0?[1-9]|1[0-2])[./](20\d\d)(?![\d])")


class UnreadableStatement(ValueError):
    """The file is not a 1CClientBankExchange statement or its encoding is unknown."""


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass(frozen=True)
class BankDocument:
    """One incoming payment document as the bank wrote it, with the line its section starts on."""

    line: int
    number: str
    paid_on: date
    amount: Decimal
    payer_inn: str | None
    payer_name: str
    payer_account: str | None
    recipient_account: str | None
    purpose: str

    @cached_property  # hashed once: import, dedupe and matching all ask for it
    def key(self) -> str:
        """Identity of the bank document across files: number, date, amount, payer's ИНН and account."""
        raw = "|".join((self.number, self.paid_on.isoformat(), str(self.amount), self.payer_inn or "",
                        self.payer_account or ""))
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class ParsedStatement:
    encoding: str
    accounts: set[str] = field(default_factory=set)
    documents: list[BankDocument] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 if it decodes, else the encoding the `Кодировка=` header names."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = _declared_encoding(data)
        text = data.decode(encoding, errors="replace")
    if text.lstrip().split("\n", 1)[0].strip() != MAGIC:
        raise UnreadableStatement(N_("Строка 1: файл не является выпиской 1CClientBankExchange"))
    return text, encoding


def _declared_encoding(data: bytes) -> str:
    # The header keyword is Cyrillic itself, so look for it as each candidate encoding would write it.
    for codec in ENCODINGS.values():
        match = re.search("^Кодировка=([^\r\n]*)".encode(codec), data, re.M)
        if match:
            declared = match.group(1).decode(codec, errors="replace").strip()
            if declared.lower() in ENCODINGS:
                return ENCODINGS[declared.lower()]
            raise UnreadableStatement(Text("Неизвестная кодировка файла: «%(encoding)s»; ожидается Windows (cp1251), "
                                           "DOS (cp866) или UTF-8", encoding=declared))
    raise UnreadableStatement(N_("Не найдена строка Кодировка=: кодировка файла неизвестна"))


def parse(data: bytes) -> ParsedStatement:
    """Parse a statement file into incoming documents and line-numbered problems."""
    text, encoding = decode(data)
    statement = ParsedStatement(encoding)
    document: dict[str, str] | None = None
    start = 0
    broken: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or number == 1:
            continue
        if line.startswith("СекцияДокумент"):
            if document is not None:
                statement.problems.append(Problem(start, N_("Документ не закрыт строкой КонецДокумента")))
            document, start, broken = {}, number, []
            continue
        if line == "КонецДокумента":
            if document is None:
                statement.problems.append(Problem(number, N_("КонецДокумента без СекцияДокумент")))
                continue
            _finish(statement, document, start, broken)
            document = None
            continue
        if line in ("КонецФайла", "СекцияРасчСчет", "КонецРасчСчет"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key:
            problem = Problem(number, Text("Строка не в формате Ключ=Значение: «%(line)s»", line=line[:60]))
            (broken if document is not None else statement.problems).append(problem)
            continue
        if document is None:
            if key == "РасчСчет":
                statement.accounts.add(value.strip())
            continue
        document[key] = value.strip()
        document[f"#{key}"] = str(number)
    if document is not None:
        statement.problems.append(Problem(start, N_("Документ не закрыт строкой КонецДокумента")))
    return statement


def named_period(purpose: str) -> date | None:
    """The month a payment purpose names («за март 2026», «за 03.2026»), as its first day; None if none."""
    match = _MONTH_WORD.search(purpose)
    if match:
        prefix = match.group(1).lower()
        month = 5 if prefix.startswith("ма") and prefix != "мар" else _MONTHS.index(prefix[:3]) + 1
        return date(int(match.group(2)), month, 1)
    match = _MONTH_NUMBER.search(purpose)
    if match:
        return date(int(match.group(2)), int(match.group(1)), 1)
    return None


def _finish(statement: ParsedStatement, fields: dict[str, str], start: int, broken: list[Problem]) -> None:
    problems = list(broken)

    def line_of(key: str) -> int:
        return int(fields.get(f"#{key}", start))

    payer_account = fields.get("ПлательщикСчет") or None
    if payer_account and payer_account in statement.accounts:
        return  # our own outgoing payment
    amount = None
    try:
        amount = Decimal(fields.get("Сумма", "").replace(",", "."))
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            problems.append(Problem(line_of("Сумма"), Text("Сумма должна быть положительной, в рублях и копейках: "
                                                           "«%(amount)s»", amount=fields.get("Сумма"))))
    except InvalidOperation:
        problems.append(Problem(line_of("Сумма"), Text("Неверная сумма: «%(amount)s»", amount=fields.get("Сумма", ""))))
    paid_on = None
    raw_date = fields.get("ДатаПоступило") or fields.get("Дата", "")
    try:
        paid_on = datetime.strptime(raw_date, "%d.%m.%Y").date()
    except ValueError:
        key = "ДатаПоступило" if fields.get("ДатаПоступило") else "Дата"
        problems.append(Problem(line_of(key), Text("Неверная дата (ожидается ДД.ММ.ГГГГ): «%(date)s»", date=raw_date)))
    if problems:
        statement.problems.extend(problems)
        return
    statement.documents.append(BankDocument(
        line=start, number=fields.get("Номер", ""), paid_on=paid_on, amount=amount,
        payer_inn=fields.get("ПлательщикИНН") or None,
        payer_name=fields.get("Плательщик1") or fields.get("Плательщик", ""),
        payer_account=payer_account, recipient_account=fields.get("ПолучательСчет") or None,
        purpose=fields.get("НазначениеПлатежа", ""),
    ))
