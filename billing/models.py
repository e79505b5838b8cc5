"""Billing persistence: accounts, dated tariffs/norms/rates, periods, charges (debt buckets), payments, allocations.

Money is stored as integer kopecks (`*_kopecks`, BIGINT): sums stay exact on SQLite, which has no decimal type.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db import Base, utcnow


class Account(Base):
    """A лицевой счёт: one client object billed by one method; the quantities the accrual multiplies."""

    __tablename__ = "billing_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    client_object_id: Mapped[int | None] = mapped_column(ForeignKey("client_object.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"))
    client_type: Mapped[str] = mapped_column(String(2))
    method: Mapped[str] = mapped_column(String(20))
    residents: Mapped[int] = mapped_column(default=0)
    owners: Mapped[int] = mapped_column(default=0)
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    units: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    norm_name: Mapped[str | None] = mapped_column(String(80))
    tariff_name: Mapped[str] = mapped_column(String(80))
    opened_on: Mapped[date]
    closed_on: Mapped[date | None]
    opened_key: Mapped[str | None] = mapped_column(String(64), unique=True)  # idempotency key of open_account


class Tariff(Base):
    """Regional tariff, ₽ per m³ (or per tonne), for one tariff group and validity period."""

    __tablename__ = "billing_tariff"
    __table_args__ = (UniqueConstraint("name", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    includes_vat: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(500), default="")


class Norm(Base):
    """Annual accumulation norm, m³ per unit per year."""

    __tablename__ = "billing_norm"
    __table_args__ = (UniqueConstraint("name", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    value: Mapped[Decimal] = mapped_column(Numeric(12, 5))
    source: Mapped[str] = mapped_column(String(500), default="")


class Rate(Base):
    """Any other dated rate in percent: key_rate, penalty_cap (NULL = no cap), vat.general, vat.regime.*."""

    __tablename__ = "billing_rate"
    __table_args__ = (UniqueConstraint("name", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    value: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    source: Mapped[str] = mapped_column(String(500), default="")


class PartnerVatRegime(Base):
    """A partner's VAT regime (osn, usn_5, usn_7, none) over a validity period."""

    __tablename__ = "billing_partner_vat"
    __table_args__ = (UniqueConstraint("partner_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    regime: Mapped[str] = mapped_column(String(10))


class Period(Base):
    """A billing month (its first day); once closed its charges are immutable."""

    __tablename__ = "billing_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_on: Mapped[date] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(80))


class Charge(Base):
    """One line of one account's period: a debt bucket of `amount_kopecks` (VAT included) due on `due_date`."""

    __tablename__ = "billing_charge"
    __table_args__ = (UniqueConstraint("account_id", "period", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("billing_account.id"), index=True)
    period: Mapped[date] = mapped_column(index=True)
    line: Mapped[str] = mapped_column(String(20))
    amount_kopecks: Mapped[int] = mapped_column(BigInteger)
    vat_kopecks: Mapped[int] = mapped_column(BigInteger, default=0)
    due_date: Mapped[date]
    reason: Mapped[str | None] = mapped_column(String(300))  # why a recalculation or reduction line exists


class BankStatement(Base):
    """An imported bank file; its SHA-256 makes a second import of the same file a no-op."""

    __tablename__ = "billing_bank_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(300), default="")
    encoding: Mapped[str] = mapped_column(String(20))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    report: Mapped[dict] = mapped_column(default=dict)


class Payment(Base):
    """A payment; `account_id` NULL means unmatched (the accountant's queue). `key` identifies the bank document."""

    __tablename__ = "billing_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("billing_bank_statement.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("billing_account.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    number: Mapped[str] = mapped_column(String(40), default="")
    paid_on: Mapped[date]
    amount_kopecks: Mapped[int] = mapped_column(BigInteger)
    payer_inn: Mapped[str | None] = mapped_column(String(12))
    payer_name: Mapped[str] = mapped_column(String(500), default="")
    payer_account: Mapped[str | None] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Allocation(Base):
    """Part of a payment applied to one debt bucket; what is not allocated stays on the account as credit."""

    __tablename__ = "billing_allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("billing_payment.id"), index=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("billing_charge.id"), index=True)
    amount_kopecks: Mapped[int] = mapped_column(BigInteger)


class Collection(Base):
    """A collected volume (m³) and/or weighed mass (t) on a date, for a contract or a site; `source_key` names the
    pickup fact it came from, so recording the same fact again changes nothing."""

    __tablename__ = "billing_collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(String(100), unique=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("container_site.id"), index=True)
    collected_on: Mapped[date] = mapped_column(index=True)
    volume_m3: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    mass_t: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))


class Absence(Base):
    """Residents of an account away from departure to arrival (neither day counts): the base of a recalculation."""

    __tablename__ = "billing_absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("billing_account.id"), index=True)
    departure: Mapped[date]
    arrival: Mapped[date]
    residents_away: Mapped[int] = mapped_column(default=1)
    full_days: Mapped[int]  # days strictly between departure and arrival, the length the threshold is checked on
    reason: Mapped[str] = mapped_column(String(300))


class Interruption(Base):
    """A collection delay on an account's object: hours and air temperature; `caused_by_partner` charges it back."""

    __tablename__ = "billing_interruption"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(String(100), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("billing_account.id"), index=True)
    started_at: Mapped[datetime]
    hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    temperature_c: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    caused_by_partner: Mapped[bool] = mapped_column(default=True)


class PartnerRate(Base):
    """A partner's dated settlement rate: shift_rent, trip_rent (₽) or agent_commission (percent)."""

    __tablename__ = "billing_partner_rate"
    __table_args__ = (UniqueConstraint("partner_id", "name", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    value: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    source: Mapped[str] = mapped_column(String(500), default="")


class PartnerSettlement(Base):
    """The month's settlement with a partner: its lines and the total the УК owes it (kopecks, before VAT)."""

    __tablename__ = "billing_partner_settlement"
    __table_args__ = (UniqueConstraint("partner_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"))
    period: Mapped[date]
    lines: Mapped[list] = mapped_column(default=list)
    net_kopecks: Mapped[int] = mapped_column(BigInteger)
    vat_kopecks: Mapped[int] = mapped_column(BigInteger)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnerPayment(Base):
    """A payment of the УК to a partner for its settlements; `key` (the bank document) makes re-recording a no-op."""

    __tablename__ = "billing_partner_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    paid_on: Mapped[date]
    amount_kopecks: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String(40), default="")
    purpose: Mapped[str] = mapped_column(String(1000), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
