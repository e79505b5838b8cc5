"""What task data may hold, and the message naming what may not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from engine.storable import storable_problem, unstorable_variable


def test_plain_values_decimals_dates_and_nested_collections_are_storable():
    assert storable_problem({"amount": Decimal("1.50"), "on": date(2026, 1, 1), "lines": [{"n": 1}, (2, 3)]}) is None


def test_a_dictionary_key_that_is_not_a_string_is_named_with_its_type():
    assert storable_problem({"by_month": {1: 100}}) == \
        "the dictionary key 1 (int) is not a string; keys must be strings"
    assert storable_problem({0: "zero"}) == "the dictionary key 0 (int) is not a string; keys must be strings"
    assert storable_problem([{None: 1}]).startswith("the dictionary key None (NoneType)")


def test_the_first_unstorable_variable_is_named():
    assert unstorable_variable({"ok": 1, "months": {"jan": 1, 2: "feb"}}) == \
        "variable 'months' cannot be kept: the dictionary key 2 (int) is not a string; keys must be strings"
    assert unstorable_variable({7: "seven"}) == "variable name 7 (int) is not a string"
    assert unstorable_variable({"ratio": float("nan")}) == \
        "variable 'ratio' cannot be kept: NaN and infinity cannot be stored"
    assert unstorable_variable({"fine": [1, "2", None]}) is None
