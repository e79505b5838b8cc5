"""The engine's one clock. Everything that stores or compares a time reads it here (or through `db.utcnow`, the
same function, for column defaults), so tests move time with time-machine and a "P3D" escalation is tested in
milliseconds."""

from datetime import datetime
from zoneinfo import ZoneInfo

from db import utcnow as now

BUSINESS_TZ = ZoneInfo("Asia/Novosibirsk")

__all__ = ["BUSINESS_TZ", "local_now", "now"]


def local_now() -> datetime:
    """The current time in the business time zone (deadlines are computed in local time)."""
    return now().astimezone(BUSINESS_TZ)
