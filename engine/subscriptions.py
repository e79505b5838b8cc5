"""The message subscription projection: which instance and task wait for which message, and with which
correlation keys.

Kept in step with the workflow by the same before/after diffing as the task, job and timer projections (the
workflow state stays the truth). Correlation (`engine.messages`) reads it, because SpiffWorkflow correlates only
inside one instance. A row lives while its task waits; it is deleted when the task stops waiting. Each
subscription carries the instance's scalar variables as `correlation_key` rows (a normalized string per variable),
rewritten when those variables change, so that correlating by `correlationKeys` is one indexed lookup.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from engine import clock, store
from engine.events import WaitingMessage
from engine.models import CorrelationKey, MessageSubscription
from engine.store import InstanceRecord

_subscriptions = MessageSubscription.__table__
_keys = CorrelationKey.__table__
_MAX_VALUE = 200  # longer values are kept as their digest (equality is all correlation needs)
_MAX_NAME = 100


def normalized(value: Any) -> str | None:
    """A correlation value as text that is equal exactly when Camunda's typed values are: numbers by value
    (5 = 5.0 = Decimal('5.00')), a boolean is not a number, a string is not a number; None for a value that cannot
    be a correlation key (a list, a mapping, NaN)."""
    if value is None:
        text = "z:"
    elif isinstance(value, bool):
        text = f"b:{str(value).lower()}"
    elif isinstance(value, int | Decimal | float):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            return None
        text = "n:" + format(number.normalize(), "f") if number else "n:0"
    elif isinstance(value, str):
        text = f"s:{value}"
    elif isinstance(value, datetime):
        text = f"t:{(value.astimezone(UTC) if value.tzinfo else value).isoformat()}"
    elif isinstance(value, date):
        text = f"d:{value.isoformat()}"
    else:
        return None
    if len(text) > _MAX_VALUE:
        return "h:" + hashlib.sha256(text.encode()).hexdigest()
    return text


def key_values(variables: Mapping[str, Any]) -> dict[str, str]:
    """The correlation keys of an instance: its scalar variables, normalized."""
    keys = {}
    for name, value in variables.items():
        if len(name) <= _MAX_NAME and (text := normalized(value)) is not None:
            keys[name] = text
    return keys


def project_messages(session: Session, instance: InstanceRecord, before: Iterable[str],
                     after: list[WaitingMessage], keys_before: Mapping[str, str] | None = None,
                     keys_after: Mapping[str, str] | None = None) -> None:
    """Delete the subscriptions (and keys) of tasks that stopped waiting, add those of tasks that started waiting
    with `keys_after`, and rewrite the keys that changed from `keys_before` on the subscriptions that stay."""
    keys_before, keys_after = keys_before or {}, keys_after or {}
    after_ids = {message.id for message in after}
    before = list(before)
    gone = [task_id for task_id in before if task_id not in after_ids]
    connection = session.connection()
    if gone:
        connection.execute(delete(_subscriptions).where(_subscriptions.c.task_id.in_(gone)))
        connection.execute(delete(_keys).where(_keys.c.task_id.in_(gone)))
    known = set(before)
    new = [message for message in after if message.id not in known]
    if new:
        now = clock.now()
        connection.execute(insert(_subscriptions), [
            {"id": str(uuid.uuid4()), "message_name": m.message_name, "business_key": instance.business_key,
             "instance_id": instance.id, "task_id": m.id, "task_key": m.task_key, "partner_id": instance.partner_id,
             "created_at": now} for m in new])
        _insert_keys(session, instance, new, keys_after)
    kept = [message for message in after if message.id in known]
    if kept and keys_before != keys_after:
        changed = [name for name in keys_before.keys() | keys_after.keys()
                   if keys_before.get(name) != keys_after.get(name)]
        connection.execute(delete(_keys).where(_keys.c.instance_id == instance.id, _keys.c.name.in_(changed),
                                               _keys.c.task_id.in_({m.id for m in kept})))
        _insert_keys(session, instance, kept, {n: keys_after[n] for n in changed if n in keys_after})


def _insert_keys(session: Session, instance: InstanceRecord, messages: list[WaitingMessage],
                 keys: Mapping[str, str]) -> None:
    rows = [{"instance_id": instance.id, "task_id": m.id, "message_name": m.message_name, "name": name,
             "value": value} for m in messages for name, value in keys.items()]
    store.insert_rows(session, _keys, rows)  # inline: no generated key read back (the projection is pipelined)
