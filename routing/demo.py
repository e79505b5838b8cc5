"""Demo data of routing: the partner «Восток-Экология» collecting in Бердск (Novosibirsk oblast) — its depot, the
landfill, trucks with crews, ~170 container sites of demo clients (houses of two housing companies, shops, offices,
schools) with containers and schedules, and the plan of a day. Generated from a fixed seed; idempotent: a second run
finds the depot and adds nothing, and a day that already has a plan keeps it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clients.models import Client, ClientObject, Container, ContainerSite
from clients.registry import normalize_address, normalize_name
from clients.requisites import INN_10_WEIGHTS, check_digit
from identity.models import Partner
from routing import day_plan
from routing.models import CollectionSchedule, Crew, Depot, Landfill, RoutePlan, Truck
from routing.plan import PlanSettings

PARTNER_CODE = "east"
DEPOT_NAME = "Гараж ООО «Восток-Экология», Бердск"
LANDFILL_NAME = "Полигон ТКО «Бердский»"
CITY = "Новосибирская обл., г. Бердск"
CENTRE = (54.7580, 83.1000)  # the centre of Бердск
SEED = 54  # the region's code: the same town on every machine

STREETS = (
    "ул. Ленина",
    "ул. Максима Горького",
    "ул. Первомайская",
    "ул. Свердлова",
    "ул. Островского",
    "ул. Рогачёва",
    "ул. Кирова",
    "ул. Боровая",
    "ул. Красная Сибирь",
    "ул. Лунная",
    "ул. Комсомольская",
    "ул. Пушкина",
    "ул. Юбилейная",
    "ул. Вокзальная",
    "ул. Морская",
    "ул. Микрорайон",
    "ул. Герцена",
    "ул. Черемушная",
    "ул. Изумрудный городок",
    "ул. Новосибирская",
)
HOUSING = (("ООО «УК Бердский дом»", 48), ("ТСЖ «Морское»", 22), ("ООО «УК Северный»", 42))
BUSINESSES = (
    "магазин «Продукты»",
    "кафе «Обь»",
    "аптека «Здоровье»",
    "офис продаж",
    "автосервис",
    "пекарня «Колосок»",
    "торговый центр",
    "школа",
    "детский сад",
    "поликлиника",
    "гостиница «Бердск»",
    "рынок",
    "столовая",
    "склад",
    "салон красоты",
)
TRUCKS = (
    ("К101ВЭ154", "КАМАЗ 53605 (задняя загрузка)", "Кузнецов Алексей Иванович", "Соколов Д. В."),
    ("К102ВЭ154", "КАМАЗ 53605 (задняя загрузка)", "Морозов Сергей Петрович", "Волков И. А."),
    ("К103ВЭ154", "МАЗ 5337 (задняя загрузка)", "Лебедев Николай Юрьевич", "Зайцев П. С."),
    ("К104ВЭ154", "КАМАЗ 65115 (задняя загрузка)", "Новиков Андрей Олегович", "Павлов Е. Н."),
)
WEEKDAY_MASKS = (1 | 4 | 16, 2 | 8 | 32, 31, 1 | 8)  # Mon/Wed/Fri, Tue/Thu/Sat, Mon–Fri, Mon/Thu


@dataclass(frozen=True)
class RoutingDemo:
    """What the demo holds: sites, trucks, and the day's plan (planned now or kept from an earlier run)."""

    sites: int
    trucks: int
    day: date
    routes: int
    routed_sites: int
    unplanned_sites: int
    km: str


def inn10(rng: random.Random, prefix: str = "5445") -> str:
    """A random 10-digit ИНН of a legal entity registered in Бердск, with its check digit."""
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(9 - len(prefix)))
    return body + str(check_digit(body, INN_10_WEIGHTS))


def ogrn13(rng: random.Random) -> str:
    """A random ОГРН of a legal entity, with its check digit."""
    body = "1" + "".join(str(rng.randint(0, 9)) for _ in range(9)) + "54"
    return body + str(int(body) % 11 % 10)


def seed_routing_demo(session: Session, day: date, *, plan_seconds: float = 3.0) -> RoutingDemo:
    """Create the Бердск fleet and sites unless they exist, and plan `day` unless it has a plan. Idempotent."""
    partner = session.scalar(select(Partner).where(Partner.code == PARTNER_CODE))
    if partner is None:
        raise ValueError("seed the demo partners first (identity.seed.seed_demo)")
    depot = session.scalar(select(Depot).where(Depot.partner_id == partner.id, Depot.name == DEPOT_NAME))
    landfill = session.scalar(select(Landfill).where(Landfill.name == LANDFILL_NAME))
    if depot is None or landfill is None:
        if depot is not None:
            raise ValueError(f"a half-seeded demo: the depot exists, the landfill «{LANDFILL_NAME}» does not")
        _create(session, partner.id)
        landfill = session.scalar(select(Landfill).where(Landfill.name == LANDFILL_NAME))
    plan = session.scalar(select(RoutePlan).where(RoutePlan.partner_id == partner.id, RoutePlan.day == day))
    if plan is None:
        plan = day_plan.plan_partner_day(
            session, partner.id, day, landfill_id=landfill.id, settings=PlanSettings(time_limit_s=plan_seconds)
        )
    result = plan.result
    sites = session.scalar(select(func.count()).where(ContainerSite.partner_id == partner.id))
    trucks = session.scalar(select(func.count()).where(Truck.partner_id == partner.id))
    routed = sum(len(t["stops"]) for r in result["routes"] for t in r["trips"])
    return RoutingDemo(sites, trucks, day, len(result["routes"]), routed, len(result["unplanned"]), result["km"])


def _create(session: Session, partner_id: int) -> None:
    rng = random.Random(SEED)
    depot = Depot(
        partner_id=partner_id,
        name=DEPOT_NAME,
        address=f"{CITY}, ул. Химзаводская, д. 11",
        latitude=Decimal("54.742100"),
        longitude=Decimal("83.071500"),
    )
    landfill = session.scalar(select(Landfill).where(Landfill.name == LANDFILL_NAME)) or Landfill(
        name=LANDFILL_NAME,
        address="Новосибирская обл., Искитимский р-н, 6 км северо-восточнее г. Бердска",
        latitude=Decimal("54.803400"),
        longitude=Decimal("83.185200"),
        opens_at=time(7),
        closes_at=time(23),
        unloading_minutes=20,
    )
    session.add_all([depot, landfill])
    session.flush()
    for plate, model, driver, loader in TRUCKS:
        truck = Truck(
            partner_id=partner_id,
            depot_id=depot.id,
            plate=plate,
            model=model,
            body_m3=Decimal("20"),
            compaction=Decimal("4"),
            shift_start=time(7),
            shift_end=time(19),
        )
        session.add(truck)
        session.flush()
        session.add(Crew(partner_id=partner_id, truck_id=truck.id, driver=driver, loaders=loader))
    number = 0
    for name, houses in HOUSING:
        client = _client(session, rng, partner_id, name, f"{CITY}, {rng.choice(STREETS)}, д. {rng.randint(1, 60)}")
        for _ in range(houses):
            number += 1
            address = f"{CITY}, {rng.choice(STREETS)}, д. {rng.randint(1, 120)}"
            house = ClientObject(
                client_id=client.id,
                name=f"Многоквартирный дом, {address}",
                category="МКД",
                billing_unit="resident",
                quantity=Decimal(rng.randint(40, 320)),
                address=address,
            )
            session.add(house)
            session.flush()
            site = _site(session, rng, partner_id, number, address, spread=0.030)
            kind, volume = rng.choice((("евроконтейнер пластик", "1.100"), ("металл", "0.750")))
            session.add(
                Container(
                    site_id=site.id,
                    client_object_id=house.id,
                    kind=kind,
                    volume_m3=Decimal(volume),
                    count=rng.randint(2, 5),
                )
            )
            session.add(CollectionSchedule(site_id=site.id, kind="seasonal"))
    for index in range(58):
        number += 1
        what = BUSINESSES[index % len(BUSINESSES)]
        address = f"{CITY}, {rng.choice(STREETS)}, д. {rng.randint(1, 120)}"
        client = _client(session, rng, partner_id, f"ООО «Бердск-{what.split()[0].capitalize()}-{index + 1}»", address)
        shop = ClientObject(
            client_id=client.id,
            name=what.capitalize(),
            category="торговля и услуги",
            billing_unit="employee",
            quantity=Decimal(rng.randint(3, 40)),
            address=address,
        )
        session.add(shop)
        session.flush()
        # most businesses sit in town; a few are in the villages and dachas around it
        site = _site(
            session,
            rng,
            partner_id,
            number,
            address,
            spread=0.030 if index % 6 else 0.070,
            weekdays=WEEKDAY_MASKS[index % len(WEEKDAY_MASKS)],
        )
        session.add(
            Container(
                site_id=site.id,
                client_object_id=shop.id,
                kind="евроконтейнер пластик",
                volume_m3=Decimal("1.100"),
                count=rng.randint(1, 2),
            )
        )
        session.add(CollectionSchedule(site_id=site.id, kind="weekdays"))
    session.commit()


def _client(session: Session, rng: random.Random, partner_id: int, name: str, address: str) -> Client:
    client = Client(
        partner_id=partner_id,
        kind="ЮЛ",
        name=name,
        name_key=normalize_name(name),
        inn=inn10(rng),
        kpp="544501001",
        ogrn=ogrn13(rng),
        address=address,
        address_key=normalize_address(address),
    )
    session.add(client)
    session.flush()
    return client


def _site(
    session: Session,
    rng: random.Random,
    partner_id: int,
    number: int,
    address: str,
    *,
    spread: float,
    weekdays: int = 0,
) -> ContainerSite:
    latitude = CENTRE[0] + rng.gauss(0, spread / 2)
    longitude = CENTRE[1] + rng.gauss(0, spread)  # the town stretches along the Обь reservoir, east–west
    site = ContainerSite(
        partner_id=partner_id,
        address=address,
        latitude=Decimal(f"{latitude:.6f}"),
        longitude=Decimal(f"{longitude:.6f}"),
        registry_number=f"54-БРД-{number:04d}",
        weekdays=weekdays,
    )
    session.add(site)
    session.flush()
    return site
