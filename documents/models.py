"""Persistence of documents: the registry of rendered files and the per-kind × partner × year number counters.

Persistence only: behaviour lives in documents/registry.py (render, regenerate, find) and documents/numbering.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db import Base, utcnow


class Document(Base):
    """One rendered file. Regenerating keeps the number and writes a new row with `version + 1`; old rows stay."""

    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_number", "kind", "partner_id", "year", "number"),
        Index("ix_document_client", "client_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[int | None]  # from the counter; None for kinds without a sequence (a receipt is its account+month)
    display_number: Mapped[str | None] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    date: Mapped[date]
    year: Mapped[int]
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    client_id: Mapped[int | None]
    contract_id: Mapped[int | None]
    period: Mapped[date | None]
    references: Mapped[dict[str, Any]] = mapped_column(default=dict)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the input, as given: a regeneration re-renders it
    template_version: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pages: Mapped[int]
    path: Mapped[str] = mapped_column(String(200))  # relative to the documents root
    key: Mapped[str | None] = mapped_column(String(200), unique=True)  # idempotency: the job's / caller's key
    job_id: Mapped[str | None] = mapped_column(String(36))
    instance_id: Mapped[str | None] = mapped_column(String(36))
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentCounter(Base):
    """The last number given per kind × partner × year (`partner_key` 0 is the УК itself)."""

    __tablename__ = "document_counter"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_key: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class DocumentItem(Base):
    """Where one account's receipt sits inside a bulk PDF: extract it on demand without re-rendering."""

    __tablename__ = "document_item"
    __table_args__ = (Index("ix_document_item_account", "account", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    account: Mapped[str] = mapped_column(String(40))
    period: Mapped[date | None]
    first_page: Mapped[int]  # 0-based
    pages: Mapped[int]


class BulkRun(Base):
    """A period's receipts for one partner, rendered in batches by the workers (the `bulk_receipts` process)."""

    __tablename__ = "document_bulk_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # the planning job's idempotency key
    period: Mapped[date]
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="running")  # running, done
    total: Mapped[int] = mapped_column(default=0)  # accounts to bill
    batches: Mapped[int] = mapped_column(default=0)
    batch_size: Mapped[int]
    provider: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the payee printed on every receipt
    instance_id: Mapped[str | None] = mapped_column(String(36))
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class BulkBatch(Base):
    """One finished batch of a run: how many receipts it rendered and rejected, and the PDF it made."""

    __tablename__ = "document_bulk_batch"
    __table_args__ = (UniqueConstraint("run_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("document_bulk_run.id", ondelete="CASCADE"), index=True)
    index: Mapped[int]
    rendered: Mapped[int]
    rejected: Mapped[dict[str, Any]] = mapped_column(default=dict)  # account → {field: message}
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
