"""`/receipts`: the bulk receipt runs with their progress and PDFs, starting a run, one account's receipt on demand.

A run is the `bulk_receipts` process: starting it here starts an instance whose batches the workers render
(the embedded worker thread or the Celery workers). УК accountants, managers and admins only.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from documents.bulk_runs import DEFAULT_BATCH, list_runs
from documents.receipts import extract_receipt
from documents.registry import DocumentNotFound, find_document
from engine.errors import EngineError
from engine.instances import start_process
from identity.models import Partner
from web.api.documents import file_store
from web.extensions import db
from web.worklist.auth import current_scope, require_sign_in, requires_role

blueprint = Blueprint("bulk_receipts", __name__, url_prefix="/receipts")
blueprint.before_request(require_sign_in)
PROCESS = "bulk_receipts"


@blueprint.before_request
@requires_role("uk_accountant", "manager", "admin")
def _accounting_only() -> None:
    return None


def provider() -> dict[str, Any] | None:
    """The УК's requisites printed on receipts: `DOCUMENTS_PROVIDER` or the JSON file `DOCUMENTS_PROVIDER_FILE`."""
    if current_app.config.get("DOCUMENTS_PROVIDER"):
        return current_app.config["DOCUMENTS_PROVIDER"]
    path = current_app.config.get("DOCUMENTS_PROVIDER_FILE")
    return json.loads(Path(path).read_text(encoding="utf-8")) if path else None


def _page(status: int = 200, **context):
    scope = current_scope()
    partners = list(db.session.scalars(scope.restrict(select(Partner), Partner.id).order_by(Partner.name)))
    return render_template("worklist/bulk_receipts.html", runs=list_runs(db.session, scope), partners=partners,
                           configured=provider() is not None, default_batch=DEFAULT_BATCH,
                           form=context.pop("form", {}), **context), status


@blueprint.get("")
def index():
    return _page()


@blueprint.post("")
def start():
    form = request.form
    errors = {}
    try:
        period = date.fromisoformat(form.get("period", "") + "-01")
    except ValueError:
        errors["period"] = _("Укажите месяц")
    partner_id = int(form["partner_id"]) if form.get("partner_id", "").isdigit() else None
    batch = int(form["batch_size"]) if form.get("batch_size", "").isdigit() else DEFAULT_BATCH
    if not 1 <= batch <= 2000:
        errors["batch_size"] = _("Размер пакета: от 1 до 2000")
    payee = provider()
    if payee is None:
        errors["provider"] = _("Реквизиты УК для квитанций не настроены (REGLAMENT_DOCUMENTS_PROVIDER_FILE)")
    if errors:
        return _page(422, errors=errors, form=form)
    scope = current_scope()
    try:
        start_process(db.session, PROCESS, {"period": period.isoformat(), "partner_id": partner_id,
                                            "provider": payee, "batch_size": batch, "started_by": scope.username},
                      business_key=f"receipts-{period:%Y-%m}-{partner_id or 'all'}", partner_id=partner_id,
                      scope=scope)
    except EngineError as error:
        db.session.rollback()
        return _page(422, errors={"process": str(error)}, form=form)
    flash(_("Выпуск квитанций за %(month)s запущен", month=f"{period:%m.%Y}"), "ok")
    return redirect(url_for("bulk_receipts.index"))


@blueprint.get("/files/<int:document_id>")
def download(document_id: int):
    try:
        document = find_document(db.session, current_scope(), document_id)
    except DocumentNotFound:
        abort(404)
    return send_file(file_store().path(document.path), mimetype="application/pdf", as_attachment=True,
                     download_name=f"receipts-{document.period:%Y-%m}-{document.id}.pdf", etag=document.sha256)


@blueprint.get("/account")
def account():
    """One account's receipt of a month, cut from its batch PDF."""
    number = request.args.get("account", "").strip()
    try:
        period = date.fromisoformat(request.args.get("period", "") + "-01")
        content = extract_receipt(db.session, file_store(), current_scope(), number, period)
    except (ValueError, DocumentNotFound):
        flash(_("Квитанция лицевого счёта %(account)s за этот месяц не найдена", account=number), "error")
        return redirect(url_for("bulk_receipts.index"))
    response = current_app.response_class(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="receipt-{number}-{period:%Y-%m}.pdf"'
    return response
