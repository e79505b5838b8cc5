"""/api/documents: metadata and file download, scoped to the caller's partner."""

from __future__ import annotations

from datetime import date

from documents.receipts import bulk_receipts
from documents.registry import render_document
from documents.samples import SAMPLES
from documents.storage import FileStore
from tests.documents.conftest import pdf_text
from tests.web.conftest import basic


def _store(app, tmp_path) -> FileStore:
    app.config["DOCUMENTS_DIR"] = tmp_path / "documents"
    return FileStore(app.config["DOCUMENTS_DIR"])


def test_a_partner_operator_reads_and_downloads_its_document(app, client, session, users, tmp_path):
    document = render_document(session, _store(app, tmp_path), "act", SAMPLES["act"](), partner_id=1,
                               on=date(2026, 3, 31))
    meta = client.get(f"/api/documents/{document.id}", headers=basic("partner_operator"))
    assert meta.status_code == 200
    assert meta.json["kind"] == "act" and meta.json["number"] == "1" and meta.json["sha256"] == document.sha256
    pdf = client.get(f"/api/documents/{document.id}/file", headers=basic("partner_operator"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Акт оказанных услуг № 1" in pdf_text(pdf.data)


def test_another_partner_gets_404_and_a_stranger_401(app, client, session, users, tmp_path):
    document = render_document(session, _store(app, tmp_path), "act", SAMPLES["act"](), partner_id=1,
                               on=date(2026, 3, 31))
    for url in (f"/api/documents/{document.id}", f"/api/documents/{document.id}/file"):
        assert client.get(url, headers=basic("west_operator")).status_code == 404
        assert client.get(url).status_code == 401
    assert client.get(f"/api/documents/{document.id}", headers=basic("demo")).status_code == 200


def test_one_accounts_receipt_is_downloaded_from_its_batch(app, client, session, users, tmp_path):
    receipts = [SAMPLES["receipt"](account=f"54{i:08d}") for i in range(3)]
    bulk_receipts(session, _store(app, tmp_path), receipts, key="march", period=date(2026, 3, 1), partner_id=1)
    response = client.get("/api/receipts/5400000002/2026-3.pdf", headers=basic("partner_operator"))
    assert response.status_code == 200 and "5400000002" in pdf_text(response.data)
    assert client.get("/api/receipts/5400000002/2026-3.pdf", headers=basic("west_operator")).status_code == 404


def test_the_openapi_document_lists_the_document_routes(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert {"/api/documents/{document_id}", "/api/documents/{document_id}/file"} <= set(paths)
