"""Numbers per kind × partner × year: no gaps, no duplicates, under concurrency on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session

from documents.numbering import next_number
from web.extensions import db


def test_eight_threads_taking_fifty_numbers_each_get_four_hundred_consecutive_ones(app):
    engine = db.engine

    def take_fifty(thread: int) -> list[int]:
        taken = []
        for attempt in range(50 + 10):
            with Session(engine) as session:
                number = next_number(session, "act", None, 2026)
                if attempt % 6 == 5:
                    session.rollback()  # a transaction that fails gives its number back
                    continue
                session.commit()
                taken.append(number)
        return taken

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = [n for taken in pool.map(take_fifty, range(8)) for n in taken]
    assert sorted(numbers) == list(range(1, 401))


def test_sequences_are_separate_per_kind_partner_and_year(session, users):
    east, west = 1, 2
    assert [next_number(session, "act", east, 2026) for _ in range(3)] == [1, 2, 3]
    assert next_number(session, "act", west, 2026) == 1
    assert next_number(session, "invoice", east, 2026) == 1
    assert next_number(session, "act", east, 2027) == 1
    assert next_number(session, "act", None, 2026) == 1
    session.commit()


