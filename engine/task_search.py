"""The client fields the inbox searches, projected from instance variables when the task projection is written.

The mapping is by variable name: `client_name`, `address` and `contract_number` (what the regulations' forms and
service tasks set). One row per instance in `task_search`; its `text` is the lowercased join of the three, which a
trigram index serves on PostgreSQL (`LIKE '%…%'` over any part of a name, address or number). The inbox page reads
each row's client name from it (a correlated subquery of the page, `engine.worklist.ROW_COLUMNS`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from db import dialect_insert
from engine.worklist_models import TaskSearch

SEARCH_VARIABLES = ("client_name", "address", "contract_number")
_LIMIT = 300


def fields(variables: dict[str, Any]) -> dict[str, str]:
    """The searchable variables that are set, as text (None, empty and non-scalar values are left out)."""
    found = {}
    for name in SEARCH_VARIABLES:
        value = variables.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            found[name] = str(value).strip()[:_LIMIT]
    return found


def project(session: Session, instance_id: str, partner_id: int | None, found: dict[str, str]) -> None:
    """Write the instance's search row (one upsert; nothing when no searchable variable is set)."""
    if not found:
        return
    row = {"instance_id": instance_id, "partner_id": partner_id, **dict.fromkeys(SEARCH_VARIABLES), **found,
           "text": " | ".join(found[name] for name in SEARCH_VARIABLES if name in found).lower()}
    statement = dialect_insert(session)(TaskSearch.__table__).values(row)
    session.connection().execute(statement.on_conflict_do_update(
        index_elements=["instance_id"], set_={k: v for k, v in row.items() if k != "instance_id"}))


def matching_instances(pattern: ColumnElement[str]) -> ColumnElement:
    """The ids of instances whose client fields contain `pattern`: a LIKE pattern escaped with `\\` and lower-cased
    (the projection's text is), bound when the statement runs."""
    return select(TaskSearch.instance_id).where(TaskSearch.text.like(pattern, escape="\\"))
