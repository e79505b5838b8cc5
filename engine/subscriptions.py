"""The message subscription projection: which instance and task wait for which message.

Kept in step with the workflow by the same before/after diffing as the task, job and timer projections (the
workflow state stays the truth). Correlation (`engine.messages`) reads it, because SpiffWorkflow correlates only
inside one instance. A row lives while its task waits; it is deleted when the task stops waiting.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from engine import clock
from engine.events import WaitingMessage
from engine.models import MessageSubscription
from engine.store import InstanceRecord

_subscriptions = MessageSubscription.__table__


def project_messages(session: Session, instance: InstanceRecord, before: Iterable[str],
                     after: list[WaitingMessage]) -> None:
    """Delete the subscriptions of tasks that stopped waiting and add those of tasks that started waiting."""
    after_ids = {message.id for message in after}
    before = list(before)
    gone = [task_id for task_id in before if task_id not in after_ids]
    connection = session.connection()
    if gone:
        connection.execute(delete(_subscriptions).where(_subscriptions.c.task_id.in_(gone)))
    known = set(before)
    new = [message for message in after if message.id not in known]
    if new:
        now = clock.now()
        connection.execute(insert(_subscriptions), [
            {"id": str(uuid.uuid4()), "message_name": m.message_name, "business_key": instance.business_key,
             "instance_id": instance.id, "task_id": m.id, "task_key": m.task_key, "partner_id": instance.partner_id,
             "created_at": now} for m in new])
