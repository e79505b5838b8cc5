"""Logistics papers: the маршрутный лист of a truck's shift and the акт установки контейнеров at a site.

The route sheet's data is the routing engine's output as it stands (shared/route_sheet_shape.md): decimals as
strings, local HH:MM times, unloading times and tonnes null on a plan until the crew fills them in.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from documents.kinds.pricing import DocumentReference
from documents.parties import NON_NEGATIVE, POSITIVE, OrganisationSchema, SignedOrganisationSchema, text

HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Время в формате ЧЧ:ММ")


def clock(**kwargs: Any) -> fields.String:
    """A local time `07:42`; required unless `allow_none`."""
    if kwargs.get("allow_none"):
        kwargs.setdefault("load_default", None)
    else:
        kwargs.setdefault("required", True)
    return fields.String(validate=HHMM, **kwargs)


class TruckSchema(Schema):
    plate = text()
    model = text()
    body_m3 = fields.Decimal(required=True, validate=POSITIVE)
    compaction = fields.Decimal(required=True, validate=POSITIVE)


class ShiftSchema(Schema):
    start = clock()
    end = clock()


class StopSchema(Schema):
    sequence = fields.Integer(required=True, validate=validate.Range(min=1))
    site_registry_number = text()
    address = text()
    container_type = text()
    container_volume_m3 = fields.Decimal(required=True, validate=POSITIVE)
    containers = fields.Integer(required=True, validate=validate.Range(min=0))
    arrival = clock()
    volume_m3 = fields.Decimal(required=True, validate=NON_NEGATIVE)


class UnloadingSchema(Schema):
    landfill = text()
    arrival = clock(allow_none=True)
    departure = clock(allow_none=True)
    tonnes = fields.Decimal(load_default=None, allow_none=True, validate=NON_NEGATIVE)


class TripSchema(Schema):
    number = fields.Integer(required=True, validate=validate.Range(min=1))
    stops = fields.List(fields.Nested(StopSchema), required=True, validate=validate.Length(min=1))
    unloading = fields.Nested(UnloadingSchema, required=True)


class RouteTotals(Schema):
    stops = fields.Integer(required=True, validate=validate.Range(min=0))
    containers = fields.Integer(required=True, validate=validate.Range(min=0))
    volume_m3 = fields.Decimal(required=True, validate=NON_NEGATIVE)
    km = fields.Decimal(required=True, validate=NON_NEGATIVE)
    hours = fields.Decimal(required=True, validate=NON_NEGATIVE)


class RouteSheetData(Schema):
    """Маршрутный лист: carrier, truck, driver, shift; per trip the stops and the unloading at the landfill."""

    date = fields.Date(required=True)
    carrier = fields.Nested(OrganisationSchema, required=True)
    customer = fields.Nested(OrganisationSchema, required=True)
    truck = fields.Nested(TruckSchema, required=True)
    driver = text()
    shift = fields.Nested(ShiftSchema, required=True)
    trips = fields.List(fields.Nested(TripSchema), required=True, validate=validate.Length(min=1))
    totals = fields.Nested(RouteTotals, required=True)

    @validates_schema
    def totals_count_the_stops(self, data: dict, **_: Any) -> None:
        if "trips" not in data or "totals" not in data:
            return
        stops = [stop for trip in data["trips"] for stop in trip["stops"]]
        errors = {}
        if data["totals"]["stops"] != len(stops):
            errors["stops"] = [f"Итог остановок {data['totals']['stops']} не равен их числу в рейсах ({len(stops)})"]
        containers = sum(stop["containers"] for stop in stops)
        if data["totals"]["containers"] != containers:
            errors["containers"] = [f"Итог контейнеров {data['totals']['containers']} не равен сумме ({containers})"]
        if errors:
            raise ValidationError({"totals": errors})


class InstalledContainer(Schema):
    type = text()
    volume = fields.Decimal(required=True, validate=POSITIVE)
    count = fields.Integer(required=True, validate=validate.Range(min=1))
    inventory_numbers = fields.List(fields.String(validate=validate.Length(min=1)), required=True)

    @validates_schema
    def one_inventory_number_each(self, data: dict, **_: Any) -> None:
        if "count" in data and "inventory_numbers" in data and len(data["inventory_numbers"]) != data["count"]:
            raise ValidationError({"inventory_numbers": [
                f"Инвентарных номеров {len(data['inventory_numbers'])}, а контейнеров {data['count']}"]})


class InstallationSite(Schema):
    registry_number = text()
    address = text()


class ContainerInstallationData(Schema):
    """Акт установки контейнеров: the site (registry number, address), the containers with inventory numbers."""

    executor = fields.Nested(SignedOrganisationSchema, required=True)
    customer = fields.Nested(SignedOrganisationSchema, required=True)
    contract = fields.Nested(DocumentReference, load_default=None)
    city = fields.String(load_default="г. Новосибирск")
    site = fields.Nested(InstallationSite, required=True)
    installed_on = fields.Date(required=True)
    containers = fields.List(fields.Nested(InstalledContainer), required=True, validate=validate.Length(min=1))
    remarks = fields.String(load_default=None)

    @validates_schema
    def inventory_numbers_are_distinct(self, data: dict, **_: Any) -> None:
        numbers = [n for row in data.get("containers", []) for n in row.get("inventory_numbers", [])]
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        if repeated:
            raise ValidationError({"containers": [f"Повторяются инвентарные номера: {', '.join(repeated)}"]})

    @post_load
    def totals(self, data: dict, **_: Any) -> dict:
        data["count"] = sum(row["count"] for row in data["containers"])
        data["volume"] = sum(row["volume"] * row["count"] for row in data["containers"])
        return data
