"""Clients, their contacts and objects, container sites with containers, contracts — persistence only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db import Base, utcnow

CLIENT_KINDS = ("ФЛ", "ЮЛ", "ИП")
CONTRACT_STATUSES = ("draft", "sent", "signed", "active", "terminated")
ACCOUNTING_METHODS = ("per_resident", "per_area", "by_norm", "by_containers", "by_mass", "by_volume")


class Client(Base):
    """A client of one partner: ФЛ, ЮЛ or ИП with requisites; a merged duplicate points at the client it joined."""

    __tablename__ = "client"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    kind: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(500))
    name_key: Mapped[str] = mapped_column(String(500), index=True)  # normalized name for duplicate detection
    inn: Mapped[str | None] = mapped_column(String(12), index=True)
    kpp: Mapped[str | None] = mapped_column(String(9))
    ogrn: Mapped[str | None] = mapped_column(String(15))  # ОГРН (ЮЛ) or ОГРНИП (ИП)
    snils: Mapped[str | None] = mapped_column(String(11))
    bik: Mapped[str | None] = mapped_column(String(9))
    bank_account: Mapped[str | None] = mapped_column(String(20))
    correspondent_account: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(1000), default="")
    address_key: Mapped[str] = mapped_column(String(1000), default="")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contacts: Mapped[list[Contact]] = relationship("Contact", cascade="all, delete-orphan", lazy="selectin")


class Contact(Base):
    __tablename__ = "client_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # phone, email
    value: Mapped[str] = mapped_column(String(200))
    person: Mapped[str] = mapped_column(String(200), default="")


class ClientObject(Base):
    """What is billed: a household, shop, office… with its category, billing unit and quantity of units."""

    __tablename__ = "client_object"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(40))
    billing_unit: Mapped[str] = mapped_column(String(20))  # resident, m2, employee, seat…
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    address: Mapped[str] = mapped_column(String(1000), default="")


class ContainerSite(Base):
    """A container site; `weekdays` is the collection schedule as a bit mask (Monday = 1 … Sunday = 64)."""

    __tablename__ = "container_site"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    address: Mapped[str] = mapped_column(String(1000))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    registry_number: Mapped[str | None] = mapped_column(String(40))
    weekdays: Mapped[int] = mapped_column(default=0)


class Container(Base):
    """Containers of one type and volume on a site, optionally serving one client object (billed by containers)."""

    __tablename__ = "container"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("container_site.id"), index=True)
    client_object_id: Mapped[int | None] = mapped_column(ForeignKey("client_object.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    volume_m3: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    count: Mapped[int] = mapped_column(default=1)


class Contract(Base):
    """A client contract: draft → sent → signed → active → terminated, with its accounting method and payment day."""

    __tablename__ = "contract"
    __table_args__ = (UniqueConstraint("partner_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(12), default="draft")
    accounting_method: Mapped[str] = mapped_column(String(20))
    tariff_group: Mapped[str] = mapped_column(String(80))
    payment_day: Mapped[int] = mapped_column(default=10)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
