"""The partner rule of who may hold a task, in the engine: a partner's task only for its partner's or the УК's users,
a УК-wide task only for the УК's; claim_task and set_assignee refuse the rest, whatever surface calls them."""

from __future__ import annotations

import pytest

from engine import assignees


@pytest.mark.parametrize(
    ("user_partner", "task_partner", "allowed"),
    [(1, 1, True), (None, 1, True), (None, None, True), (2, 1, False), (1, None, False)],
)
def test_a_user_holds_only_tasks_of_his_own_partner_or_any_when_of_the_uk(user_partner, task_partner, allowed):
    assert assignees.may_hold(user_partner, task_partner) is allowed


def test_the_refusal_asks_the_wired_partner_source_and_speaks_russian(monkeypatch):
    monkeypatch.setattr(assignees, "_partner_source", lambda _session, username: {"west": 2}.get(username))
    assignees.require_same_partner(None, "east", 1)  # no platform user of a partner: not refused
    with pytest.raises(assignees.OtherPartner) as refused:
        assignees.require_same_partner(None, "west", 1)
    assert str(refused.value) == "Исполнитель работает у другого партнёра"
