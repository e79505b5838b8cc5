"""The caller's partner scope as the domain services see it (clients, billing, documents and routing take it as a
parameter).

The rule itself — which partner's rows a caller sees — lives only in `engine.scope.Scope`, which satisfies this
protocol. Domain modules never import the engine (tests/test_architecture.py), so the web layer and the operators
build the scope and pass it in.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import Delete, Select, Update

S = TypeVar("S", Select, Update, Delete)


class PartnerScope(Protocol):
    """What a domain service asks of the caller's scope."""

    def restrict(self, statement: S, partner_column: Any) -> S:
        """`statement` limited to the rows the caller sees."""
        ...

    def allows(self, partner_id: int | None) -> bool:
        """True when a row of `partner_id` is visible to the caller."""
        ...
