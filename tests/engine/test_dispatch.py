"""The after-commit hook: listeners hear of committed events only, and a failing listener never fails the step;
the count of messages waiting in the broker."""

from __future__ import annotations

import pytest

from engine import dispatch


@pytest.fixture
def heard():
    events: list[list[dict]] = []
    dispatch.add_listener(events.append)
    yield events
    dispatch.remove_listener(events.append)


def _event(kind: str, **detail) -> dict:
    return {"kind": kind, "actor": "ivanov", "task_id": "t1", "detail": detail}


def test_a_listener_gets_the_committed_events_and_the_dispatcher_the_new_job_ids(heard):
    delivered = []
    dispatch.set_dispatcher(delivered.extend)
    try:
        dispatch.committed([_event("task_created"), _event("job_created", job_id="j1")])
    finally:
        dispatch.set_dispatcher(None)
    assert [[e["kind"] for e in batch] for batch in heard] == [["task_created", "job_created"]]
    assert delivered == ["j1"]


def test_a_listener_added_twice_hears_once(heard):
    dispatch.add_listener(heard.append)
    dispatch.committed([_event("task_claimed", assignee="ivanov")])
    assert len(heard) == 1


def test_a_failing_listener_is_logged_and_the_others_still_hear(heard, caplog):
    def broken(_events):
        raise OSError("mail server down")

    dispatch.add_listener(broken)
    try:
        dispatch.committed([_event("task_assigned", assignee="petrov")])
    finally:
        dispatch.remove_listener(broken)
    assert len(heard) == 1 and "after-commit listener" in caplog.text


def test_no_events_tell_nobody(heard):
    dispatch.committed([])
    assert heard == []


def test_a_broker_that_cannot_count_its_queue_says_so_instead_of_failing_the_sweep(caplog):
    def unreachable() -> int:
        raise ConnectionError("Redis is down")

    assert dispatch.queued() is None  # nothing wired: the broker cannot tell
    dispatch.set_dispatcher(lambda _ids: None, queued=unreachable)
    try:
        assert dispatch.queued() is None and "could not count" in caplog.text
        dispatch.set_dispatcher(lambda _ids: None, queued=lambda: 7)
        assert dispatch.queued() == 7
    finally:
        dispatch.set_dispatcher(None)
