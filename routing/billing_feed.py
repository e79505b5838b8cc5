"""Collected pickups → billing's collection facts, for the ЮЛ accounts billed by actual volume.

A pickup becomes a fact only where billing can say whose waste it was: a site serving exactly one client object,
and that object's account billed `by_volume`. A pickup in a closed period is not billed (a closed period is
immutable; the accountant corrects it as a recalculation). The fact's source key is the pickup's UUID, so feeding
the same pickups again — a re-sent batch, a retried job — adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.collection import record_collections
from billing.models import Account
from billing.period import closed_periods
from clients.models import Container
from routing.models import Pickup


def feed_billing(session: Session, pickup_ids: Iterable[int]) -> int:
    """Record the billable pickups among `pickup_ids` as billing facts; the number of facts newly added."""
    ids = list(pickup_ids)
    if not ids:
        return 0
    sole_object = (select(Container.site_id, func.min(Container.client_object_id).label("client_object_id"))
                   .where(Container.client_object_id.is_not(None)).group_by(Container.site_id)
                   .having(func.count(func.distinct(Container.client_object_id)) == 1).subquery())
    rows = session.execute(
        select(Pickup.uuid, Pickup.site_id, Pickup.day, Pickup.volume_m3)
        .join(sole_object, sole_object.c.site_id == Pickup.site_id)
        .join(Account, Account.client_object_id == sole_object.c.client_object_id)
        .where(Pickup.id.in_(ids), Pickup.collected, Account.method == "by_volume", Account.closed_on.is_(None))
        .distinct()).all()
    closed = closed_periods(session)
    facts = [{"source_key": f"pickup:{uuid}", "site_id": site_id, "collected_on": day, "volume_m3": volume}
             for uuid, site_id, day, volume in rows if day.replace(day=1) not in closed]
    return record_collections(session, facts).added if facts else 0
