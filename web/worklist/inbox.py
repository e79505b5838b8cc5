"""`/inbox`: the tabs «Мои задачи», «Задачи группы», «Просроченные», «Все задачи» (managers) with counters,
filters, sort, paging, bulk claim and saved filters. htmx swaps only the results when filters change."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from engine import clock, worklist
from engine.errors import InvalidInput, NotFound
from identity.models import User
from web.extensions import db
from web.transactions import autocommit
from web.worklist.auth import current_scope, require_sign_in
from web.worklist.locale import N_, translate_error

blueprint = Blueprint("inbox", __name__)
blueprint.before_request(require_sign_in)

TAB_TITLES = {"mine": N_("Мои задачи"), "group": N_("Задачи группы"), "overdue": N_("Просроченные"),
              "all": N_("Все задачи")}
SLA_TITLES = {"overdue": N_("просрочено"), "today": N_("сегодня"), "soon": N_("скоро"), "on_time": N_("в срок")}
QUERY_ARGS = ("tab", "process", "due_from", "due_to", "priority_min", "q", "sort", "page")


def parse_query(args) -> worklist.InboxQuery:
    """The inbox query of a request's arguments; what cannot be parsed falls back to the default."""
    tabs = worklist.tabs_for(current_scope())
    tab = args.get("tab") if args.get("tab") in tabs else "mine"
    sort = args.get("sort") if args.get("sort") in worklist.SORTS else "due"
    return worklist.InboxQuery(
        tab=tab, process=args.get("process") or None, due_from=_date(args.get("due_from")),
        due_to=_date(args.get("due_to")), priority_min=_int(args.get("priority_min")),
        text=(args.get("q") or "").strip()[:100] or None, sort=sort, page=_int(args.get("page")) or 1,
        per_page=min(_int(args.get("per_page")) or 25, worklist.MAX_PER_PAGE))


def query_args(query: worklist.InboxQuery) -> dict[str, str]:
    """The query string of `query` (only what differs from the defaults)."""
    names = {"text": "q"}
    return {names.get(k, k): v.isoformat() if isinstance(v, date) else str(v)
            for k, v in worklist.describe(query).items() if k != "per_page"}


@blueprint.app_context_processor
def header_counter() -> dict[str, int]:
    """The header's counter of tasks that appeared since the user last opened the inbox (not on the inbox itself,
    nor for JSON or anonymous requests)."""
    if not current_user.is_authenticated or request.blueprint in ("inbox", "auth") or request.path.endswith(".json"):
        return {}
    return {"new_tasks": worklist.new_tasks(db.session, current_scope())}


@blueprint.get("/inbox")
@autocommit
def index():
    scope = current_scope()
    query = parse_query(request.args)
    now = clock.now()
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "inbox-results":
        page = worklist.inbox(db.session, scope, query, now=now)
        return render_template("worklist/_inbox_results.html", **_context(query, page, now))
    counts = worklist.tab_counts(db.session, scope, now=now)
    page = worklist.inbox(db.session, scope, query, now=now, counts=counts)
    choices = worklist.process_names(db.session)  # before the rows: it fills the names of the versions they show
    context = _context(query, page, now)
    filters = worklist.saved_filters(db.session, scope.username or "")
    if counts["new"]:  # written only when something is new, and last: an unchanged inbox costs no write
        worklist.mark_seen(db.session, scope.username or "", now)
    return render_template("worklist/inbox.html", **context, counts=counts, new_tasks=0, arrived=counts["new"],
                           filters=filters, processes=sorted(choices.items(), key=lambda kv: kv[1]))


@blueprint.get("/inbox.json")
@autocommit
def data():
    """The same page as JSON (for scripts and the benchmark)."""
    scope = current_scope()
    query = parse_query(request.args)
    now = clock.now()
    page = worklist.inbox(db.session, scope, query, now=now)
    return jsonify(total=page.total, page=page.page, pages=page.pages, tasks=[{
        "id": t.id, "name": t.name, "process": t.definition_key, "business_key": t.business_key,
        "client": t.client,
        "created": t.created_at.isoformat(), "due": t.due_at.isoformat() if t.due_at else None,
        "sla": worklist.sla(t.due_at, now), "priority": t.priority, "assignee": t.assignee,
    } for t in page.tasks])


@blueprint.post("/inbox/claim")
def claim_many():
    task_ids = request.form.getlist("task_id")[:worklist.MAX_PER_PAGE]
    claimed, refused = worklist.claim_tasks(db.session, task_ids, current_scope())
    if claimed:
        flash(ngettext("Взята в работу %(num)d задача", "Взято в работу задач: %(num)d", len(claimed)), "ok")
    if refused:
        flash(ngettext("%(num)d задачу взять не удалось: её уже взял другой сотрудник или она вам недоступна",
                       "Не удалось взять задач: %(num)d — их уже взяли или они вам недоступны", len(refused)),
              "warn")
    if not task_ids:
        flash(_("Отметьте задачи, которые хотите взять"), "warn")
    return redirect(_back())


@blueprint.post("/inbox/filters")
def save_filter():
    scope = current_scope()
    try:
        worklist.save_filter(db.session, scope.username or "", request.form.get("name", ""),
                             request.form.get("query", ""))
        flash(_("Фильтр сохранён"), "ok")
    except InvalidInput as error:
        flash(translate_error(error), "warn")
    return redirect(_back())


@blueprint.post("/inbox/filters/<int:filter_id>/delete")
def delete_filter(filter_id: int):
    try:
        worklist.delete_filter(db.session, current_scope().username or "", filter_id)
    except NotFound:  # another user's filter is no more visible than a missing one
        return render_template("worklist/error.html", message=_("Фильтр не найден")), 404
    flash(_("Фильтр удалён"), "ok")
    return redirect(url_for("inbox.index"))


def _context(query: worklist.InboxQuery, page: worklist.InboxPage, now) -> dict[str, Any]:
    usernames = {t.assignee for t in page.tasks if t.assignee} - {current_scope().username}
    names = dict(db.session.execute(select(User.username, User.full_name).where(User.username.in_(usernames))).all()
                 ) if usernames else {}
    args = query_args(query)
    base = url_for("inbox.index")  # once: a page builds a dozen links to itself

    def inbox_url(**changes: Any) -> str:
        merged = {**args, **{k: str(v) for k, v in changes.items() if v is not None}}
        for key in [k for k, v in changes.items() if v is None]:
            merged.pop(key, None)
        return base + ("?" + urlencode(merged) if merged else "")

    return {
        "query": query, "page": page, "now": now, "args": args, "query_string": urlencode(args),
        "tabs": worklist.tabs_for(current_scope()), "tab_titles": TAB_TITLES,
        "sla_labels": {state: _(title) for state, title in SLA_TITLES.items()},
        "sla": lambda task: worklist.sla(task.due_at, now),
        "process_names": worklist.version_names(db.session, {t.definition_id for t in page.tasks}),
        "assignee_names": names, "inbox_url": inbox_url, "scope": current_scope(),
    }


def _back() -> str:
    target = request.form.get("back", "")
    return url_for("inbox.index") + ("?" + target if target and not target.startswith(("/", "http")) else "")


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
