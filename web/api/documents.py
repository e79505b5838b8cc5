"""`/api/documents`: a registered document's metadata and its file, scoped to the caller's partner.

Also binds the documents operators to the app's session and documents root when the blueprint is registered.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, send_file
from marshmallow import Schema, fields

from documents import operators
from documents.receipts import extract_receipt
from documents.registry import DocumentNotFound, find_document
from documents.storage import FileStore
from engine.errors import NotFound
from web.extensions import db

blueprint = Blueprint("documents", __name__)


class DocumentSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    number = fields.String(attribute="display_number", allow_none=True)
    version = fields.Integer()
    previous_id = fields.Integer(allow_none=True)
    date = fields.Date()
    partner_id = fields.Integer(allow_none=True)
    client_id = fields.Integer(allow_none=True)
    contract_id = fields.Integer(allow_none=True)
    period = fields.Date(allow_none=True)
    references = fields.Dict()
    template_version = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    pages = fields.Integer()
    created_at = fields.DateTime()
    created_by = fields.String(allow_none=True)



def file_store() -> FileStore:
    """The documents root of the running app."""
    return FileStore(Path(current_app.config["DOCUMENTS_DIR"]))


@blueprint.record_once
def _bind_operators(state) -> None:
    # Operators run in an app context (web request, worker): they use its session and its documents root.
    operators.bind(lambda: (db.session, file_store()))


def _find(document_id: int):
    try:
        return find_document(db.session, g.scope, document_id)
    except DocumentNotFound as error:
        raise NotFound(str(error)) from error


@blueprint.get("/documents/<int:document_id>")
def show(document_id: int):
    """A document's metadata.
    ---
    get:
      summary: Метаданные документа (номер, дата, версия, хеш, размер)
      security: [{basic: []}]
      parameters: [{name: document_id, in: path, required: true, schema: {type: integer}}]
      responses:
        200: {description: Документ}
        404: {description: Нет такого документа или он другого партнёра}
    """
    return jsonify(DocumentSchema().dump(_find(document_id)))


@blueprint.get("/documents/<int:document_id>/file")
def download(document_id: int):
    """The document's PDF.
    ---
    get:
      summary: Файл документа (PDF)
      security: [{basic: []}]
      parameters: [{name: document_id, in: path, required: true, schema: {type: integer}}]
      responses:
        200: {description: PDF, content: {application/pdf: {}}}
        404: {description: Нет такого документа или он другого партнёра}
    """
    document = _find(document_id)
    name = f"{document.kind}-{document.display_number or document.id}-v{document.version}.pdf".replace("/", "_")
    return send_file(file_store().path(document.path), mimetype="application/pdf", as_attachment=True,
                     download_name=name, etag=document.sha256)


@blueprint.get("/receipts/<account>/<int:year>-<int:month>.pdf")
def receipt(account: str, year: int, month: int):
    """One account's receipt of a month, cut from its bulk PDF.
    ---
    get:
      summary: Квитанция лицевого счёта за месяц (из пакета)
      security: [{basic: []}]
      parameters:
        - {name: account, in: path, required: true, schema: {type: string}}
        - {name: year, in: path, required: true, schema: {type: integer}}
        - {name: month, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: PDF, content: {application/pdf: {}}}
        404: {description: Квитанции нет}
    """
    try:
        content = extract_receipt(db.session, file_store(), g.scope, account, date(year, month, 1))
    except (DocumentNotFound, ValueError) as error:
        raise NotFound(str(error)) from error
    response = current_app.response_class(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="receipt-{account}-{year}-{month:02d}.pdf"'
    return response
