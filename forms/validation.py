"""Server-side validation of Camunda Forms submissions: a marshmallow schema built from the form's components.

The browser renders the same `.form` file with form-js, so the rules here mirror form-js's own (required, min/max,
minLength/maxLength on the trimmed text, `pattern` searched like JavaScript's `RegExp.test`, select options, number,
checkbox and date types). On top of them a component may name a platform validator for Russian requisites through a
*custom property* — what Camunda Modeler's form editor writes under «Custom properties»:

    "properties": {"validator": "inn"}                      inn | inn10 | inn12 | kpp | ogrn | ogrnip | snils | bik
    "properties": {"validator": "bank_account", "bik": "bank_bik"}      the key of the field holding the БИК
    "properties": {"validator": "correspondent_account", "bik": "bank_bik"}

Every message is Russian. Disabled and read-only components are not accepted from a submission (their values stay
as the instance has them); a component hidden by a FEEL condition is never required here, because the condition is
evaluated only in the browser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from clients import requisites
from texts import N_, Text

REQUIRED = N_("Обязательное поле")
INPUT_TYPES = {"textfield", "textarea", "number", "checkbox", "select", "radio", "checklist", "taglist", "datetime"}
CONTAINER_TYPES = {"group"}
EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{6,18}[0-9]$")

REQUISITE_VALIDATORS: dict[str, Callable[..., str]] = {
    "inn": lambda value, field: requisites.validate_inn(value, field=field),
    "inn10": lambda value, field: requisites.validate_inn(value, length=10, field=field),
    "inn12": lambda value, field: requisites.validate_inn(value, length=12, field=field),
    "kpp": lambda value, field: requisites.validate_kpp(value, field=field),
    "ogrn": lambda value, field: requisites.validate_ogrn(value, field=field),
    "ogrnip": lambda value, field: requisites.validate_ogrnip(value, field=field),
    "snils": lambda value, field: requisites.validate_snils(value, field=field),
    "bik": lambda value, field: requisites.validate_bik(value, field=field),
}
ACCOUNT_VALIDATORS = {
    "bank_account": requisites.validate_bank_account,
    "correspondent_account": requisites.validate_correspondent_account,
}


class FormError(ValueError):
    """The .form file itself cannot be used (not JSON, no components, an unknown validator)."""


class SubmissionInvalid(ValueError):
    """Field errors of a submission: `errors` by field key (as the API shows them), `by_id` by component id (as
    form-js shows them next to its fields)."""

    def __init__(self, errors: dict[str, list[str]], by_id: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{key}: {' '.join(messages)}" for key, messages in errors.items()))
        self.errors = errors
        self.by_id = by_id


@dataclass(frozen=True)
class Component:
    """An input component of a form, as far as validation is concerned."""

    id: str
    key: str
    type: str
    label: str
    raw: Mapping[str, Any]


def parse_form(content: bytes | str) -> dict[str, Any]:
    """The form-js schema in `content`; FormError when it is not one."""
    try:
        schema = json.loads(content)
    except (ValueError, UnicodeDecodeError) as error:
        raise FormError(f"the form is not JSON: {error}") from error
    if not isinstance(schema, dict) or not isinstance(schema.get("components"), list):
        raise FormError("the form has no components")
    return schema


def input_components(form: Mapping[str, Any]) -> list[Component]:
    """The components that submit a value (groups are walked; disabled and read-only ones are left out)."""
    return [c for c in _walk(form.get("components", [])) if not c.raw.get("disabled") and not c.raw.get("readonly")]


def validate_submission(form: Mapping[str, Any], data: Mapping[str, Any],
                        variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The submitted values converted to their types; SubmissionInvalid with Russian messages otherwise.
    `variables` are the task's variables (the options of a select whose values come from `valuesKey`)."""
    components = input_components(form)
    schema = _schema(json.dumps(form, sort_keys=True, ensure_ascii=False))(unknown=EXCLUDE)
    if not isinstance(data, Mapping):
        raise SubmissionInvalid({"_schema": [N_("Неверный формат данных формы")]}, {})
    errors: dict[str, list[str]] = {}
    try:
        values = schema.load(dict(data))
    except ValidationError as error:
        values = {k: v for k, v in error.valid_data.items()} if isinstance(error.valid_data, dict) else {}
        for key, messages in error.messages_dict.items():
            errors[key] = _flatten(messages)
    variables = variables or {}
    for component in components:
        if component.key in errors:
            continue
        problem = _dynamic_options_problem(component, values.get(component.key), variables)
        problem = problem or _account_problem(component, values, data)
        if problem:
            errors[component.key] = [problem]
    if errors:
        by_id = {c.id: errors[c.key] for c in components if c.key in errors}
        raise SubmissionInvalid(errors, by_id)
    return values


# -- building the schema ---------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _schema(form_json: str) -> type[Schema]:
    form = json.loads(form_json)
    declared = {}
    for component in input_components(form):
        declared[component.key] = _field(component)
    return Schema.from_dict(declared, name=f"Form_{form.get('id', 'form')}")


def _walk(components: list, ) -> Iterator[Component]:
    for raw in components:
        if not isinstance(raw, Mapping):
            raise FormError("a component is not an object")
        kind = raw.get("type")
        if kind in CONTAINER_TYPES:
            if raw.get("path"):
                raise FormError(f"group {raw.get('id')} with a path is not supported")
            yield from _walk(raw.get("components", []))
        elif kind in INPUT_TYPES and raw.get("key"):
            yield Component(id=str(raw.get("id") or raw["key"]), key=str(raw["key"]), type=kind,
                            label=str(raw.get("label") or raw["key"]), raw=raw)


def _field(component: Component) -> fields.Field:
    rules = component.raw.get("validate") or {}
    required = bool(rules.get("required")) and not _conditionally_hidden(component)
    checks = _checks(component, rules)
    kind = component.type
    if kind == "number":
        field: fields.Field = NumberField(component.raw.get("decimalDigits"))
    elif kind == "checkbox":
        field = BooleanField()
    elif kind in ("checklist", "taglist"):
        field = ListField(_static_options(component))
    elif kind in ("select", "radio"):
        field = ChoiceField(_static_options(component))
    elif kind == "datetime":
        field = MomentField(component.raw.get("subtype") or "date")
    else:
        field = TextField()
    field.required_value = required  # type: ignore[attr-defined]
    field.checks = checks  # type: ignore[attr-defined]
    return field


def _conditionally_hidden(component: Component) -> bool:
    condition = component.raw.get("conditional") or {}
    return bool(condition.get("hide"))


def _static_options(component: Component) -> list[Any] | None:
    values = component.raw.get("values")
    if isinstance(values, list):
        return [v.get("value") for v in values if isinstance(v, Mapping)]
    return None  # options come from `valuesKey` / `valuesExpression`: checked against the variables later


def _checks(component: Component, rules: Mapping[str, Any]) -> list[Callable[[Any], None]]:
    checks: list[Callable[[Any], None]] = []
    if rules.get("pattern"):
        pattern = re.compile(str(rules["pattern"]))
        message = rules.get("patternErrorMessage") or N_("Значение не соответствует образцу")
        checks.append(_text_check(lambda text: pattern.search(text) is not None, message))
    if isinstance(rules.get("minLength"), int):
        least = rules["minLength"]
        checks.append(_text_check(lambda text: len(text.strip()) >= least,
                                  Text("Не короче %(least)s символов", least=least)))
    if isinstance(rules.get("maxLength"), int):
        most = rules["maxLength"]
        checks.append(_text_check(lambda text: len(text.strip()) <= most,
                                  Text("Не длиннее %(most)s символов", most=most)))
    if _number(rules.get("min")) is not None:
        low = _number(rules["min"])
        checks.append(_number_check(lambda n: n >= low,
                                    Text("Значение должно быть не меньше %(low)s", low=_plain(low))))
    if _number(rules.get("max")) is not None:
        high = _number(rules["max"])
        checks.append(_number_check(lambda n: n <= high,
                                    Text("Значение должно быть не больше %(high)s", high=_plain(high))))
    if rules.get("validationType") == "email":
        checks.append(_text_check(lambda text: EMAIL.match(text) is not None, N_("Введите адрес электронной почты")))
    if rules.get("validationType") == "phone":
        checks.append(_text_check(lambda text: PHONE.match(text) is not None,
                                  N_("Введите номер телефона, например +7 383 123-45-67")))
    validator = (component.raw.get("properties") or {}).get("validator")
    if validator:
        if validator not in REQUISITE_VALIDATORS and validator not in ACCOUNT_VALIDATORS:
            raise FormError(f"component {component.id}: unknown validator {validator!r}")
        if validator in REQUISITE_VALIDATORS:
            checks.append(_requisite_check(REQUISITE_VALIDATORS[validator], component.key))
    return checks


def _text_check(test: Callable[[str], bool], message: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if isinstance(value, str) and value != "" and not test(value):
            raise ValidationError(message)
    return check


def _number_check(test: Callable[[Decimal], bool], message: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if isinstance(value, int | Decimal) and not isinstance(value, bool) and not test(Decimal(value)):
            raise ValidationError(message)
    return check


def _requisite_check(validate: Callable[..., str], key: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if isinstance(value, str) and value.strip():
            try:
                validate(value, key)
            except requisites.RequisiteError as error:
                raise ValidationError(error.message) from error
    return check


def _dynamic_options_problem(component: Component, value: Any, variables: Mapping[str, Any]) -> str | None:
    values_key = component.raw.get("valuesKey")
    if not values_key or value in (None, "", []):
        return None
    options = variables.get(values_key)
    if not isinstance(options, list):
        return None
    allowed = {o.get("value") if isinstance(o, Mapping) else o for o in options}
    chosen = value if isinstance(value, list) else [value]
    return None if all(v in allowed for v in chosen) else N_("Выберите значение из списка")


def _account_problem(component: Component, values: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    properties = component.raw.get("properties") or {}
    validate = ACCOUNT_VALIDATORS.get(properties.get("validator"))
    value = values.get(component.key)
    if validate is None or not isinstance(value, str) or not value.strip():
        return None
    bik = values.get(properties.get("bik"), data.get(properties.get("bik"))) if properties.get("bik") else None
    if not isinstance(bik, str) or not bik.strip():
        return N_("Сначала укажите БИК банка")
    try:
        validate(value, bik, field=component.key)
    except requisites.RequisiteError as error:
        return error.message
    return None


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f").replace(".", ",")


def _flatten(messages: Any) -> list[str]:
    if isinstance(messages, dict):
        return [m for inner in messages.values() for m in _flatten(inner)]
    if isinstance(messages, list):
        return [m for inner in messages for m in _flatten(inner)]
    return [messages if isinstance(messages, str) else str(messages)]  # a Text stays one, for translation


# -- the fields: conversion with Russian messages ----------------------------------------------------------------


class _FormField(fields.Field):
    """A form field: empty values are None (or REQUIRED), then `convert`, then the component's checks."""

    empty: tuple[Any, ...] = (None, "")

    def __init__(self) -> None:
        super().__init__(allow_none=True, load_default=None)
        self.required_value = False
        self.checks: list[Callable[[Any], None]] = []

    def deserialize(self, value: Any, attr: str | None = None, data: Mapping[str, Any] | None = None, **kwargs):
        if value is fields.missing_ or self._is_empty(value):
            if self.required_value:
                raise ValidationError(REQUIRED)
            return self._empty_value(value)
        converted = self.convert(value)
        for check in self.checks:
            check(converted)
        return converted

    def _is_empty(self, value: Any) -> bool:
        return value in self.empty if not isinstance(value, list | dict) else value == []

    def _empty_value(self, value: Any) -> Any:
        return None if value is fields.missing_ else value

    def convert(self, value: Any) -> Any:
        return value


class TextField(_FormField):
    def convert(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError(N_("Введите текст"))
        return value


class NumberField(_FormField):
    def __init__(self, decimal_digits: Any = None) -> None:
        super().__init__()
        self.decimal_digits = decimal_digits if isinstance(decimal_digits, int) else None

    def convert(self, value: Any) -> int | Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError(N_("Введите число"))
        try:
            number = Decimal(repr(value) if isinstance(value, float) else str(value).strip().replace(",", "."))
        except InvalidOperation as error:
            raise ValidationError(N_("Введите число")) from error
        if not number.is_finite():
            raise ValidationError(N_("Введите число"))
        if self.decimal_digits is not None and -number.as_tuple().exponent > self.decimal_digits:  # type: ignore
            raise ValidationError(N_("Введите целое число") if self.decimal_digits == 0
                                  else Text("Не больше %(digits)s знаков после запятой", digits=self.decimal_digits))
        return int(number) if number == number.to_integral_value() else number


class BooleanField(_FormField):
    empty = (None,)

    def _empty_value(self, value: Any) -> Any:
        return False

    def convert(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError(N_("Значение должно быть «да» или «нет»"))
        if self.required_value and value is False:
            raise ValidationError(REQUIRED)
        return value


class ChoiceField(_FormField):
    def __init__(self, options: list[Any] | None) -> None:
        super().__init__()
        self.options = options

    def convert(self, value: Any) -> Any:
        if isinstance(value, list | dict) or (self.options is not None and value not in self.options):
            raise ValidationError(N_("Выберите значение из списка"))
        return value


class ListField(_FormField):
    def __init__(self, options: list[Any] | None) -> None:
        super().__init__()
        self.options = options

    def _empty_value(self, value: Any) -> Any:
        return []

    def convert(self, value: Any) -> list[Any]:
        if not isinstance(value, list) or any(isinstance(v, list | dict) for v in value):
            raise ValidationError(N_("Выберите значения из списка"))
        if self.options is not None and any(v not in self.options for v in value):
            raise ValidationError(N_("Выберите значения из списка"))
        return value


class MomentField(_FormField):
    """form-js submits dates as `YYYY-MM-DD`, times as `HH:MM`, date-times as ISO 8601; they are kept as text."""

    MESSAGES = {"date": N_("Введите дату в формате ДД.ММ.ГГГГ"), "time": N_("Введите время в формате ЧЧ:ММ"),
                "datetime": N_("Введите дату и время")}

    def __init__(self, subtype: str) -> None:
        super().__init__()
        self.subtype = subtype if subtype in self.MESSAGES else "date"

    def convert(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError(self.MESSAGES[self.subtype])
        parse = {"date": date.fromisoformat, "time": time.fromisoformat, "datetime": datetime.fromisoformat}
        try:
            parse[self.subtype](value)
        except ValueError as error:
            raise ValidationError(self.MESSAGES[self.subtype]) from error
        return value
