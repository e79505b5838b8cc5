"""Pickup facts from the crew's phone: batches uploaded later (offline first), idempotent by a client-generated
UUID and answered item by item; collected volume per site and day (for billing «by actual volume»); missed stops."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clients.models import Container, ContainerSite
from db.scope import PartnerScope
from routing.billing_feed import feed_billing
from routing.models import MISSED_REASONS, NOT_COLLECTED_REASONS, Pickup, Truck
from routing.schedules import mark_one_offs_done
from texts import N_, Text

BUSINESS_TZ = ZoneInfo("Asia/Novosibirsk")
PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}  # checked by content, not by name
BATCH_MAX_ITEMS = 500


class PickupSchema(Schema):
    """One stop as the crew's phone reports it."""

    uuid = fields.UUID(required=True, error_messages={"invalid_uuid": N_("нужен UUID, созданный телефоном"),
                                                      "required": N_("обязательное поле не заполнено")})
    site_id = fields.Integer(required=True, error_messages={"required": N_("обязательное поле не заполнено"),
                                                            "invalid": N_("нужно целое число")})
    truck_id = fields.Integer(load_default=None)
    collected = fields.Boolean(required=True, error_messages={"required": N_("укажите, вывезено ли")})
    containers = fields.Integer(load_default=0, validate=validate.Range(min=0, max=500, error=N_("от 0 до 500")))
    volume_m3 = fields.Decimal(load_default=None, places=3, validate=validate.Range(
        min=Decimal(0), max=Decimal(500), error=N_("объём от 0 до 500 м³")))
    at = fields.AwareDateTime(required=True, error_messages={
        "invalid": N_("нужны дата и время ISO 8601"), "invalid_awareness": N_("укажите часовой пояс времени"),
        "required": N_("обязательное поле не заполнено")})
    latitude = fields.Decimal(load_default=None, places=6, validate=validate.Range(min=-90, max=90))
    longitude = fields.Decimal(load_default=None, places=6, validate=validate.Range(min=-180, max=180))
    reason = fields.String(load_default=None, validate=validate.OneOf(
        tuple(NOT_COLLECTED_REASONS), error=N_("причина: blocked_access, no_waste или broken_container")))
    photo = fields.String(load_default=None, metadata={"description": "JPEG или PNG в base64, до 2 МБ"})

    @validates_schema
    def consistent(self, data: dict, **_: Any) -> None:
        errors = {}
        if data["collected"]:
            if data["containers"] < 1:
                errors["containers"] = [N_("укажите, сколько контейнеров опорожнено")]
            if data.get("reason"):
                errors["reason"] = [N_("причина указывается только для невывезенной площадки")]
        elif not data.get("reason"):
            errors["reason"] = [N_("укажите причину: нет подъезда, нет отходов или сломан контейнер")]
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            errors["latitude"] = [N_("нужны обе координаты")]
        if errors:
            raise ValidationError(errors)


class BatchSchema(Schema):
    """A batch: items are validated one by one, so only the envelope is checked here."""

    items = fields.List(fields.Dict(), required=True)

    @validates("items")
    def _size(self, items: list, **_) -> None:
        if not 1 <= len(items) <= BATCH_MAX_ITEMS:
            raise ValidationError(Text("от 1 до %(max)s записей в пакете", max=BATCH_MAX_ITEMS))


@dataclass(frozen=True)
class ItemResult:
    """The answer for one item: `recorded`, `duplicate` (sent before: nothing new) or `error` with field errors."""

    index: int
    uuid: str | None
    status: str
    pickup_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def decode_photo(text: str) -> tuple[bytes, str]:
    """The photo's bytes and type; ValueError with a Russian reason when it is too large or not JPEG/PNG."""
    if len(text) > PHOTO_MAX_BYTES * 4 // 3 + 4:
        raise ValueError(N_("фото больше 2 МБ"))
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(N_("фото должно быть в base64")) from None
    if len(raw) > PHOTO_MAX_BYTES:
        raise ValueError(N_("фото больше 2 МБ"))
    for media_type, magic in PHOTO_TYPES.items():
        if raw.startswith(magic):
            return raw, media_type
    raise ValueError(N_("фото должно быть JPEG или PNG"))


def _container_volume(session: Session, site_id: int) -> Decimal:
    volumes = [c.volume_m3 for c in session.scalars(select(Container).where(Container.site_id == site_id))]
    return (sum(volumes, Decimal(0)) / len(volumes)) if volumes else Decimal(0)


def record_pickups(session: Session, scope: PartnerScope, items: Iterable[Mapping[str, Any]],
                   recorded_by: str | None = None) -> list[ItemResult]:
    """Store the valid items of a batch and answer each; the caller's `scope` limits the sites one may report."""
    schema = PickupSchema()
    results: list[ItemResult] = []
    seen: set[str] = set()
    for index, raw in enumerate(items):
        uuid = str(raw.get("uuid")) if isinstance(raw, Mapping) and raw.get("uuid") else None
        try:
            data = schema.load(dict(raw))
        except ValidationError as error:
            results.append(ItemResult(index, uuid, "error", errors=error.messages))
            continue
        uuid = str(data["uuid"])
        if uuid in seen:
            results.append(ItemResult(index, uuid, "error", errors={"uuid": [N_("повтор идентификатора в пакете")]}))
            continue
        seen.add(uuid)
        results.append(_record_one(session, scope, index, uuid, data, recorded_by))
    session.commit()
    # duplicates too: a batch re-sent after a crash between the two commits still reaches billing (keyed by UUID)
    feed_billing(session, [result.pickup_id for result in results if result.pickup_id is not None])
    return results


def _record_one(session: Session, scope: PartnerScope, index: int, uuid: str, data: dict,
                recorded_by: str | None) -> ItemResult:
    site = session.get(ContainerSite, data["site_id"])
    if site is None or not scope.allows(site.partner_id):
        return ItemResult(index, uuid, "error", errors={"site_id": [N_("площадка не найдена")]})
    existing = session.scalar(select(Pickup).where(Pickup.uuid == uuid))
    if existing is not None:
        if existing.site_id != site.id:
            return ItemResult(index, uuid, "error", errors={"uuid": [N_("идентификатор уже занят другой записью")]})
        return ItemResult(index, uuid, "duplicate", pickup_id=existing.id)
    truck_id = data["truck_id"]
    if truck_id is not None:
        truck = session.get(Truck, truck_id)
        if truck is None or truck.partner_id != site.partner_id:
            return ItemResult(index, uuid, "error", errors={"truck_id": [N_("машина не найдена")]})
    photo = photo_type = None
    if data["photo"]:
        try:
            photo, photo_type = decode_photo(data["photo"])
        except ValueError as error:
            return ItemResult(index, uuid, "error", errors={"photo": [str(error)]})
    volume = data["volume_m3"]
    if volume is None:
        volume = data["containers"] * _container_volume(session, site.id) if data["collected"] else Decimal(0)
    with session.begin_nested():
        pickup = Pickup(uuid=uuid, partner_id=site.partner_id, site_id=site.id, truck_id=truck_id,
                        day=data["at"].astimezone(BUSINESS_TZ).date(), at=data["at"].astimezone(UTC),
                        collected=data["collected"], containers=data["containers"], volume_m3=volume,
                        reason=data["reason"], latitude=data["latitude"], longitude=data["longitude"], photo=photo,
                        photo_type=photo_type, recorded_by=recorded_by)
        session.add(pickup)
        session.flush()
        mark_one_offs_done(session, pickup)
    return ItemResult(index, uuid, "recorded", pickup_id=pickup.id)


@dataclass(frozen=True)
class CollectedVolume:
    site_id: int
    day: date
    volume_m3: Decimal
    containers: int


def collected_volumes(session: Session, start: date, end: date, scope: PartnerScope,
                      site_ids: Iterable[int] | None = None) -> list[CollectedVolume]:
    """Collected m³ and containers per site and day, `start` ≤ day ≤ `end` (the input of billing by actual volume)."""
    query = (select(Pickup.site_id, Pickup.day, func.sum(Pickup.volume_m3), func.sum(Pickup.containers))
             .where(Pickup.collected, Pickup.day >= start, Pickup.day <= end)
             .group_by(Pickup.site_id, Pickup.day).order_by(Pickup.site_id, Pickup.day))
    query = scope.restrict(query, Pickup.partner_id)
    if site_ids is not None:
        query = query.where(Pickup.site_id.in_(list(site_ids)))
    return [CollectedVolume(site, day, Decimal(volume).quantize(Decimal("0.001")), int(count))
            for site, day, volume, count in session.execute(query)]


def missed_pickups(session: Session, day: date, scope: PartnerScope) -> list[dict[str, Any]]:
    """Sites reported not collected on `day` and not collected later that day, one entry per site (its last report),
    for a task or a complaint. «No waste» is not a miss: nothing was there to take."""
    facts = scope.restrict(select(Pickup, ContainerSite).join(ContainerSite, ContainerSite.id == Pickup.site_id)
                           .where(Pickup.day == day), Pickup.partner_id)
    rows = list(session.execute(facts.order_by(Pickup.at, Pickup.id)))
    collected = {pickup.site_id for pickup, _ in rows if pickup.collected}
    last: dict[int, tuple[Pickup, ContainerSite]] = {}
    for pickup, site in rows:
        if not pickup.collected and pickup.reason in MISSED_REASONS and pickup.site_id not in collected:
            last[pickup.site_id] = (pickup, site)
    return [{"site_id": site.id, "partner_id": pickup.partner_id, "address": site.address,
             "registry_number": site.registry_number, "reason": pickup.reason,
             "reason_text": NOT_COLLECTED_REASONS[pickup.reason], "at": pickup.at.isoformat(), "uuid": pickup.uuid}
            for pickup, site in sorted(last.values(), key=lambda row: row[0].site_id)]
