"""The document registry's use cases: render a document into the registry, regenerate it, find it for a caller.

Each use case owns its transaction. Order inside `render_document`: validate the data (bad data → an error listing
the fields, no number consumed, no file written) → look the idempotency key up → take the number (the first
statement of the write transaction) → render → store the file → insert the row → commit. A failure after the number
was taken rolls the counter back with everything else, so numbers have no gaps.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.scope import PartnerScope
from documents.models import Document
from documents.numbering import next_number
from documents.rendering import Meta, Renderer, renderer
from documents.storage import FileStore

BUSINESS_TZ = ZoneInfo("Asia/Novosibirsk")


class DocumentNotFound(LookupError):
    """No such document, or not one the caller may see."""


def today() -> date:
    """The business date (Asia/Novosibirsk): documents are dated in local time."""
    return datetime.now(BUSINESS_TZ).date()


def json_safe(data: Any) -> dict[str, Any]:
    """The input data as JSON values (Decimal → string, date → ISO): what the row keeps for a regeneration."""
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


def render_document(session: Session, store: FileStore, kind: str, data: dict[str, Any], *,
                    partner_id: int | None = None, on: date | None = None, key: str | None = None,
                    client_id: int | None = None, contract_id: int | None = None, period: date | None = None,
                    references: dict[str, Any] | None = None, job_id: str | None = None,
                    instance_id: str | None = None, created_by: str | None = None,
                    using: Renderer | None = None) -> Document:
    """Render `kind` from `data`, number it, store the file and register it; a known `key` returns its document."""
    using = using or renderer()
    loaded = using.validate(kind, data)
    if key is not None:
        existing = session.scalar(select(Document).where(Document.key == key))
        if existing is not None:
            return existing
    session.commit()  # end the read: the counter update must open the write transaction (SQLite snapshots)
    spec = using.kind(kind)
    on = on or today()
    number = next_number(session, kind, partner_id, on.year) if spec.numbered else None
    display = spec.display_number(number, on.year)
    try:
        rendered = using.pdf(kind, [(loaded, Meta(display, on))])
        stored = store.put(rendered.content)
        document = Document(
            kind=kind, number=number, display_number=display, date=on, year=on.year, partner_id=partner_id,
            client_id=client_id, contract_id=contract_id, period=period, references=json_safe(references or {}),
            data=json_safe(data), template_version=using.versions[kind], sha256=stored.sha256, size=stored.size,
            pages=rendered.pages, path=stored.path, key=key, job_id=job_id, instance_id=instance_id,
            created_by=created_by)
        session.add(document)
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = session.scalar(select(Document).where(Document.key == key)) if key is not None else None
        if existing is None:
            raise
        return existing  # a concurrent run with the same key won; its number stands, ours was rolled back
    except BaseException:
        session.rollback()
        raise
    return document


def regenerate_document(session: Session, store: FileStore, document_id: int, data: dict[str, Any] | None = None,
                        *, created_by: str | None = None, using: Renderer | None = None) -> Document:
    """A new version of a document (same number and date) from new or the same data; the old version stays."""
    using = using or renderer()
    previous = session.get(Document, document_id)
    if previous is None:
        raise DocumentNotFound(f"document {document_id} does not exist")
    newer = session.scalar(select(Document.id).where(Document.previous_id == previous.id))
    if newer is not None:
        raise ValueError(f"document {document_id} has a newer version ({newer}): regenerate that one")
    data = previous.data if data is None else data
    loaded = using.validate(previous.kind, data)
    rendered = using.pdf(previous.kind, [(loaded, Meta(previous.display_number, previous.date))])
    stored = store.put(rendered.content)
    document = Document(
        kind=previous.kind, number=previous.number, display_number=previous.display_number,
        version=previous.version + 1, previous_id=previous.id, date=previous.date, year=previous.year,
        partner_id=previous.partner_id, client_id=previous.client_id, contract_id=previous.contract_id,
        period=previous.period, references=previous.references, data=json_safe(data),
        template_version=using.versions[previous.kind], sha256=stored.sha256, size=stored.size,
        pages=rendered.pages, path=stored.path, created_by=created_by)
    session.add(document)
    session.commit()
    return document


def find_document(session: Session, scope: PartnerScope, document_id: int) -> Document:
    """The document if the caller's scope sees it; DocumentNotFound otherwise (never tell another partner it exists)."""
    statement = scope.restrict(select(Document).where(Document.id == document_id), Document.partner_id)
    document = session.scalar(statement)
    if document is None:
        raise DocumentNotFound(f"document {document_id} not found")
    return document
