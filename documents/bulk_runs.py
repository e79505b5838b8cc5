"""Bulk runs: a period's receipts for a partner, planned into batches that the workers render in parallel.

The `bulk_receipts` process plans a run (one row, the batches as account-id ranges), works each batch as its own
job (a parallel multi-instance service task, so the embedded worker or the Celery workers share them), and
finishes the run. A batch is recorded once, by (run, index): a re-run after a crash finds its PDF by the chunk's
key and its row, so neither progress nor a document is counted twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import utcnow
from db.scope import PartnerScope
from documents.billing_receipts import billed_accounts, receipt_data
from documents.models import BulkBatch, BulkRun, Document
from documents.receipts import bulk_receipts
from documents.registry import DocumentNotFound
from documents.rendering import renderer
from documents.storage import FileStore

DEFAULT_BATCH = 200


def plan_run(session: Session, key: str, period: date, partner_id: int | None, provider: Mapping[str, Any],
             batch_size: int = DEFAULT_BATCH, created_by: str | None = None,
             instance_id: str | None = None) -> tuple[BulkRun, list[dict[str, int]]]:
    """The run of `key` (created once) and its batches: `{"run_id", "index", "after", "until"}` account-id ranges."""
    renderer().validate("receipt", _probe(provider))  # bad provider details fail here, before any batch runs
    period = period.replace(day=1)
    run = session.scalar(select(BulkRun).where(BulkRun.key == key))
    ids = billed_accounts(session, period, partner_id)
    if run is None:
        run = BulkRun(key=key, period=period, partner_id=partner_id, total=len(ids), batch_size=batch_size,
                      batches=-(-len(ids) // batch_size), provider=dict(provider), created_by=created_by,
                      instance_id=instance_id)
        session.add(run)
        session.commit()
    size = run.batch_size
    batches = [{"run_id": run.id, "index": index, "after": ids[start - 1] if start else 0,
                "until": ids[min(start + size, len(ids)) - 1]}
               for index, start in enumerate(range(0, len(ids), size))]
    return run, batches


def _probe(provider: Mapping[str, Any]) -> dict[str, Any]:
    """A receipt with the run's provider and placeholder data: checks the provider's requisites once."""
    return {"provider": dict(provider), "account": "0", "payer": "—", "address": "—", "residents": 0,
            "period": "2000-01-01", "due_date": "2000-01-01",
            "lines": [{"service": "—", "volume": "0", "tariff": "0", "amount": "0"}]}


def run_batch(session: Session, store: FileStore, run_id: int, index: int, after: int, until: int) -> BulkBatch:
    """Render one batch (accounts with after < id ≤ until) into one PDF and record it; idempotent by (run, index)."""
    done = session.scalar(select(BulkBatch).where(BulkBatch.run_id == run_id, BulkBatch.index == index))
    if done is not None:
        return done
    run = session.get(BulkRun, run_id)
    if run is None:
        raise DocumentNotFound(f"bulk run {run_id} does not exist")
    ids = billed_accounts(session, run.period, run.partner_id, after=after, until=until)
    receipts = receipt_data(session, ids, run.period, run.provider)
    session.commit()  # end the reads before the chunk's write transaction
    result = bulk_receipts(session, store, receipts, key=f"{run.key}:{index}", period=run.period,
                           partner_id=run.partner_id, chunk_size=max(len(receipts), 1))
    batch = BulkBatch(run_id=run_id, index=index, rendered=result.rendered, rejected=result.rejected,
                      document_id=result.documents[0] if result.documents else None)
    session.add(batch)
    try:
        session.commit()
    except IntegrityError:  # the same batch finished concurrently (a duplicate message): its row stands
        session.rollback()
        batch = session.scalar(select(BulkBatch).where(BulkBatch.run_id == run_id, BulkBatch.index == index))
    return batch


def finish_run(session: Session, run_id: int) -> BulkRun:
    """Mark the run done (every batch has been worked)."""
    run = session.get(BulkRun, run_id)
    if run is None:
        raise DocumentNotFound(f"bulk run {run_id} does not exist")
    if run.status != "done":
        run.status, run.finished_at = "done", utcnow()
        session.commit()
    return run


@dataclass(frozen=True)
class RunProgress:
    """What the bulk runs page shows of a run."""

    run: BulkRun
    batches_done: int
    rendered: int
    rejected: dict[str, dict[str, str]]
    documents: list[Document]

    @property
    def percent(self) -> int:
        if not self.run.total:
            return 100 if self.run.status == "done" else 0
        return min(100, round(100 * (self.rendered + len(self.rejected)) / self.run.total))


def list_runs(session: Session, scope: PartnerScope, limit: int = 50) -> list[RunProgress]:
    """The latest runs the caller's scope sees, with their progress and PDFs."""
    runs = list(session.scalars(scope.restrict(select(BulkRun), BulkRun.partner_id)
                                .order_by(BulkRun.id.desc()).limit(limit)))
    if not runs:
        return []
    ids = [run.id for run in runs]
    counts = {run_id: (batches, rendered) for run_id, batches, rendered in session.execute(
        select(BulkBatch.run_id, func.count(), func.coalesce(func.sum(BulkBatch.rendered), 0))
        .where(BulkBatch.run_id.in_(ids)).group_by(BulkBatch.run_id))}
    rejected: dict[int, dict] = {run_id: {} for run_id in ids}
    documents: dict[int, list[Document]] = {run_id: [] for run_id in ids}
    for batch, document in session.execute(
            select(BulkBatch, Document).outerjoin(Document, Document.id == BulkBatch.document_id)
            .where(BulkBatch.run_id.in_(ids)).order_by(BulkBatch.index)):
        rejected[batch.run_id].update(batch.rejected)
        if document is not None:
            documents[batch.run_id].append(document)
    return [RunProgress(run, *counts.get(run.id, (0, 0)), rejected[run.id], documents[run.id]) for run in runs]
