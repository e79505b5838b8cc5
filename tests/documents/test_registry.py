"""The registry: numbered, stored by content hash, idempotent by key, regenerated as versions, scoped by partner."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select

from documents.models import Document, DocumentCounter
from documents.registry import DocumentNotFound, find_document, regenerate_document, render_document
from documents.rendering import DocumentDataError
from documents.samples import SAMPLES
from engine.scope import Scope
from tests.documents.conftest import pdf_text

MARCH = date(2026, 3, 31)


def test_a_rendered_document_is_numbered_hashed_and_stored_on_disk(session, store, users):
    document = render_document(session, store, "act", SAMPLES["act"](), partner_id=1, on=MARCH, contract_id=15,
                               period=date(2026, 3, 1), created_by="demo")
    content = store.read(document.path)
    assert (document.number, document.display_number, document.version) == (1, "1", 1)
    assert document.sha256 == hashlib.sha256(content).hexdigest() and document.size == len(content)
    assert document.path.startswith(f"{document.sha256[:2]}/{document.sha256[2:4]}/")
    assert len(document.template_version) == 12 and document.pages == 1
    assert "Акт оказанных услуг № 1 от 31 марта 2026 г." in pdf_text(content)
    second = render_document(session, store, "act", SAMPLES["act"](), partner_id=1, on=MARCH)
    assert second.number == 2


def test_the_same_key_returns_the_same_document_and_consumes_no_number(session, store, users):
    first = render_document(session, store, "invoice", SAMPLES["invoice"](), partner_id=1, on=MARCH, key="job-1")
    again = render_document(session, store, "invoice", SAMPLES["invoice"](), partner_id=1, on=MARCH, key="job-1")
    other = render_document(session, store, "invoice", SAMPLES["invoice"](), partner_id=1, on=MARCH, key="job-2")
    assert again.id == first.id and (first.number, other.number) == (1, 2)
    assert session.scalar(select(func.count()).select_from(Document)) == 2


def test_bad_data_consumes_no_number_and_writes_no_file(session, store, users):
    data = SAMPLES["invoice"]()
    data["supplier"]["inn"] = "7707083894"
    with pytest.raises(DocumentDataError, match="supplier.inn"):
        render_document(session, store, "invoice", data, partner_id=1, on=MARCH, key="bad")
    assert session.scalar(select(func.count()).select_from(DocumentCounter)) == 0
    assert not store.root.exists() or not any(p.is_file() for p in store.root.rglob("*"))
    assert render_document(session, store, "invoice", SAMPLES["invoice"](), partner_id=1, on=MARCH).number == 1


def test_a_failure_while_rendering_gives_the_number_back(session, store, users, monkeypatch):
    def broken(content, suffix=".pdf"):
        raise OSError("disk full")

    monkeypatch.setattr(store, "put", broken)
    with pytest.raises(OSError):
        render_document(session, store, "act", SAMPLES["act"](), partner_id=1, on=MARCH)
    monkeypatch.undo()
    assert render_document(session, store, "act", SAMPLES["act"](), partner_id=1, on=MARCH).number == 1


def test_regenerating_makes_a_new_version_with_the_same_number_and_keeps_the_old(session, store, users):
    first = render_document(session, store, "act", SAMPLES["act"](), partner_id=1, on=MARCH)
    changed = SAMPLES["act"]()
    changed["lines"][0]["quantity"] = "30"
    second = regenerate_document(session, store, first.id, changed)
    assert (second.number, second.version, second.previous_id) == (first.number, 2, first.id)
    assert "13 843,80" in pdf_text(store.read(second.path)) and store.read(first.path) != store.read(second.path)
    with pytest.raises(ValueError, match="newer version"):
        regenerate_document(session, store, first.id)
    assert session.scalar(select(DocumentCounter.last)) == 1


def test_a_partner_sees_only_its_own_documents(session, store, users):
    document = render_document(session, store, "act", SAMPLES["act"](), partner_id=1, on=MARCH)
    assert find_document(session, Scope(partner_id=1), document.id).id == document.id
    assert find_document(session, Scope(), document.id).id == document.id
    with pytest.raises(DocumentNotFound):
        find_document(session, Scope(partner_id=2), document.id)
