from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from billing.allocation import Bucket, allocate

MARCH, APRIL, MAY = date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)
BUCKETS = [Bucket(1, MARCH, date(2026, 4, 15), 10_000), Bucket(2, APRIL, date(2026, 5, 15), 10_000),
           Bucket(3, MAY, date(2026, 6, 15), 10_000)]


def test_partial_payment_goes_to_the_oldest_open_period():
    assert allocate(15_000, BUCKETS, date(2026, 7, 1)).allocations == ((1, 10_000), (2, 5_000))


def test_the_period_named_in_the_purpose_is_paid_first():
    assert allocate(15_000, BUCKETS, date(2026, 7, 1), MAY).allocations == ((3, 10_000), (1, 5_000))


def test_overpayment_stays_as_credit():
    result = allocate(35_000, BUCKETS, date(2026, 7, 1))
    assert result.credit_kopecks == 5_000 and len(result.allocations) == 3


def test_buckets_beyond_the_three_year_limitation_are_not_paid():
    old = Bucket(9, date(2022, 1, 1), date(2022, 2, 10), 5_000)
    assert allocate(5_000, [old, *BUCKETS], date(2026, 7, 1)).allocations == ((1, 5_000),)


buckets = st.lists(st.builds(Bucket, st.integers(1, 10**6), st.dates(date(2020, 1, 1), date(2026, 12, 1)),
                             st.dates(date(2020, 1, 1), date(2027, 1, 1)), st.integers(0, 10**9)),
                   max_size=30, unique_by=lambda b: b.charge_id)


@given(st.integers(1, 10**11), buckets, st.dates(date(2020, 1, 1), date(2027, 12, 31)),
       st.none() | st.dates(date(2020, 1, 1), date(2026, 12, 1)))
def test_allocation_never_creates_or_loses_a_kopeck(amount, open_buckets, paid_on, named):
    result = allocate(amount, open_buckets, paid_on, named)
    owed = {b.charge_id: b.open_kopecks for b in open_buckets}
    assert sum(k for _, k in result.allocations) + result.credit_kopecks == amount
    assert result.credit_kopecks >= 0
    assert all(0 < k <= owed[charge_id] for charge_id, k in result.allocations)
    assert len({charge_id for charge_id, _ in result.allocations}) == len(result.allocations)
