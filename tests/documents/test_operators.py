"""The documents operators through the engine's registry: validated inputs, idempotent by key."""

from __future__ import annotations

from sqlalchemy import select

from documents.models import DocumentCounter
from documents.samples import SAMPLES
from engine.operators import registry
from web.extensions import db


def test_documents_render_returns_the_same_document_for_the_same_key(app, users, tmp_path):
    app.config["DOCUMENTS_DIR"] = tmp_path / "documents"
    params = {"kind": "invoice", "data": SAMPLES["invoice"](), "key": "instance-1:task-7", "partner_id": 1,
              "on": "2026-03-31"}
    first = registry.call("documents.render", params)
    again = registry.call("documents.render", params)
    assert first == again == {"document_id": first["document_id"], "document_number": "1"}
    assert db.session.scalar(select(DocumentCounter.last)) == 1


def test_a_job_rerun_after_a_crash_takes_no_second_number_without_an_explicit_key(app, users, tmp_path):
    app.config["DOCUMENTS_DIR"] = tmp_path / "documents"
    params = {"kind": "invoice", "data": SAMPLES["invoice"](), "partner_id": 1, "on": "2026-03-31"}
    first = registry.call("documents.render", params, idempotency_key="job-42")
    rerun = registry.call("documents.render", params, idempotency_key="job-42")
    other_job = registry.call("documents.render", params, idempotency_key="job-43")
    assert first == rerun and other_job["document_number"] == "2"


def test_documents_bulk_receipts_renders_batches(app, users, tmp_path):
    app.config["DOCUMENTS_DIR"] = tmp_path / "documents"
    receipts = [SAMPLES["receipt"](account=f"54{i:08d}") for i in range(3)]
    result = registry.call("documents.bulk_receipts", {"period": "2026-03-01", "receipts": receipts,
                                                       "key": "close-march", "chunk_size": 2})
    assert len(result["document_ids"]) == 2 and result["receipts_rendered"] == 3
    assert result["receipts_rejected"] == {}
