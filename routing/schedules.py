"""Putting container sites on the routes and taking them off: their collection schedules; one-off pickups are done
by the collection that met them, whichever schedule brought the truck to the site."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from clients.models import ContainerSite
from routing.models import SCHEDULE_KINDS, CollectionSchedule, Pickup
from texts import N_, Text


class ScheduleError(Exception):
    """A schedule cannot be set; the message is in Russian."""


def add_site(session: Session, site_id: int, kind: str = "seasonal", on_date: date | None = None,
             missed_day: date | None = None) -> CollectionSchedule:
    """Put a site on the routes with a schedule; the same active schedule twice is kept once. A one-off with
    `missed_day` repeats that day's miss: a collection already made since then satisfies it at once."""
    site = session.get(ContainerSite, site_id)
    if site is None:
        raise ScheduleError(Text("Площадка %(site)s не найдена", site=site_id))
    if kind not in SCHEDULE_KINDS:
        raise ScheduleError(N_("График: seasonal (по сезону), weekdays (по дням недели) или once (разовый вывоз)"))
    if kind == "once" and on_date is None:
        raise ScheduleError(N_("Для разового вывоза укажите дату"))
    if kind == "once" and missed_day is not None and missed_day >= on_date:
        raise ScheduleError(N_("Повторный вывоз назначается на день после невывоза"))
    if kind == "weekdays" and not site.weekdays:
        raise ScheduleError(N_("У площадки не отмечены дни вывоза: задайте дни недели в реестре площадок"))
    existing = session.scalar(select(CollectionSchedule).where(
        CollectionSchedule.site_id == site_id, CollectionSchedule.kind == kind, CollectionSchedule.active,
        CollectionSchedule.on_date.is_(None) if on_date is None else CollectionSchedule.on_date == on_date))
    if existing is None:
        existing = CollectionSchedule(site_id=site_id, kind=kind, on_date=on_date if kind == "once" else None)
        session.add(existing)
    if kind == "once":
        if missed_day is not None and (existing.missed_day is None or missed_day < existing.missed_day):
            existing.missed_day = missed_day
        if existing.done_by_pickup_id is None:  # the crew may have been there before the decision was taken
            made = session.scalars(select(Pickup).where(
                Pickup.site_id == site_id, Pickup.collected, Pickup.day >= (existing.missed_day or on_date),
                Pickup.day <= on_date).order_by(Pickup.at, Pickup.id))
            existing.done_by_pickup_id = next((p.id for p in made if satisfies(existing, p.day)), None)
    session.commit()
    return existing


def satisfies(one_off: CollectionSchedule, day: date) -> bool:
    """True when a collection of the site on `day` is the one-off pickup (or the repeat of its miss)."""
    if one_off.missed_day is None:
        return day == one_off.on_date
    return one_off.missed_day < day <= one_off.on_date


def mark_one_offs_done(session: Session, pickup: Pickup) -> list[CollectionSchedule]:
    """A collection marks the site's open one-offs that it meets as done, whatever schedule planned the stop."""
    if not pickup.collected:
        return []
    open_ones = session.scalars(select(CollectionSchedule).where(
        CollectionSchedule.site_id == pickup.site_id, CollectionSchedule.kind == "once", CollectionSchedule.active,
        CollectionSchedule.done_by_pickup_id.is_(None), CollectionSchedule.on_date >= pickup.day))
    done = [one_off for one_off in open_ones if satisfies(one_off, pickup.day)]
    for one_off in done:
        one_off.done_by_pickup_id = pickup.id
    return done


def remove_site(session: Session, site_id: int) -> int:
    """Take a site off the routes: its active schedules end; returns how many ended."""
    schedules = list(session.scalars(select(CollectionSchedule).where(CollectionSchedule.site_id == site_id,
                                                                      CollectionSchedule.active)))
    for schedule in schedules:
        schedule.active = False
    session.commit()
    return len(schedules)
