"""Attachments of a task: recognised by content, limited in size, stored by hash, listed, downloaded in scope."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from tests.web.worklist.support import REMINDER, post, sign_in, start_debtor

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _office(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("[Content_Types].xml", "_rels/.rels", part):
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.fixture
def storage(app, tmp_path):
    app.config["ATTACHMENTS_DIR"] = tmp_path / "attachments"
    app.config["ATTACHMENT_MAX_BYTES"] = 64 * 1024
    return tmp_path / "attachments"


def _upload(client, task_id: str, name: str, content: bytes):
    return post(client, f"/tasks/{task_id}/attachments", {"file": (io.BytesIO(content), name)},
                content_type="multipart/form-data", follow_redirects=True)


def test_an_uploaded_pdf_is_stored_by_its_hash_listed_with_who_and_downloadable(client, session, regulation, storage):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    page = _upload(client, task_id, "претензия.pdf", PDF).get_data(as_text=True)
    assert "Файл прикреплён" in page and "претензия.pdf" in page and "partner_operator" in page
    digest = hashlib.sha256(PDF).hexdigest()
    assert (storage / digest[:2] / digest[2:4] / f"{digest}.pdf").read_bytes() == PDF
    link = page.split('href="/attachments/', 1)[1].split('"', 1)[0]
    download = client.get(f"/attachments/{link}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf" and "attachment" in download.headers["Content-Disposition"]


@pytest.mark.parametrize("name, content", [
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32), ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 32),
    ("act.docx", _office("word/document.xml")), ("sheet.xlsx", _office("xl/workbook.xml")),
])
def test_images_and_office_documents_are_accepted(client, session, regulation, storage, name, content):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    assert "Файл прикреплён" in _upload(client, task_id, name, content).get_data(as_text=True)


@pytest.mark.parametrize("name, content", [
    ("virus.pdf", b"MZ\x90\x00" + b"\0" * 64),  # an executable named as a PDF: the content decides
    ("script.exe", b"MZ\x90\x00" + b"\0" * 64),
    ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 32),  # a real PNG under a misleading name
    ("notes.txt", b"just text"),
])
def test_a_disallowed_file_is_refused_in_russian_and_nothing_is_kept(client, session, regulation, storage, name,
                                                                     content):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    page = _upload(client, task_id, name, content).get_data(as_text=True)
    assert "Можно прикрепить только PDF, JPEG, PNG, DOCX или XLSX" in page and "Файлов пока нет" in page
    assert not storage.exists()


def test_an_oversized_file_is_refused_in_russian(client, session, regulation, storage):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    page = _upload(client, task_id, "big.pdf", PDF + b"0" * 70 * 1024).get_data(as_text=True)
    assert "Файл больше 0,0625 МБ" in page and "Файлов пока нет" in page and not storage.exists()


def test_another_partner_neither_sees_nor_downloads_nor_adds_attachments(client, session, regulation, storage):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    page = _upload(client, task_id, "претензия.pdf", PDF).get_data(as_text=True)
    link = page.split('href="/attachments/', 1)[1].split('"', 1)[0]
    post(client, "/logout")
    sign_in(client, "west_operator")
    assert client.get(f"/attachments/{link}").status_code == 404
    assert _upload(client, task_id, "чужое.pdf", PDF).status_code == 404


def test_an_upload_over_the_request_limit_gets_a_russian_page_with_the_way_back(client, session, regulation,
                                                                               storage):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    task_page = f"http://localhost/tasks/{task_id}"
    huge = PDF + b"0" * (10 * 1024 * 1024)  # over MAX_CONTENT_LENGTH, 10 MiB
    refused = post(client, f"/tasks/{task_id}/attachments", {"file": (io.BytesIO(huge), "скан.pdf")},
                   content_type="multipart/form-data", headers={"Referer": task_page})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 413 and refused.mimetype == "text/html"
    assert "Файл слишком большой: за один раз можно отправить не больше 10 МБ" in page
    assert f'<a href="/tasks/{task_id}">← Назад</a>' in page and not storage.exists()
    assert "Файлов пока нет" in client.get(f"/tasks/{task_id}").get_data(as_text=True)
