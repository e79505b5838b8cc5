"""Checksums of Russian requisites: ИНН, КПП, ОГРН, ОГРНИП, СНИЛС, БИК, settlement and correspondent accounts.

Each validate_* function returns the normalized value (digits only, upper case) or raises RequisiteError with the
field name and a Russian message for the user. Only the checksum is verified, never a list of regions or banks.
"""

from __future__ import annotations

import re

from texts import N_, Text

INN_10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
ACCOUNT_WEIGHTS = ((7, 1, 3) * 8)[:23]  # 23 positions: 3 digits from the БИК + 20 of the account

KPP_PATTERN = re.compile(r"\d{4}[\dA-Z]{2}\d{3}", re.ASCII)
SNILS_PATTERN = re.compile(r"(\d{3})-?(\d{3})-?(\d{3})[ -]?(\d{2})", re.ASCII)
# Numbers up to 001-001-998 were issued before the checksum existed and are not checked.
SNILS_UNCHECKED_UP_TO = 1_001_998


class RequisiteError(ValueError):
    """An invalid requisite: `field` names the form field, `message` says why in Russian."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def validate_inn(value: str, *, length: int | None = None, field: str = "inn") -> str:
    """ИНН: 10 digits (organisation) or 12 (individual, ИП); `length` demands one of them."""
    if length not in (None, 10, 12):
        raise ValueError(f"an ИНН has 10 or 12 digits, not {length}")
    inn = _digits(value, field, (length,) if length else (10, 12), _inn_length_message(length))
    if len(inn) == 10:
        valid = check_digit(inn[:9], INN_10_WEIGHTS) == int(inn[9])
    else:
        check_11 = check_digit(inn[:10], INN_12_WEIGHTS_11)
        check_12 = check_digit(inn[:11], INN_12_WEIGHTS_12)
        valid = inn[10:] == f"{check_11}{check_12}"
    if not valid:
        raise RequisiteError(field, N_("Неверная контрольная сумма ИНН"))
    return inn


def validate_kpp(value: str, *, field: str = "kpp") -> str:
    """КПП: 4 digits, 2 digits or Latin capitals, 3 digits; there is no checksum."""
    kpp = value.strip().upper()
    if not KPP_PATTERN.fullmatch(kpp):
        raise RequisiteError(field, N_("КПП должен состоять из 9 символов: 4 цифры, 2 цифры или латинские буквы, "
                                       "3 цифры"))
    return kpp


def validate_ogrn(value: str, *, field: str = "ogrn") -> str:
    """ОГРН: 13 digits, (first 12 as a number mod 11) mod 10 is the last digit."""
    ogrn = _digits(value, field, (13,), N_("ОГРН должен состоять из 13 цифр"))
    if int(ogrn[:12]) % 11 % 10 != int(ogrn[12]):
        raise RequisiteError(field, N_("Неверная контрольная сумма ОГРН"))
    return ogrn


def validate_ogrnip(value: str, *, field: str = "ogrnip") -> str:
    """ОГРНИП: 15 digits, (first 14 as a number mod 13) mod 10 is the last digit."""
    ogrnip = _digits(value, field, (15,), N_("ОГРНИП должен состоять из 15 цифр"))
    if int(ogrnip[:14]) % 13 % 10 != int(ogrnip[14]):
        raise RequisiteError(field, N_("Неверная контрольная сумма ОГРНИП"))
    return ogrnip


def validate_snils(value: str, *, field: str = "snils") -> str:
    """СНИЛС: 11 digits, written plain or as «112-233-445 95»; returns the 11 digits."""
    match = SNILS_PATTERN.fullmatch(value.strip())
    if not match:
        raise RequisiteError(field, N_("СНИЛС должен состоять из 11 цифр в формате 123-456-789 01"))
    snils = "".join(match.groups())
    number, check = snils[:9], int(snils[9:])
    if int(number) > SNILS_UNCHECKED_UP_TO and _snils_check(number) != check:
        raise RequisiteError(field, N_("Неверная контрольная сумма СНИЛС"))
    return snils


def validate_bik(value: str, *, field: str = "bik") -> str:
    """БИК: 9 digits (no checksum of its own; it keys the account checks)."""
    return _digits(value, field, (9,), N_("БИК должен состоять из 9 цифр"))


def validate_bank_account(account: str, bik: str, *, field: str = "bank_account") -> str:
    """Settlement account (расчётный счёт): 20 digits, control key computed with the last 3 digits of the БИК."""
    bik_digits = validate_bik(bik)
    number = _digits(account, field, (20,), N_("Расчётный счёт должен состоять из 20 цифр"))
    if not _account_key_valid(bik_digits[-3:] + number):
        raise RequisiteError(field, N_("Неверный контрольный ключ расчётного счёта: проверьте номер счёта и БИК"))
    return number


def validate_correspondent_account(account: str, bik: str, *, field: str = "correspondent_account") -> str:
    """Correspondent account: 20 digits, control key computed with "0" + digits 5–6 of the БИК."""
    bik_digits = validate_bik(bik)
    number = _digits(account, field, (20,), N_("Корреспондентский счёт должен состоять из 20 цифр"))
    if not _account_key_valid("0" + bik_digits[4:6] + number):
        raise RequisiteError(field, N_("Неверный контрольный ключ корреспондентского счёта: проверьте номер счёта "
                                       "и БИК"))
    return number


def _digits(value: str, field: str, lengths: tuple[int, ...], message: str) -> str:
    # ASCII digits only: str.isdigit() would accept "²" or Arabic-Indic digits.
    text = value.strip()
    if len(text) not in lengths or not re.fullmatch(r"[0-9]+", text):
        raise RequisiteError(field, message)
    return text


def _inn_length_message(length: int | None) -> str:
    if length == 10:
        return N_("ИНН организации должен состоять из 10 цифр")
    if length == 12:
        return N_("ИНН физического лица или ИП должен состоять из 12 цифр")
    return N_("ИНН должен состоять из 10 или 12 цифр")


def check_digit(digits: str, weights: tuple[int, ...]) -> int:
    """The control digit of ИНН/СНИЛС-style numbers: the weighted sum of `digits` mod 11 mod 10."""
    return sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True)) % 11 % 10


def _snils_check(number: str) -> int:
    total = sum(int(digit) * weight for digit, weight in zip(number, range(9, 0, -1), strict=True))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    remainder = total % 101
    return 0 if remainder == 100 else remainder


def _account_key_valid(digits: str) -> bool:
    return sum(int(digit) * weight % 10 for digit, weight in zip(digits, ACCOUNT_WEIGHTS, strict=True)) % 10 == 0


REQUIRED_BY_KIND = {"ЮЛ": ("inn", "ogrn"), "ИП": ("inn", "ogrnip"), "ФЛ": ()}


def validate_requisites(kind: str, values: dict[str, str | None]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Validate a client's requisites as a whole: (normalized values, {field: [Russian messages]})."""
    given = {name: str(value).strip() for name, value in values.items() if value not in (None, "")}
    errors: dict[str, list[str]] = {}
    normalized: dict[str, str] = {}
    for name in REQUIRED_BY_KIND.get(kind, ()):
        if name not in given:
            errors[name] = [Text("Обязательное поле для клиента %(kind)s", kind=kind)]
    inn_length = 10 if kind == "ЮЛ" else 12 if kind in ("ФЛ", "ИП") else None
    checks = {
        "inn": lambda v: validate_inn(v, length=inn_length),
        "kpp": validate_kpp,
        "ogrn": validate_ogrn,
        "ogrnip": validate_ogrnip,
        "snils": validate_snils,
        "bik": validate_bik,
        "bank_account": lambda v: validate_bank_account(v, given.get("bik", "")),
        "correspondent_account": lambda v: validate_correspondent_account(v, given.get("bik", "")),
    }
    for name, check in checks.items():
        if name not in given or name in errors:
            continue
        if name in ("bank_account", "correspondent_account") and "bik" not in given:
            errors[name] = [N_("Укажите БИК банка: без него счёт проверить нельзя")]
            continue
        try:
            normalized[name] = check(given[name])
        except RequisiteError as error:
            errors.setdefault(error.field if error.field in checks else name, []).append(error.message)
    return normalized, errors
