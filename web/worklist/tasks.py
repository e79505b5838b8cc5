"""The task page: its Camunda Form (rendered by form-js in the browser, validated here against the same file),
the instance's context (client, contract, site, amounts, the documents it rendered, then the other variables) and
history, comments; claim, unclaim, assign and «Завершить»."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from documents.kinds import KINDS
from documents.models import Document
from documents.registry import DocumentNotFound, find_document
from engine import instances, queries, worklist
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.models import HumanTask
from engine.scope import Scope
from forms.validation import SubmissionInvalid, validate_submission
from identity.models import User
from web.api.documents import file_store
from web.extensions import db
from web.task_forms import form_schema
from web.worklist.auth import current_scope, require_sign_in
from web.worklist.inbox import SLA_TITLES
from web.worklist.locale import N_, translate, translate_error

blueprint = Blueprint("tasks", __name__)
blueprint.before_request(require_sign_in)

EVENT_TITLES = {
    "instance_started": N_("Процесс запущен"), "task_created": N_("Создана задача"),
    "task_claimed": N_("Задача взята в работу"), "task_assigned": N_("Задача назначена"),
    "task_unclaimed": N_("Задача возвращена в группу"),
    "task_completed": N_("Задача завершена"), "instance_completed": N_("Процесс завершён"),
    "instance_failed": N_("Ошибка в процессе"), "instance_cancelled": N_("Процесс отменён"),
    "instance_suspended": N_("Процесс приостановлен"), "instance_resumed": N_("Процесс возобновлён"),
    "variables_modified": N_("Изменены данные"), "job_created": N_("Запущена служебная операция"),
    "job_completed": N_("Служебная операция выполнена"),
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The variables the regulations conventionally set (processes/*.bpmn, forms/*.form; engine/task_search.py indexes
# the client's name, address and contract number), in the order the context shows them; the rest follow under
# «Прочие данные».
CONTEXT_FIELDS = (
    ("client_name", N_("Клиент")), ("client_type", N_("Тип клиента")), ("inn", N_("ИНН")), ("address", N_("Адрес")),
    ("contract_number", N_("Договор")), ("site_address", N_("Адрес площадки")),
    ("site_registry_number", N_("Номер площадки в реестре")),
    ("debt", N_("Долг")), ("penalty", N_("Пени")), ("amount", N_("Сумма")),
)
AMOUNTS = frozenset({"debt", "penalty", "amount"})  # money whatever their type: a form's number, a text, a Decimal
Shown = tuple[str, Any]  # (money | date | plain, the value) for the template


@blueprint.errorhandler(NotFound)
def not_found(_error):
    if request.is_json or request.path.endswith(".json"):
        return jsonify(error=_("Задача не найдена")), 404
    return render_template("worklist/error.html", message=_("Задача не найдена или недоступна вам")), 404


@blueprint.errorhandler(worklist.NotAllowed)
@blueprint.errorhandler(Forbidden)  # the engine's refusals, such as a colleague of another partner
def not_allowed(error):
    if request.is_json:
        return jsonify(error=translate_error(error)), 403
    flash(translate_error(error), "warn")
    return redirect(request.referrer or url_for("inbox.index"))


@blueprint.errorhandler(Conflict)
def conflict(_error):
    message = _("Задачу уже взял или завершил другой сотрудник. Обновите страницу.")
    if request.is_json:
        return jsonify(error=message), 409
    flash(message, "warn")
    return redirect(request.referrer or url_for("inbox.index"))


@blueprint.get("/tasks/<task_id>")
def show(task_id: str):
    scope = current_scope()
    task = queries.task_or_404(db.session, task_id, scope)
    instance = queries.instance_or_404(db.session, task.instance_id, scope)
    variables = _variables(task, scope)
    fields, others = _context(variables)
    process_name = worklist.version_names(db.session, [task.definition_id]).get(task.definition_id)
    events = worklist.history(db.session, task.instance_id, scope)
    tasks_by_id = {t.id: t.name for t in db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == task.instance_id))}
    return render_template(
        "worklist/task.html", task=task, instance=instance, process_name=process_name, fields=fields, others=others,
        documents=_documents(scope, variables), kind_titles={name: kind.title for name, kind in KINDS.items()},
        events=events, event_titles=EVENT_TITLES, task_names=tasks_by_id,
        comments=worklist.comments(db.session, task.instance_id, scope),
        attachments=worklist.attachments(db.session, task.instance_id, scope),
        may_claim=task.status == "open" and task.assignee is None and worklist.may_claim(scope, task),
        may_complete=worklist.may_complete(scope, task), is_manager=worklist.is_manager(scope),
        colleagues=_colleagues(task) if worklist.is_manager(scope) else [],
        sla=worklist.sla(task.due_at), sla_titles=SLA_TITLES)


@blueprint.get("/tasks/<task_id>/documents/<int:document_id>")
def document(task_id: str, document_id: int):
    """The PDF of a document the task's instance rendered, shown in the browser; 404 for one it did not render or
    that is not of the caller's partner (the registry's own scoped lookup)."""
    scope = current_scope()
    task = queries.task_or_404(db.session, task_id, scope)
    if document_id not in _document_ids(_variables(task, scope)):
        raise NotFound(f"instance {task.instance_id} rendered no document {document_id}")
    try:
        found = find_document(db.session, scope, document_id)
    except DocumentNotFound as error:
        raise NotFound(str(error)) from error
    title = KINDS[found.kind].title if found.kind in KINDS else found.kind
    name = f"{title} {found.display_number or found.id}.pdf".replace("/", "-")
    return send_file(file_store().path(found.path), mimetype="application/pdf", download_name=name,
                     etag=found.sha256)


@blueprint.get("/tasks/<task_id>/form.json")
def form(task_id: str):
    """The form-js schema of the task and the variables that prefill it."""
    scope = current_scope()
    task = queries.task_or_404(db.session, task_id, scope)
    schema = form_schema(task.form_ref)
    data = instances.task_variables(db.session, task_id, scope=scope) if task.status == "open" else {}
    return jsonify(schema=schema, data=_json_ready(data), readOnly=not worklist.may_complete(scope, task))


@blueprint.post("/tasks/<task_id>/complete")
def complete(task_id: str):
    """Validate the submission against the task's form; complete the task; answer where to go next."""
    scope = current_scope()
    task = queries.task_or_404(db.session, task_id, scope)
    if not worklist.may_complete(scope, task):
        if task.status != "open":
            raise Conflict(f"task {task_id} is {task.status}")
        return jsonify(error=_("Сначала возьмите задачу в работу")), 409
    payload = request.get_json(silent=True)
    submitted = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(submitted, dict):
        return jsonify(error=_("Неверный формат данных формы")), 400
    schema = form_schema(task.form_ref)
    try:
        values = (validate_submission(schema, submitted, instances.task_variables(db.session, task_id, scope=scope))
                  if schema else {})
    except SubmissionInvalid as invalid:
        return (jsonify(error=_("Проверьте выделенные поля"), errors=translate(invalid.errors),
                        errorsById=translate(invalid.by_id)), 422)
    try:
        instances.complete_task(db.session, task_id, values, scope=scope)
    except InvalidInput as error:
        return jsonify(error=translate_error(error)), 422
    following = worklist.next_task(db.session, scope, task.instance_id)
    flash(_("Задача «%(name)s» завершена", name=task.name), "ok")
    target = url_for("tasks.show", task_id=following) if following else url_for("inbox.index")
    return jsonify(redirect=target, next=following)


@blueprint.post("/tasks/<task_id>/claim")
def claim(task_id: str):
    worklist.claim(db.session, task_id, current_scope())
    flash(_("Задача взята в работу"), "ok")
    return redirect(_back(task_id))


@blueprint.post("/tasks/<task_id>/unclaim")
def unclaim(task_id: str):
    worklist.unclaim(db.session, task_id, current_scope())
    flash(_("Задача возвращена в группу"), "ok")
    return redirect(_back(task_id))


@blueprint.post("/tasks/<task_id>/assign")
def assign(task_id: str):
    scope = current_scope()
    username = request.form.get("assignee", "")
    user = db.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        flash(_("Сотрудник не найден"), "warn")
        return redirect(_back(task_id))
    worklist.assign(db.session, task_id, user.username, scope)  # mails him after the commit
    flash(_("Задача назначена: %(name)s", name=user.full_name or user.username), "ok")
    return redirect(_back(task_id))


@blueprint.post("/tasks/<task_id>/comments")
def comment(task_id: str):
    try:
        worklist.add_comment(db.session, task_id, request.form.get("body", ""), current_scope())
    except InvalidInput as error:
        flash(translate_error(error), "warn")
    return redirect(url_for("tasks.show", task_id=task_id) + "#comments")


def _colleagues(task: HumanTask) -> list[User]:
    statement = select(User).where(User.active.is_(True)).order_by(User.full_name, User.username)
    if task.partner_id is not None:
        statement = statement.where(User.partner_id == task.partner_id)
    return list(db.session.scalars(statement.limit(200)))


def _back(task_id: str) -> str:
    """Back to the inbox view the action came from (`then=inbox`, the view's query in `back`), else the task."""
    if request.form.get("then") != "inbox":
        return url_for("tasks.show", task_id=task_id)
    query = request.form.get("back", "")
    return url_for("inbox.index") + ("?" + query if query and not query.startswith(("/", "http")) else "")


def _variables(task: HumanTask, scope: Scope) -> dict[str, Any]:
    """What the task sees while it is open; the instance's variables once it is done."""
    if task.status == "open":
        return instances.task_variables(db.session, task.id, scope=scope)
    return instances.instance_variables(db.session, task.instance_id, scope=scope)


def _context(variables: dict[str, Any]) -> tuple[list[tuple[str, Shown]], list[tuple[str, Shown]]]:
    """The known variables that are set, as (label, shown value) in CONTEXT_FIELDS' order, and the others by name
    (internal `_…` ones and the document ids, which the documents list shows, left out)."""
    known = {name for name, _label in CONTEXT_FIELDS}
    fields = [(label, ("money", variables[name]) if name in AMOUNTS else _shown(variables[name]))
              for name, label in CONTEXT_FIELDS if variables.get(name) not in (None, "")]
    others = sorted((name, _shown(value)) for name, value in variables.items()
                    if name not in known and not name.startswith("_") and not _names_documents(name))
    return fields, others


def _names_documents(name: str) -> bool:
    """`document_id` and `document_ids` are what the documents operators return; a diagram that renders several
    maps them to `<what>_document_id(s)`."""
    return name in ("document_id", "document_ids") or name.endswith(("_document_id", "_document_ids"))


def _document_ids(variables: dict[str, Any]) -> set[int]:
    """The ids of the documents the instance's service tasks rendered, as its variables name them."""
    ids: set[int] = set()
    for name, value in variables.items():
        if _names_documents(name):
            values = value if isinstance(value, list) else [value]
            ids.update(v for v in values if isinstance(v, int) and not isinstance(v, bool))
    return ids


def _documents(scope: Scope, variables: dict[str, Any]) -> list[Document]:
    """The documents the instance rendered that the caller's partner may see, oldest first: one lookup by id."""
    ids = _document_ids(variables)
    if not ids:
        return []
    statement = scope.restrict(select(Document).where(Document.id.in_(sorted(ids))), Document.partner_id)
    return list(db.session.scalars(statement.order_by(Document.date, Document.id)))


def _shown(value: Any) -> Shown:
    """(kind, value) for the context table: money, date or plain."""
    if isinstance(value, Decimal):
        return "money", value
    if isinstance(value, date | datetime) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return "date", value
    return "plain", value


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
