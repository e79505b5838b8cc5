"""Bulk receipts: chunks of many receipts per PDF, progress, resumable by key, per-account extraction."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from documents.models import Document, DocumentItem
from documents.receipts import bulk_receipts, extract_receipt
from documents.registry import DocumentNotFound
from documents.samples import SAMPLES
from engine.scope import Scope
from tests.documents.conftest import pdf_text

MARCH = date(2026, 3, 1)


def _receipts(count: int) -> list[dict]:
    return [SAMPLES["receipt"](account=f"54{i:08d}") for i in range(count)]


def test_receipts_are_rendered_in_chunks_with_progress_and_extracted_per_account(session, store, users):
    reports = []
    result = bulk_receipts(session, store, _receipts(7), key="bulk-march", period=MARCH, partner_id=1,
                           chunk_size=3, total=7, progress=reports.append, on=date(2026, 4, 1))
    assert len(result.documents) == 3 and result.rendered == 7 and result.rejected == {}
    assert [(p.done, p.total, p.chunks) for p in reports] == [(3, 7, 1), (6, 7, 2), (7, 7, 3)]
    assert [d.pages for d in session.scalars(select(Document).order_by(Document.id))] == [3, 3, 1]

    single = extract_receipt(session, store, Scope(partner_id=1), "5400000004", MARCH)
    text = pdf_text(single)
    assert "5400000004" in text and "5400000003" not in text and "К оплате: 242,29 ₽" in text
    with pytest.raises(DocumentNotFound):
        extract_receipt(session, store, Scope(partner_id=2), "5400000004", MARCH)


def test_a_rerun_after_a_crash_skips_the_chunks_already_stored(session, store, users):
    receipts = _receipts(5)

    def crash_after_the_first_chunk(progress):
        if progress.chunks == 1:
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        bulk_receipts(session, store, receipts, key="bulk", period=MARCH, chunk_size=2,
                      progress=crash_after_the_first_chunk)
    result = bulk_receipts(session, store, receipts, key="bulk", period=MARCH, chunk_size=2)
    assert result.rendered == 5 and len(result.documents) == 3
    assert session.scalar(select(func.count()).select_from(Document)) == 3
    assert session.scalar(select(func.count()).select_from(DocumentItem)) == 5


def test_a_receipt_with_bad_data_is_rejected_with_its_fields_and_the_rest_rendered(session, store, users):
    receipts = _receipts(3)
    del receipts[1]["provider"]["bank"]
    receipts[2]["lines"][0]["amount"] = "-1"
    result = bulk_receipts(session, store, receipts, key="bad", period=MARCH, chunk_size=10)
    assert result.rendered == 1
    assert result.rejected == {"5400000001": {"provider.bank": "обязательное поле не заполнено"},
                               "5400000002": {"lines.0.amount": "Сумма не может быть отрицательной"}}
