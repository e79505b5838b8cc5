"""What task data may hold: values that survive a save and a load unchanged, checked wherever data enter a workflow
(start, completion, modification of variables, an operator's result, a script's new variables)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

_SCALARS = (type(None), bool, str, Decimal, date, datetime, timedelta)
MAX_DEPTH = 50
MAX_INT_DIGITS = 4000


def storable_problem(value: Any, depth: int = 0) -> str | None:
    """Why `value` cannot be kept in task data (it would not survive a save), or None when it can."""
    if depth > MAX_DEPTH:
        return "it is nested too deeply (or refers to itself)"
    if isinstance(value, _SCALARS):
        return None
    if isinstance(value, int):
        return None if abs(value) < 10**MAX_INT_DIGITS else "the number is too large"
    if isinstance(value, float):
        return None if math.isfinite(value) else "NaN and infinity cannot be stored"
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                return _key_problem(key)
        items = value.values()
    elif isinstance(value, list | tuple | set | frozenset):
        items = value
    else:
        return f"a value of type {type(value).__name__} cannot be stored"
    return next((p for p in (storable_problem(item, depth + 1) for item in items) if p), None)


def _key_problem(key: Any) -> str:
    # JSON would turn 1 into "1" and the value would come back under another key: refused, never converted.
    return f"the dictionary key {key!r} ({type(key).__name__}) is not a string; keys must be strings"


def unstorable_variable(variables: Mapping[str, Any]) -> str | None:
    """What is wrong with the first of `variables` that cannot be kept in task data, or None when all can:
    every boundary where data enter a workflow (start, completion, modification, an operator's result) asks."""
    for name, value in variables.items():
        if not isinstance(name, str):
            return f"variable name {name!r} ({type(name).__name__}) is not a string"
        if problem := storable_problem(value):
            return f"variable '{name}' cannot be kept: {problem}"
    return None
