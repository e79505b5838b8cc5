"""Partner scoping by one mechanism: every query for a caller goes through `Scope.restrict`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select


@dataclass(frozen=True)
class Scope:
    """Who is asking. `partner_id=None` means every partner (УК roles and the system itself)."""

    username: str | None = None
    partner_id: int | None = None
    groups: frozenset[str] = field(default_factory=frozenset)

    def restrict(self, statement: Select, partner_column) -> Select:
        """`statement` limited to the caller's partner (unchanged for УК-wide callers)."""
        if self.partner_id is None:
            return statement
        return statement.where(partner_column == self.partner_id)

    def allows(self, partner_id: int | None) -> bool:
        """True when a row of `partner_id` is visible to the caller."""
        return self.partner_id is None or self.partner_id == partner_id


SYSTEM = Scope()
