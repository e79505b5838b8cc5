"""Attachments of a task: upload (PDF, JPEG, PNG, DOCX, XLSX — recognised by their content, not their name, and
within REGLAMENT_ATTACHMENT_MAX_BYTES), stored on disk by content hash under REGLAMENT_ATTACHMENTS_DIR, listed on
the task page, downloaded within the partner's scope."""

from __future__ import annotations

from pathlib import PurePath

import filetype
from flask import Blueprint, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _

from documents.storage import FileStore
from engine import queries, worklist
from engine.errors import NotFound
from web.extensions import db
from web.worklist import tasks
from web.worklist.auth import current_scope, require_sign_in
from web.worklist.locale import megabytes

blueprint = Blueprint("attachments", __name__)
blueprint.before_request(require_sign_in)
blueprint.register_error_handler(NotFound, tasks.not_found)

# The extension the content was recognised as → the MIME type the file is served with.
ALLOWED = {
    "pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The names a user may give each kind (a JPEG may be called .jpeg).
EXTENSIONS = {"pdf": {".pdf"}, "jpg": {".jpg", ".jpeg"}, "png": {".png"}, "docx": {".docx"}, "xlsx": {".xlsx"}}


def store() -> FileStore:
    return FileStore(current_app.config["ATTACHMENTS_DIR"])


def check(filename: str, content: bytes, limit: int) -> str | None:
    """The Russian reason a file may not be attached, or None when it may."""
    if not content:
        return _("Файл пуст")
    if len(content) > limit:
        return _("Файл больше %(mb)s МБ", mb=megabytes(limit))
    kind = filetype.guess_extension(content)
    suffix = PurePath(filename).suffix.lower()
    if kind not in ALLOWED or suffix not in EXTENSIONS[kind]:
        return _("Можно прикрепить только PDF, JPEG, PNG, DOCX или XLSX")
    return None


@blueprint.post("/tasks/<task_id>/attachments")
def upload(task_id: str):
    scope = current_scope()
    back = url_for("tasks.show", task_id=task_id) + "#attachments"
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    upload = request.files.get("file")  # beyond the whole request's limit the CSRF check already answered 413
    if upload is None or not upload.filename:
        flash(_("Выберите файл"), "warn")
        return redirect(back)
    content = upload.read(limit + 1)
    reason = check(upload.filename, content, limit)
    if reason:
        flash(reason, "warn")
        return redirect(back)
    queries.task_or_404(db.session, task_id, scope)  # nothing is written for a task the caller does not see
    stored = store().put(content, PurePath(upload.filename).suffix.lower())
    worklist.add_attachment(db.session, task_id, scope, filename=PurePath(upload.filename).name,
                            content_type=ALLOWED[filetype.guess_extension(content)], size=stored.size,
                            sha256=stored.sha256, path=stored.path)
    flash(_("Файл прикреплён"), "ok")
    return redirect(back)


@blueprint.get("/attachments/<int:attachment_id>")
def download(attachment_id: int):
    attachment = worklist.attachment_or_404(db.session, attachment_id, current_scope())
    return send_file(store().path(attachment.path), mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.filename)
