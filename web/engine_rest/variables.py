"""Camunda's typed-variable JSON: `{"amount": {"value": 100, "type": "Integer", "valueInfo": {}}}` <-> Python."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from engine.errors import InvalidInput

_INTEGER_BOUNDS = {"Short": 2**15, "Integer": 2**31, "Long": 2**63}
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def decode(variables: Any) -> dict[str, Any]:
    """Python values of a typed-variable map; InvalidInput names the first variable that does not fit its type."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise InvalidInput("variables must be a JSON object of {name: {value, type}}")
    return {name: _decode_one(name, typed) for name, typed in variables.items()}


def _decode_one(name: str, typed: Any) -> Any:
    if not isinstance(typed, dict):
        raise InvalidInput(f"variable {name!r} must be an object with 'value' and 'type'")
    value, kind = typed.get("value"), (typed.get("type") or "").strip()
    kind = kind[:1].upper() + kind[1:]
    if value is None or kind == "Null":
        return None
    try:
        return _DECODERS[kind or _guess(value)](value, typed.get("valueInfo") or {})
    except KeyError:
        raise InvalidInput(f"variable {name!r} has an unsupported type {kind!r}") from None
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"Cannot convert value {value!r} of variable {name!r} to type {kind}: {error}") from None


def _guess(value: Any) -> str:
    return {bool: "Boolean", int: "Integer", float: "Double", str: "String"}.get(type(value), "Json")


def _integer(kind: str):
    def decode_integer(value: Any, _info: dict) -> int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("not an integer")
        number = int(value)
        if not -_INTEGER_BOUNDS[kind] <= number < _INTEGER_BOUNDS[kind]:
            raise ValueError("out of range")
        return number

    return decode_integer


def _boolean(value: Any, _info: dict) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError("not a boolean")


def _double(value: Any, _info: dict) -> float:
    if isinstance(value, bool):
        raise ValueError("not a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _string(value: Any, _info: dict) -> str:
    if not isinstance(value, str):
        raise ValueError("not a string")
    return value


def _date(value: Any, _info: dict) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not a date string")
    return datetime.fromisoformat(value)


def _json(value: Any, info: dict) -> Any:
    try:
        return json.loads(value) if isinstance(value, str) else value
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _object(value: Any, info: dict) -> Any:
    if info.get("serializationDataFormat", "application/json") != "application/json":
        raise ValueError("only application/json objects are supported")
    return _json(value, info)


_DECODERS = {
    "Boolean": _boolean,
    "Short": _integer("Short"),
    "Integer": _integer("Integer"),
    "Long": _integer("Long"),
    "Double": _double,
    "String": _string,
    "Date": _date,
    "Json": _json,
    "Object": _object,
}


def encode(variables: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A typed-variable map of Python values (Decimal is sent as a String so that money never becomes a float)."""
    return {name: encode_one(value) for name, value in variables.items()}


def encode_one(value: Any) -> dict[str, Any]:
    if value is None:
        return {"value": None, "type": "Null", "valueInfo": {}}
    if isinstance(value, bool):
        return {"value": value, "type": "Boolean", "valueInfo": {}}
    if isinstance(value, int):
        kind = "Integer" if -(2**31) <= value < 2**31 else "Long"
        return {"value": value, "type": kind, "valueInfo": {}}
    if isinstance(value, float):
        return {"value": value, "type": "Double", "valueInfo": {}}
    if isinstance(value, Decimal):
        return {"value": str(value), "type": "String", "valueInfo": {}}
    if isinstance(value, str):
        return {"value": value, "type": "String", "valueInfo": {}}
    if isinstance(value, datetime | date):
        return {"value": format_date(value), "type": "Date", "valueInfo": {}}
    return {"value": json.dumps(value, ensure_ascii=False, default=str), "type": "Json", "valueInfo": {}}


def format_date(value: datetime | date | None) -> str | None:
    """Camunda's date format: 2026-11-23T10:00:00.000+0000."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    text = value.strftime(_DATE_FORMAT)[:-3]
    return text + (value.strftime("%z") or "+0000")
