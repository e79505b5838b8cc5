"""Service-task operators of documents: the one module of documents/ that knows a workflow engine exists.

Operators need a database session and the documents root; the web layer binds a provider of both when it wires the
app (`bind`), so this package never imports Flask. Both operators are idempotent by `key` (the job's key): a re-run
after a crash returns the same document and consumes no second number.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from documents.bulk_runs import DEFAULT_BATCH, finish_run, plan_run, run_batch
from documents.kinds import KINDS
from documents.receipts import DEFAULT_CHUNK, bulk_receipts
from documents.registry import render_document
from documents.storage import FileStore
from engine.operators import operator

_context: Callable[[], tuple[Session, FileStore]] | None = None


def bind(context: Callable[[], tuple[Session, FileStore]]) -> None:
    """Set how operators get `(session, file store)` (the web app binds it on startup)."""
    global _context
    _context = context


def _session_and_store() -> tuple[Session, FileStore]:
    if _context is None:
        raise RuntimeError("documents operators are not bound to a database and a documents root: call bind()")
    return _context()


class RenderInputs(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(sorted(KINDS)))
    data = fields.Dict(required=True)
    key = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    partner_id = fields.Integer(load_default=None)
    on = fields.Date(load_default=None)
    client_id = fields.Integer(load_default=None)
    contract_id = fields.Integer(load_default=None)
    period = fields.Date(load_default=None)
    references = fields.Dict(load_default=None)


@operator("documents.render", inputs=RenderInputs)
def render(kind: str, data: dict, key: str | None, idempotency_key: str | None, **references: Any) -> dict:
    """Render a document of `kind` into the registry; the same `key` (by default the job's idempotency key)
    returns the same document and number, so a re-run after a crash takes no second number."""
    session, store = _session_and_store()
    document = render_document(session, store, kind, data, key=key or idempotency_key, **references)
    return {"document_id": document.id, "document_number": document.display_number}


class BulkInputs(Schema):
    period = fields.Date(required=True)
    receipts = fields.List(fields.Dict(), required=True)
    key = fields.String(load_default=None, validate=validate.Length(min=1, max=180))
    partner_id = fields.Integer(load_default=None)
    chunk_size = fields.Integer(load_default=DEFAULT_CHUNK, validate=validate.Range(min=1, max=1000))


@operator("documents.bulk_receipts", inputs=BulkInputs)
def receipts(period: date, receipts: list[dict], key: str | None, idempotency_key: str | None,
             partner_id: int | None, chunk_size: int) -> dict:
    """Render a period's receipts in chunked PDFs (resumable by `key`, by default the job's idempotency key);
    returns the batch document ids and the rejected accounts."""
    session, store = _session_and_store()
    result = bulk_receipts(session, store, receipts, key=key or idempotency_key, period=period, partner_id=partner_id,
                           chunk_size=chunk_size, total=len(receipts))
    return {"document_ids": result.documents, "receipts_rendered": result.rendered,
            "receipts_rejected": result.rejected}


class PlanInputs(Schema):
    period = fields.Date(required=True)
    partner_id = fields.Integer(load_default=None)
    provider = fields.Dict(required=True)
    batch_size = fields.Integer(load_default=DEFAULT_BATCH, validate=validate.Range(min=1, max=2000))
    key = fields.String(load_default=None, validate=validate.Length(min=1, max=180))
    started_by = fields.String(load_default=None)


@operator("documents.plan_receipts", inputs=PlanInputs)
def plan_receipts(period: date, partner_id: int | None, provider: dict, batch_size: int, key: str | None,
                  started_by: str | None, idempotency_key: str | None) -> dict:
    """Plan a period's receipts from billing's tables into batches (once per key, by default the job's id)."""
    session, _ = _session_and_store()
    run, batches = plan_run(session, key or idempotency_key or "", period, partner_id, provider, batch_size,
                            created_by=started_by)
    return {"run_id": run.id, "batches": batches, "receipts_total": run.total}


class BatchInputs(Schema):
    batch = fields.Dict(required=True)


@operator("documents.receipt_batch", inputs=BatchInputs)
def receipt_batch(batch: dict, idempotency_key: str | None) -> dict:
    """Render one planned batch of receipts into one PDF (idempotent by run and batch index)."""
    session, store = _session_and_store()
    done = run_batch(session, store, int(batch["run_id"]), int(batch["index"]), int(batch["after"]),
                     int(batch["until"]))
    return {"batch_rendered": done.rendered}


class FinishInputs(Schema):
    run_id = fields.Integer(required=True)


@operator("documents.finish_receipts", inputs=FinishInputs)
def finish_receipts(run_id: int, idempotency_key: str | None) -> dict:
    """Mark a bulk run done once all its batches have been worked."""
    session, _ = _session_and_store()
    return {"run_status": finish_run(session, run_id).status}
