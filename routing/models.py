"""Routing persistence: depots, landfills, trucks, crews, collection schedules, seasons, day plans, pickup facts.

Container sites and their containers live in the clients registry (`container_site`, `container`); routing only
refers to them.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db import Base, utcnow
from texts import N_

SCHEDULE_KINDS = ("seasonal", "weekdays", "once")  # СанПиН daily/every 3 days; the site's weekday mask; one date
SEASONS = ("summer", "winter")  # summer: daily (mean ≥ +5 °C); winter: every 3 days (≤ +4 °C)
NOT_COLLECTED_REASONS = {"blocked_access": N_("нет подъезда"), "no_waste": N_("нет отходов"),
                         "broken_container": N_("сломан контейнер")}  # why a stop was not collected, as the crew says
MISSED_REASONS = ("blocked_access", "broken_container")  # «no waste» is not a miss: nothing was due to go


class Depot(Base):
    """Where a partner's trucks start and end their shift (the garage)."""

    __tablename__ = "routing_depot"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(String(1000), default="")
    latitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))


class Landfill(Base):
    """A landfill (or transfer station) where trucks unload; shared by partners, with its opening hours."""

    __tablename__ = "routing_landfill"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(String(1000), default="")
    latitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    opens_at: Mapped[time] = mapped_column(default=time(7, 0))
    closes_at: Mapped[time] = mapped_column(default=time(23, 0))
    unloading_minutes: Mapped[int] = mapped_column(default=25)


class Truck(Base):
    """A rear loader leased with its crew: the body carries `body_m3 × compaction` m³ of loose waste per trip."""

    __tablename__ = "routing_truck"
    __table_args__ = (UniqueConstraint("plate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("routing_depot.id"), index=True)
    plate: Mapped[str] = mapped_column(String(20))
    model: Mapped[str] = mapped_column(String(200), default="")
    body_m3: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    compaction: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    shift_start: Mapped[time] = mapped_column(default=time(7, 0))
    shift_end: Mapped[time] = mapped_column(default=time(19, 0))
    active: Mapped[bool] = mapped_column(default=True)


class Crew(Base):
    """The driver (and loaders) working a truck."""

    __tablename__ = "routing_crew"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    truck_id: Mapped[int | None] = mapped_column(ForeignKey("routing_truck.id"), index=True)
    driver: Mapped[str] = mapped_column(String(200))
    loaders: Mapped[str] = mapped_column(String(500), default="")


class CollectionSchedule(Base):
    """When a site is collected: `seasonal` (daily / every 3 days), `weekdays` (the site's bit mask), `once` (a date;
    done by the first collection of the site that day, or for a repeat of a miss by the first one after the miss)."""

    __tablename__ = "routing_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("container_site.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    on_date: Mapped[date | None]  # the date of a one-off pickup
    # a one-off that repeats a miss: the day missed; any collection of the site after it, up to `on_date`, is the repeat
    missed_day: Mapped[date | None]
    # the collection that satisfied a one-off, whichever schedule brought the truck there; a done one-off is not due
    done_by_pickup_id: Mapped[int | None] = mapped_column(ForeignKey("routing_pickup.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Season(Base):
    """The season switch as dated data: from `starts_on` on, seasonal sites follow `season` (until the next row)."""

    __tablename__ = "routing_season"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_on: Mapped[date] = mapped_column(unique=True)
    season: Mapped[str] = mapped_column(String(10))
    mean_temperature: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))


class RoutePlan(Base):
    """A partner's plan of one day as planned (the `plan_dict` JSON); planning the day again replaces it."""

    __tablename__ = "routing_plan"
    __table_args__ = (UniqueConstraint("partner_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    day: Mapped[date]
    result: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Pickup(Base):
    """What the crew did at one site: collected (containers, m³) or not (a reason), when, where, a photo."""

    __tablename__ = "routing_pickup"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)  # client-generated: a re-sent batch adds nothing
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("container_site.id"), index=True)
    truck_id: Mapped[int | None] = mapped_column(ForeignKey("routing_truck.id"))
    day: Mapped[date] = mapped_column(index=True)  # local date of the pickup (Asia/Novosibirsk)
    at: Mapped[datetime]
    collected: Mapped[bool]
    containers: Mapped[int] = mapped_column(default=0)
    volume_m3: Mapped[Decimal] = mapped_column(Numeric(8, 3), default=Decimal(0))
    reason: Mapped[str | None] = mapped_column(String(20))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(40))
    recorded_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
