"""Message correlation across instances, as Camunda 7's `POST /message` does it.

A message goes to the instances whose tasks wait for it (the subscription projection, filtered by business key,
instance id and correlation keys — variables the instance must have with equal values, looked up in the
`correlation_key` index); when none waits, a message
start event of that name starts a new instance. A message that matches nothing is refused (`NotCorrelated`):
messages are not buffered. Without `all_matches` (Camunda's `all`), a message that matches more than one waiting
task is refused too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from engine import instances, start_events, subscriptions
from engine.errors import InvalidInput
from engine.models import CorrelationKey, MessageSubscription
from engine.scope import SYSTEM, Scope
from engine.store import InstanceRecord

EXECUTION, PROCESS_DEFINITION = "Execution", "ProcessDefinition"
_subscriptions = MessageSubscription.__table__
_keys = CorrelationKey.__table__


class NotCorrelated(InvalidInput):
    """No waiting task and no start event matches the message (or, without `all_matches`, more than one does)."""


@dataclass(frozen=True)
class Correlation:
    """Where a message went: a waiting task of an instance (`Execution`) or a new instance (`ProcessDefinition`)."""

    result_type: str
    instance: InstanceRecord
    task_id: str | None


def correlate_message(session: Session, message_name: str, *, business_key: str | None = None,
                      process_instance_id: str | None = None, correlation_keys: dict[str, Any] | None = None,
                      variables: dict[str, Any] | None = None, all_matches: bool = False,
                      scope: Scope = SYSTEM) -> list[Correlation]:
    """Deliver a message to the waiting tasks it matches, or start the processes it starts; each delivery is its
    own unit of work. `variables` go into the instance (the catching task's data, or the new instance's)."""
    if not message_name:
        raise InvalidInput("messageName is required")
    waiting = _waiting(session, message_name, business_key, process_instance_id, correlation_keys or {}, scope)
    if waiting:
        if len(waiting) > 1 and not all_matches:
            raise NotCorrelated(f"Cannot correlate a message with name '{message_name}' to a single execution. "
                                f"{len(waiting)} executions match the correlation keys")
        return [Correlation(EXECUTION, instances.deliver_message(session, instance_id, task_id, message_name,
                                                                 variables, scope=scope), task_id)
                for instance_id, task_id in waiting]
    starts = [] if process_instance_id else start_events.message_starts(session, message_name)
    if not starts:
        raise NotCorrelated(f"Cannot correlate message '{message_name}': No process definition or execution "
                            "matches the parameters")
    if len(starts) > 1 and not all_matches:
        raise NotCorrelated(f"Cannot correlate message '{message_name}': {len(starts)} process definitions "
                            "start with it")
    return [Correlation(PROCESS_DEFINITION, instances.start_process(
        session, start.definition_key, variables, business_key=business_key, scope=scope,
        definition_id=start.definition_id, start_event=start.event_key), None) for start in starts]


def _waiting(session: Session, message_name: str, business_key: str | None, instance_id: str | None,
             correlation_keys: dict[str, Any], scope: Scope) -> list[tuple[str, str]]:
    """(instance id, task id) of the tasks waiting for the message that match the filters, oldest first: one
    statement, the correlation keys joined from their index (message name, key, value)."""
    statement = scope.restrict(
        select(_subscriptions.c.instance_id, _subscriptions.c.task_id)
        .where(_subscriptions.c.message_name == message_name).order_by(_subscriptions.c.created_at),
        _subscriptions.c.partner_id)
    if business_key is not None:
        statement = statement.where(_subscriptions.c.business_key == business_key)
    if instance_id is not None:
        statement = statement.where(_subscriptions.c.instance_id == instance_id)
    for name, value in correlation_keys.items():
        text = subscriptions.normalized(value)
        if text is None:
            raise InvalidInput(f"correlation key '{name}' must be a string, a number, a boolean or a date")
        key = _keys.alias()
        statement = statement.join(key, and_(key.c.task_id == _subscriptions.c.task_id,
                                             key.c.message_name == message_name, key.c.name == name,
                                             key.c.value == text))
    found = [(row.instance_id, row.task_id) for row in session.connection().execute(statement)]
    session.rollback()  # end the read transaction: each delivery below is its own unit of work
    return found
