"""Server-side validation of Camunda Forms submissions: the rules of the .form file, in Russian."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from forms.validation import FormError, SubmissionInvalid, parse_form, validate_submission

FORMS = Path(__file__).resolve().parents[2] / "forms"


def form(*components: dict) -> dict:
    return {"components": [{"id": f"F_{c['key']}", **c} for c in components], "type": "default", "schemaVersion": 16}


def errors(schema: dict, data: dict) -> dict[str, list[str]]:
    with pytest.raises(SubmissionInvalid) as invalid:
        validate_submission(schema, data)
    return invalid.value.errors


REQUISITES = form(
    {"key": "inn", "type": "textfield", "label": "ИНН", "validate": {"required": True},
     "properties": {"validator": "inn"}},
    {"key": "ogrn", "type": "textfield", "properties": {"validator": "ogrn"}},
    {"key": "snils", "type": "textfield", "properties": {"validator": "snils"}},
    {"key": "bik", "type": "textfield", "properties": {"validator": "bik"}},
    {"key": "account", "type": "textfield", "properties": {"validator": "bank_account", "bik": "bik"}},
)


def test_an_invalid_inn_gets_the_russian_checksum_message():
    assert errors(REQUISITES, {"inn": "7707083894"}) == {"inn": ["Неверная контрольная сумма ИНН"]}
    assert errors(REQUISITES, {"inn": "12345"}) == {"inn": ["ИНН должен состоять из 10 или 12 цифр"]}


def test_valid_requisites_pass_and_keep_their_values():
    values = validate_submission(REQUISITES, {"inn": "7707083893", "ogrn": "1027700132195", "snils": "112-233-445 95",
                                              "bik": "044525225", "account": "40702810938000012345"})
    assert values["inn"] == "7707083893" and values["snils"] == "112-233-445 95"


def test_ogrn_snils_and_the_bank_account_are_checked_by_their_checksums():
    found = errors(REQUISITES, {"inn": "500100732259", "ogrn": "1027700132196", "snils": "112-233-445 96",
                                "bik": "044525225", "account": "40702810938000012346"})
    assert found == {"ogrn": ["Неверная контрольная сумма ОГРН"], "snils": ["Неверная контрольная сумма СНИЛС"],
                     "account": ["Неверный контрольный ключ расчётного счёта: проверьте номер счёта и БИК"]}


def test_a_bank_account_without_a_bik_asks_for_the_bik_first():
    assert errors(REQUISITES, {"inn": "7707083893", "account": "40702810938000012345"}) == {
        "account": ["Сначала укажите БИК банка"]}


def test_the_claim_review_form_demands_its_required_number_within_bounds():
    schema = parse_form((FORMS / "claim_review.form").read_bytes())
    assert errors(schema, {}) == {"claim_days": ["Обязательное поле"]}
    assert errors(schema, {"claim_days": 5}) == {"claim_days": ["Значение должно быть не меньше 10"]}
    assert errors(schema, {"claim_days": 61}) == {"claim_days": ["Значение должно быть не больше 60"]}
    assert errors(schema, {"claim_days": "тридцать"}) == {"claim_days": ["Введите число"]}
    assert errors(schema, {"claim_days": True}) == {"claim_days": ["Введите число"]}
    assert errors(schema, {"claim_days": 30, "comment": "x" * 2001}) == {"comment": ["Не длиннее 2000 символов"]}


def test_disabled_fields_are_never_taken_from_a_submission():
    schema = parse_form((FORMS / "claim_review.form").read_bytes())
    values = validate_submission(schema, {"claim_days": 30, "debt": "1.00", "penalty": "0", "claim_sent": True})
    assert "debt" not in values and "penalty" not in values
    assert values["claim_days"] == 30 and values["claim_sent"] is True


def test_a_select_accepts_only_its_options_and_dates_must_be_dates():
    schema = parse_form((FORMS / "debtor_reminder.form").read_bytes())
    assert errors(schema, {"channel": "fax"}) == {"channel": ["Выберите значение из списка"]}
    assert errors(schema, {"channel": "sms", "promised_date": "31.02.2026"}) == {
        "promised_date": ["Введите дату в формате ДД.ММ.ГГГГ"]}
    assert validate_submission(schema, {"channel": "sms", "promised_date": "2026-03-05"})["promised_date"] == \
        "2026-03-05"


def test_text_rules_follow_form_js_pattern_and_trimmed_lengths():
    schema = form({"key": "code", "type": "textfield",
                   "validate": {"pattern": "^[A-Z]{2}-\\d+$", "patternErrorMessage": "Код вида АБ-1", "minLength": 4}},
                  {"key": "mail", "type": "textfield", "validate": {"validationType": "email"}})
    assert errors(schema, {"code": "ab-1"}) == {"code": ["Код вида АБ-1"]}
    assert errors(schema, {"code": "AB-1 "})["code"] == ["Код вида АБ-1"]
    assert errors(schema, {"code": "AB-12", "mail": "not-mail"}) == {"mail": ["Введите адрес электронной почты"]}


def test_numbers_keep_decimals_exact_and_respect_decimal_digits():
    schema = form({"key": "amount", "type": "number"}, {"key": "count", "type": "number", "decimalDigits": 0})
    assert validate_submission(schema, {"amount": "1234.56", "count": 3}) == {"amount": Decimal("1234.56"), "count": 3}
    assert errors(schema, {"count": 2.5}) == {"count": ["Введите целое число"]}


def test_checklists_and_required_checkboxes():
    schema = form({"key": "docs", "type": "checklist", "values": [{"label": "А", "value": "a"}]},
                  {"key": "agree", "type": "checkbox", "validate": {"required": True}})
    assert errors(schema, {"docs": ["b"], "agree": False}) == {"docs": ["Выберите значения из списка"],
                                                               "agree": ["Обязательное поле"]}


def test_a_conditionally_hidden_field_is_not_required_by_the_server():
    schema = form({"key": "reason", "type": "textfield", "validate": {"required": True},
                   "conditional": {"hide": "=approved"}})
    assert validate_submission(schema, {}) == {"reason": None}


def test_errors_are_also_given_by_component_id_for_form_js():
    with pytest.raises(SubmissionInvalid) as invalid:
        validate_submission(REQUISITES, {"inn": "1"})
    assert invalid.value.by_id == {"F_inn": ["ИНН должен состоять из 10 или 12 цифр"]}


def test_a_broken_form_or_an_unknown_validator_is_a_form_error():
    with pytest.raises(FormError):
        parse_form(b"{not json")
    with pytest.raises(FormError):
        validate_submission(form({"key": "x", "type": "textfield", "properties": {"validator": "passport"}}), {})
