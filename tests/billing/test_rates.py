from datetime import date
from decimal import Decimal

import pytest

from billing.rates import (
    DatedTable,
    DatedValue,
    NoRateError,
    due_day_table,
    key_rate_table,
    load_tables,
    norm_table,
    penalty_cap_table,
    tariff_table,
    vat_table,
)

DATA_FILES = (
    "tariffs.json",
    "norms.json",
    "vat.json",
    "key_rate.json",
    "penalty_cap.json",
    "penalty_tiers.json",
    "due_day.json",
    "service_rules.json",
)


def test_tariff_changes_on_the_first_of_july_2025():
    tariffs = tariff_table()
    assert tariffs.at(date(2025, 6, 30)) == Decimal("436.69")
    assert tariffs.at(date(2025, 7, 1)) == Decimal("461.46")
    assert tariffs.at(date(2024, 8, 6)) == Decimal("436.69")


def test_a_date_no_row_covers_raises_instead_of_guessing():
    with pytest.raises(NoRateError, match="2024-08-05"):
        tariff_table().at(date(2024, 8, 5))


def test_seed_norms_vat_and_due_days_match_the_domain():
    assert norm_table("residents").at(date(2026, 3, 1)) == Decimal("2.38")
    assert norm_table("office_employees").at(date(2026, 3, 1)) == Decimal("1.641")
    assert vat_table().at(date(2025, 12, 31)) == Decimal("20")
    assert vat_table().at(date(2026, 1, 1)) == Decimal("22")
    assert due_day_table().at(date(2026, 2, 1)) == 10
    assert due_day_table().at(date(2026, 3, 1)) == 15


def test_penalty_cap_is_none_zero_or_nine_and_a_half_by_period():
    caps = penalty_cap_table()
    assert caps.at(date(2020, 4, 5)) is None
    assert caps.at(date(2020, 4, 6)) == 0
    assert caps.at(date(2020, 12, 31)) == 0
    assert caps.at(date(2021, 6, 1)) is None
    assert caps.at(date(2022, 2, 28)) == Decimal("9.5")
    assert caps.at(date(2026, 12, 31)) == Decimal("9.5")
    with pytest.raises(NoRateError):
        caps.at(date(2027, 1, 1))


def test_key_rate_history_has_no_gaps_from_2020_on():
    rows = key_rate_table().rows
    for earlier, later in zip(rows, rows[1:], strict=False):
        assert (later.valid_from - earlier.valid_to).days == 1
    assert key_rate_table().at(date(2026, 4, 15)) == Decimal("15.5")


@pytest.mark.parametrize("file_name", DATA_FILES)
def test_every_seed_row_names_its_source_and_holds_no_float(file_name):
    for table in load_tables(file_name).values():
        assert table.rows
        for row in table.rows:
            assert row.source.strip()
            assert not isinstance(row.value, float)


def test_overlapping_rows_are_refused():
    with pytest.raises(ValueError, match="overlap"):
        DatedTable(
            [
                DatedValue(date(2025, 1, 1), None, Decimal(1), "a"),
                DatedValue(date(2025, 6, 1), None, Decimal(2), "b"),
            ]
        )


def test_rows_from_database_like_mappings_build_the_same_table():
    table = DatedTable.from_dicts(
        [{"valid_from": date(2025, 1, 1), "valid_to": None, "value": Decimal("7"), "source": "row 1"}], name="t"
    )
    assert table.at(date(2030, 1, 1)) == Decimal("7")


def test_float_values_are_refused_when_loading():
    with pytest.raises(TypeError, match="float"):
        DatedTable.from_dicts([{"valid_from": "2025-01-01", "value": 0.1, "source": "x"}])


def test_segments_split_a_range_at_row_boundaries():
    segments = list(tariff_table().segments(date(2025, 6, 20), date(2025, 7, 10)))
    assert [(s.start, s.end, s.days, s.value) for s in segments] == [
        (date(2025, 6, 20), date(2025, 6, 30), 11, Decimal("436.69")),
        (date(2025, 7, 1), date(2025, 7, 10), 10, Decimal("461.46")),
    ]
