"""Bulk receipts: a period's receipts rendered in chunks, many per PDF, with progress and per-account extraction.

Memory stays bounded by the chunk (WeasyPrint holds a whole layout in memory: one 1,000-page PDF needs gigabytes).
Each chunk is one registry document with an idempotency key `<key>:<chunk>`: a re-run after a crash skips the
chunks already stored and goes on. A receipt with bad data is rejected (listed with its fields), not the whole run.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any

from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.scope import PartnerScope
from documents.models import Document, DocumentItem
from documents.registry import DocumentNotFound, today
from documents.rendering import DocumentDataError, Meta, Renderer, renderer
from documents.storage import FileStore

DEFAULT_CHUNK = 100


@dataclass(frozen=True)
class Progress:
    """Reported after every chunk: receipts done (rendered or rejected) of `total` (None when unknown)."""

    done: int
    total: int | None
    chunks: int


@dataclass
class BulkResult:
    documents: list[int] = field(default_factory=list)
    rendered: int = 0
    rejected: dict[str, dict[str, str]] = field(default_factory=dict)  # account → {field: message}


def _chunks(items: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def bulk_receipts(session: Session, store: FileStore, receipts: Iterable[Mapping[str, Any]], *, key: str,
                  period: date, partner_id: int | None = None, chunk_size: int = DEFAULT_CHUNK,
                  total: int | None = None, progress: Callable[[Progress], None] | None = None,
                  on: date | None = None, using: Renderer | None = None) -> BulkResult:
    """Render `receipts` (ReceiptData mappings, in a stable order) in chunks of `chunk_size` per PDF."""
    using = using or renderer()
    on = on or today()
    result = BulkResult()
    done = 0
    for index, chunk in enumerate(_chunks(receipts, chunk_size)):
        chunk_key = f"{key}:{index}"
        existing = session.scalar(select(Document.id).where(Document.key == chunk_key))
        if existing is not None:
            result.documents.append(existing)
            result.rendered += session.scalar(select(func.count()).where(DocumentItem.document_id == existing))
        else:
            valid = []
            for data in chunk:
                try:
                    valid.append((using.validate("receipt", data), data))
                except DocumentDataError as error:
                    result.rejected[str(data.get("account", f"#{done + len(valid)}"))] = error.fields
            if valid:
                result.documents.append(_store_chunk(session, store, valid, chunk_key, period, partner_id, on, using))
                result.rendered += len(valid)
        done += len(chunk)
        if progress is not None:
            progress(Progress(done, total, index + 1))
    return result


def _store_chunk(session: Session, store: FileStore, valid: list[tuple[dict, Mapping]], key: str, period: date,
                 partner_id: int | None, on: date, using: Renderer) -> int:
    rendered = using.pdf("receipt", [(loaded, Meta(None, on)) for loaded, _ in valid])
    stored = store.put(rendered.content)
    ends = [*rendered.starts[1:], rendered.pages]
    document = Document(
        kind="receipt", date=on, year=on.year, partner_id=partner_id, period=period,
        references={"receipts": len(valid)}, data={}, template_version=using.versions["receipt"],
        sha256=stored.sha256, size=stored.size, pages=rendered.pages, path=stored.path, key=key)
    session.add(document)
    session.flush()
    session.add_all(DocumentItem(document_id=document.id, account=loaded["account"], period=period,
                                 first_page=start, pages=end - start)
                    for (loaded, _), start, end in zip(valid, rendered.starts, ends, strict=True))
    session.commit()
    return document.id


def extract_receipt(session: Session, store: FileStore, scope: PartnerScope, account: str, period: date) -> bytes:
    """One account's receipt of a period as its own PDF, cut from the latest bulk PDF holding it."""
    statement = (select(DocumentItem, Document).join(Document, Document.id == DocumentItem.document_id)
                 .where(DocumentItem.account == account, DocumentItem.period == period)
                 .order_by(Document.id.desc()).limit(1))
    row = session.execute(scope.restrict(statement, Document.partner_id)).first()
    if row is None:
        raise DocumentNotFound(f"no receipt of account {account} for {period:%m.%Y}")
    item, document = row
    reader = PdfReader(store.path(document.path))
    writer = PdfWriter()
    for page in range(item.first_page, item.first_page + item.pages):
        writer.add_page(reader.pages[page])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()

