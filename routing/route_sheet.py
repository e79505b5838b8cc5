"""The route sheet (маршрутный лист) of one truck's day as JSON for the crew and for the `route_sheet` PDF template:
decimals as strings, local HH:MM times; the unloading times and tonnes are the crew's to fill in on paper."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from clients.models import Container, ContainerSite
from documents.formatting import initials
from documents.parties import OrganisationSchema, field_errors
from routing.day_plan import clock, seconds
from routing.models import Crew, RoutePlan, Truck
from texts import N_


class RouteSheetError(Exception):
    """The sheet cannot be made; `errors` maps fields to Russian messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k} — {v}" for k, v in errors.items()))
        self.errors = errors


def decimal_text(value: Decimal | str) -> str:
    """`20.00` → "20", `1.100` → "1.1": a decimal as the sheet prints it."""
    text = format(Decimal(value).normalize(), "f")
    return text if text != "-0" else "0"


def _containers(session: Session, site_ids: list[int]) -> dict[int, tuple[str, Decimal]]:
    """Per site: its container types and the volume of the most numerous kind."""
    kinds: dict[int, Counter] = {}
    for container in session.scalars(select(Container).where(Container.site_id.in_(site_ids))
                                     .order_by(Container.id)):
        kinds.setdefault(container.site_id, Counter())[(container.kind, container.volume_m3)] += container.count
    result = {}
    for site_id, counter in kinds.items():
        (_, volume), _ = counter.most_common(1)[0]
        result[site_id] = (", ".join(dict.fromkeys(kind for kind, _ in counter)), volume)
    return result


def route_sheet(session: Session, plan: RoutePlan, truck_id: int, carrier: Mapping[str, Any],
                customer: Mapping[str, Any]) -> dict[str, Any]:
    """The route sheet of `truck_id` in the stored day plan; carrier and customer are checked like any document's."""
    errors: dict[str, str] = {}
    parties = {}
    for name, party in (("carrier", carrier), ("customer", customer)):
        try:
            parties[name] = OrganisationSchema().load(dict(party))
        except ValidationError as error:
            errors.update(field_errors(error.messages, name))
    route = next((r for r in plan.result.get("routes", []) if r["truck_id"] == truck_id), None)
    if route is None:
        errors["truck"] = N_("машины нет в плане этого дня")
    truck = session.get(Truck, truck_id)
    crew = session.scalar(select(Crew).where(Crew.truck_id == truck_id).order_by(Crew.id).limit(1))
    if crew is None:
        errors["driver"] = N_("за машиной не закреплён экипаж")
    if errors:
        raise RouteSheetError(errors)

    site_ids = [s["site_id"] for t in route["trips"] for s in t["stops"]]
    sites = {s.id: s for s in session.scalars(select(ContainerSite).where(ContainerSite.id.in_(site_ids)))}
    containers = _containers(session, site_ids)
    trips = []
    for trip in route["trips"]:
        stops = []
        for stop in trip["stops"]:
            site = sites[stop["site_id"]]
            kind, volume = containers.get(site.id, ("", Decimal(0)))
            stops.append({"sequence": stop["sequence"], "site_registry_number": site.registry_number or "",
                          "address": site.address, "container_type": kind,
                          "container_volume_m3": decimal_text(volume), "containers": stop["containers"],
                          "arrival": stop["arrival"], "volume_m3": decimal_text(stop["volume_m3"])})
        trips.append({"number": trip["number"], "stops": stops,
                      "unloading": {"landfill": plan.result["landfill"], "arrival": trip["unloading"]["arrival"],
                                    "departure": trip["unloading"]["departure"], "tonnes": None}})
    all_stops = [s for t in trips for s in t["stops"]]
    return {
        "date": plan.day.isoformat(),
        "carrier": _party(parties["carrier"]), "customer": _party(parties["customer"]),
        "truck": {"plate": truck.plate, "model": truck.model, "body_m3": decimal_text(truck.body_m3),
                  "compaction": decimal_text(truck.compaction)},
        "driver": initials(crew.driver).replace("\u00a0", " "),
        "shift": {"start": clock(seconds(truck.shift_start)), "end": clock(seconds(truck.shift_end))},
        "trips": trips,
        "totals": {"stops": len(all_stops), "containers": sum(s["containers"] for s in all_stops),
                   "volume_m3": decimal_text(sum((Decimal(s["volume_m3"]) for s in all_stops), Decimal(0))),
                   "km": route["km"], "hours": route["hours"]},  # already to one decimal place
    }


def _party(party: Mapping[str, Any]) -> dict[str, Any]:
    shown = {"name": party["name"], "inn": party["inn"], "kpp": party.get("kpp"), "address": party["address"]}
    return {key: value for key, value in shown.items() if value is not None}  # an ИП has no КПП
