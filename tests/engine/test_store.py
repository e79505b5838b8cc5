"""The write path's statements: multi-row inserts, and the pipelined block that sends them in one round trip."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine import store
from engine.models import AuditEvent, HumanTask


def _events(count: int) -> list[dict]:
    return [store.event("instance_started", f"instance-{n}", None, "tester", n=n) for n in range(count)]


def test_every_statement_of_a_pipelined_block_is_written_with_the_commit(session):
    with store.pipelined(session):
        store.write_events(session, _events(3))
        store.write_events(session, _events(1))
        with store.pipelined(session):  # nested: rides the outer block
            store.write_events(session, _events(2))
    session.commit()
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 6
    assert session.scalar(select(AuditEvent.detail).where(AuditEvent.instance_id == "instance-2")) == {"n": 2}


def test_more_rows_than_one_statement_takes_are_all_inserted(session):
    store.write_events(session, _events(1201))
    session.commit()
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1201


def test_a_failing_statement_in_a_pipelined_block_raises_the_usual_error_and_nothing_is_kept(session):
    orphan = {"id": "t-1", "instance_id": "no-such-instance", "definition_id": "d:1", "definition_key": "d",
              "task_key": "review", "name": "Проверить", "status": "open", "candidate_groups": ["uk_lawyer"],
              "candidate_users": [], "priority": 50, "created_at": datetime(2026, 12, 7)}
    with pytest.raises(IntegrityError):
        with store.pipelined(session):
            store.write_events(session, _events(2))
            store.insert_rows(session, HumanTask.__table__, [orphan])  # the foreign key refuses it
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
