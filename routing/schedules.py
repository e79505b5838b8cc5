"""Putting container sites on the routes and taking them off: their collection schedules."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from clients.models import ContainerSite
from routing.models import SCHEDULE_KINDS, CollectionSchedule
from texts import N_, Text


class ScheduleError(Exception):
    """A schedule cannot be set; the message is in Russian."""


def add_site(session: Session, site_id: int, kind: str = "seasonal", on_date: date | None = None) -> CollectionSchedule:
    """Put a site on the routes with a schedule; the same active schedule twice is kept once."""
    site = session.get(ContainerSite, site_id)
    if site is None:
        raise ScheduleError(Text("Площадка %(site)s не найдена", site=site_id))
    if kind not in SCHEDULE_KINDS:
        raise ScheduleError(N_("График: seasonal (по сезону), weekdays (по дням недели) или once (разовый вывоз)"))
    if kind == "once" and on_date is None:
        raise ScheduleError(N_("Для разового вывоза укажите дату"))
    if kind == "weekdays" and not site.weekdays:
        raise ScheduleError(N_("У площадки не отмечены дни вывоза: задайте дни недели в реестре площадок"))
    existing = session.scalar(select(CollectionSchedule).where(
        CollectionSchedule.site_id == site_id, CollectionSchedule.kind == kind, CollectionSchedule.active,
        CollectionSchedule.on_date.is_(None) if on_date is None else CollectionSchedule.on_date == on_date))
    if existing is None:
        existing = CollectionSchedule(site_id=site_id, kind=kind, on_date=on_date if kind == "once" else None)
        session.add(existing)
    session.commit()
    return existing


def remove_site(session: Session, site_id: int) -> int:
    """Take a site off the routes: its active schedules end; returns how many ended."""
    schedules = list(session.scalars(select(CollectionSchedule).where(CollectionSchedule.site_id == site_id,
                                                                      CollectionSchedule.active)))
    for schedule in schedules:
        schedule.active = False
    session.commit()
    return len(schedules)
