"""Partner scoping by one mechanism: every query for a caller goes through `Scope.restrict` (a row it loaded by id,
through `Scope.allows`). Domain services take the caller's scope as a parameter (`db.scope.PartnerScope`), so
this is the one place that says which partner's rows a caller sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Delete, Select, Update

from engine.errors import Forbidden

S = TypeVar("S", Select, Update, Delete)


@dataclass(frozen=True)
class Scope:
    """Who is asking. `partner_id=None` means every partner (УК roles and the system itself)."""

    username: str | None = None
    partner_id: int | None = None
    groups: frozenset[str] = field(default_factory=frozenset)

    def restrict(self, statement: S, partner_column) -> S:
        """`statement` (a select, update or delete) limited to the caller's partner (unchanged for УК-wide
        callers)."""
        if self.partner_id is None:
            return statement
        return statement.where(partner_column == self.partner_id)

    def allows(self, partner_id: int | None) -> bool:
        """True when a row of `partner_id` is visible to the caller."""
        return self.partner_id is None or self.partner_id == partner_id

    @property
    def is_system(self) -> bool:
        """The platform itself (CLI, workers, scheduler): not a person, not restricted."""
        return self.username is None

    @property
    def supervises(self) -> bool:
        """May assign, reassign and complete any task within the scope (managers, admins)."""
        return self.is_system or bool(self.groups & SUPERVISOR_GROUPS)

    def require_operator(self, action: str) -> None:
        """`Forbidden` unless the caller runs instances (the platform, managers, admins, the УК's dispatchers):
        cancelling, suspending, changing variables and retrying jobs are theirs, not a field crew's. Asked before
        the row is looked up, so a refused caller learns nothing of any id."""
        if not (self.is_system or self.groups & OPERATOR_GROUPS):
            raise Forbidden(f"{action} needs the role of a manager, an admin or a dispatcher")

    def eligible_for(self, candidate_groups, candidate_users) -> bool:
        """May take a task offered to these groups and users."""
        return self.supervises or self.username in candidate_users or bool(self.groups & set(candidate_groups))

    def may_complete(self, assignee: str | None, candidate_groups, candidate_users) -> bool:
        """May complete a task: its assignee, or anyone eligible while nobody holds it, or a supervisor."""
        if self.supervises or assignee == self.username:
            return True
        return assignee is None and self.eligible_for(candidate_groups, candidate_users)


SUPERVISOR_GROUPS = frozenset({"admin", "manager", "partner_manager"})
OPERATOR_GROUPS = SUPERVISOR_GROUPS | {"uk_dispatcher"}
SYSTEM = Scope()
