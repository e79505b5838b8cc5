"""A small fleet in the database: the demo partners, one depot and truck per partner, a landfill, container sites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

import pytest
from sqlalchemy import select

from clients.models import Container, ContainerSite
from identity.models import Partner
from identity.seed import seed_demo
from routing.models import CollectionSchedule, Crew, Depot, Landfill, Truck


@dataclass
class Fleet:
    east: int
    west: int
    landfill: Landfill
    truck: Truck
    sites: list[ContainerSite]
    west_site: ContainerSite


def add_site(session, partner_id: int, number: int, *, kind: str = "seasonal", weekdays: int = 0,
             latitude: str | None = "55.0300", longitude: str | None = "82.9200", containers: int = 2,
             **schedule) -> ContainerSite:
    site = ContainerSite(partner_id=partner_id, address=f"г. Новосибирск, ул. Мира, д. {number}",
                         latitude=Decimal(latitude) if latitude else None,
                         longitude=Decimal(longitude) if longitude else None,
                         registry_number=f"54-{number:04d}", weekdays=weekdays)
    session.add(site)
    session.flush()
    session.add(Container(site_id=site.id, kind="пластик", volume_m3=Decimal("1.100"), count=containers))
    session.add(CollectionSchedule(site_id=site.id, kind=kind, **schedule))
    session.flush()
    return site


@pytest.fixture
def fleet(session) -> Fleet:
    return build_fleet(session)


def build_fleet(session) -> Fleet:
    """The demo partners; a depot per partner; one truck with its crew for «east»; five east sites and a west one."""
    seed_demo(session)
    east = session.scalar(select(Partner.id).where(Partner.code == "east"))
    west = session.scalar(select(Partner.id).where(Partner.code == "west"))
    landfill = Landfill(name="Полигон «Левобережный»", address="Новосибирский р-н", latitude=Decimal("55.0600"),
                        longitude=Decimal("83.0200"), opens_at=time(7), closes_at=time(23), unloading_minutes=25)
    depots = [Depot(partner_id=p, name="Гараж", latitude=Decimal("55.0000"), longitude=Decimal("82.8000"))
              for p in (east, west)]
    session.add_all([landfill, *depots])
    session.flush()
    truck = Truck(partner_id=east, depot_id=depots[0].id, plate="А123ВС154", model="КАМАЗ 53605 (задняя загрузка)",
                  body_m3=Decimal("20"), compaction=Decimal("5"), shift_start=time(7), shift_end=time(19))
    session.add(truck)
    session.flush()
    session.add(Crew(partner_id=east, truck_id=truck.id, driver="Петров Пётр Петрович"))
    sites = [add_site(session, east, n, latitude=f"55.0{n % 9}00", longitude=f"82.9{n % 7}00")
             for n in range(1, 6)]
    west_site = add_site(session, west, 99)
    session.commit()
    return Fleet(east, west, landfill, truck, sites, west_site)
