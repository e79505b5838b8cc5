"""Which container sites are due on a date: the season (СанПиН 2.1.3684-21), fixed weekdays, one-off pickups, and
what was missed yesterday."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from clients.models import ContainerSite
from routing.models import MISSED_REASONS, CollectionSchedule, Pickup, RoutePlan, Season
from texts import N_

SUMMER_FROM = Decimal(5)  # mean daily temperature ≥ +5 °C: collect daily; ≤ +4 °C: at least every 3 days
WINTER_INTERVAL_DAYS = 3


ONE_OFF = N_("разовый вывоз")
ON_WEEKDAYS = N_("по дням недели")
DAILY = N_("ежедневно")
EVERY_THIRD_DAY = N_("раз в 3 дня")
MISSED_NOT_PLANNED = N_("не вывезена вчера: не вошла в план")
MISSED_BECAUSE = {"blocked_access": N_("не вывезена вчера: нет подъезда"),
                  "broken_container": N_("не вывезена вчера: сломан контейнер")}


@dataclass(frozen=True)
class DueSite:
    site_id: int
    why: str  # Russian, shown to the dispatcher


def season_for(temperature: Decimal) -> str:
    """`summer` at a mean temperature of +5 °C and above, `winter` below."""
    return "summer" if Decimal(temperature) >= SUMMER_FROM else "winter"


def season_on(session: Session, day: date) -> str:
    """The season switched on by the latest `routing_season` row on or before `day` (summer when there is none)."""
    row = session.scalar(select(Season).where(Season.starts_on <= day).order_by(Season.starts_on.desc()).limit(1))
    return row.season if row else "summer"


def is_due(kind: str, day: date, *, season: str, site_id: int, weekdays: int = 0, on_date: date | None = None) -> bool:
    """True when a schedule of `kind` brings the site out on `day`."""
    if kind == "once":
        return on_date == day
    if kind == "weekdays":
        return bool(weekdays & (1 << day.weekday()))  # Monday = 1 … Sunday = 64, as the site stores it
    if season == "summer":
        return True
    # every third day, the sites spread over the three days by id so the daily load stays even
    return (day.toordinal() + site_id) % WINTER_INTERVAL_DAYS == 0


def missed_on(session: Session, partner_id: int, day: date) -> dict[int, str]:
    """The partner's sites missed on `day`: reported not collected (blocked access, broken container) or left out of
    its plan."""
    missed: dict[int, str] = {}
    for plan in session.scalars(select(RoutePlan).where(RoutePlan.day == day, RoutePlan.partner_id == partner_id)):
        for item in plan.result.get("unplanned", []):
            missed[item["site_id"]] = MISSED_NOT_PLANNED
    collected = set()
    for fact in session.scalars(select(Pickup).where(Pickup.day == day, Pickup.partner_id == partner_id)):
        if fact.collected:
            collected.add(fact.site_id)
        elif fact.reason in MISSED_REASONS:
            missed[fact.site_id] = MISSED_BECAUSE[fact.reason]
    return {site: why for site, why in missed.items() if site not in collected}


def due_sites(session: Session, partner_id: int, day: date, season: str) -> list[DueSite]:
    """Every site of the partner due on `day`, each once, with why it is due (the partner whose day is planned: a
    value, not a caller's scope).

    A site brought out by several paths (its schedule, a miss yesterday, a one-off) is one stop: the why shown is
    its schedule's, else the miss, else the one-off; the one-off is then done by that stop's collection. A one-off
    already done (the site was collected since the miss it repeats) is not due."""
    query = (select(CollectionSchedule, ContainerSite)
             .join(ContainerSite, ContainerSite.id == CollectionSchedule.site_id)
             .where(CollectionSchedule.active, CollectionSchedule.done_by_pickup_id.is_(None),
                    ContainerSite.partner_id == partner_id))
    regular: dict[int, str] = {}
    one_off: dict[int, str] = {}
    for schedule, site in session.execute(query):
        if is_due(schedule.kind, day, season=season, site_id=site.id, weekdays=site.weekdays,
                  on_date=schedule.on_date):
            if schedule.kind == "once":
                one_off[site.id] = ONE_OFF
            else:
                regular.setdefault(site.id, ON_WEEKDAYS if schedule.kind == "weekdays"
                                   else DAILY if season == "summer" else EVERY_THIRD_DAY)
    missed = missed_on(session, partner_id, day - timedelta(days=1))
    if missed:  # a site handed to another partner since is that partner's stop now
        ours = set(session.scalars(select(ContainerSite.id).where(ContainerSite.id.in_(list(missed)),
                                                                 ContainerSite.partner_id == partner_id)))
        missed = {site_id: why for site_id, why in missed.items() if site_id in ours}
    due = {**one_off, **missed, **regular}
    return [DueSite(site_id, why) for site_id, why in sorted(due.items())]
