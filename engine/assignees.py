"""Who may hold a task, by partner: a task of partner P goes only to a user of partner P or of the УК (whose users
work for every partner); a УК-wide task (partner_id NULL) only to the УК's users. Claims and assignments of the UI,
/api and /engine-rest all pass `instances.claim_task` / `set_assignee`, which ask `require_same_partner`.

The engine never imports identity: the application wires who a user works for (`set_partner_source`), as it wires
the partner list of per-partner start events.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from engine.errors import Forbidden
from texts import N_

REFUSAL = N_("Исполнитель работает у другого партнёра")


class OtherPartner(Forbidden):
    """The would-be assignee works for another partner than the task's."""


def _nobodys(_session: Session, _username: str) -> int | None:
    return None


_partner_source: Callable[[Session, str], int | None] = _nobodys


def set_partner_source(source: Callable[[Session, str], int | None]) -> None:
    """Who a user works for: the partner id of a platform user of a partner, None for the УК's users and for names
    that are no platform user (an external system's worker) — the application wires identity's answer."""
    global _partner_source
    _partner_source = source


def may_hold(user_partner_id: int | None, task_partner_id: int | None) -> bool:
    """The rule itself: a user of the УК holds any task, a partner's user only his partner's tasks."""
    return user_partner_id is None or user_partner_id == task_partner_id


def require_same_partner(session: Session, username: str, task_partner_id: int | None) -> None:
    """Refuse (OtherPartner, a Forbidden) a task for `username` when he works for another partner."""
    if not may_hold(_partner_source(session, username), task_partner_id):
        raise OtherPartner(REFUSAL)
