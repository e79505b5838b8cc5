"""The worklist: inbox tabs and filters over the `human_task` projection, the SLA of a task, who may work on it,
comments, saved filters and the history of an instance. Every read goes through `Scope.restrict`."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from cachetools import LRUCache, cached
from sqlalchemy import ColumnElement, Row, Select, bindparam, delete, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.types import Integer, String

import texts
from db import dialect_insert
from engine import clock, instances, task_search
from engine.errors import Conflict, EngineError, Forbidden, InvalidInput, NotFound
from engine.models import AuditEvent, Deployment, HumanTask, ProcessDefinition, Resource
from engine.queries import escape_like, list_matches, listed, lists, task_or_404
from engine.scope import Scope
from engine.worklist_models import InboxVisit, SavedFilter, TaskAttachment, TaskComment, TaskSearch
from texts import N_

TABS = ("mine", "group", "overdue", "all")
MANAGER_ROLES = frozenset({"manager", "partner_manager", "admin"})
SORTS = {
    "due": (HumanTask.due_at.asc().nulls_last(),), "-due": (HumanTask.due_at.desc().nulls_last(),),
    "created": (HumanTask.created_at.asc(),), "-created": (HumanTask.created_at.desc(),),
    "priority": (HumanTask.priority.asc(),), "-priority": (HumanTask.priority.desc(),),
    "name": (HumanTask.name.asc(),), "-name": (HumanTask.name.desc(),),
}
SOON = timedelta(days=2)
MAX_COMMENT = 4000
MAX_PER_PAGE = 100


class NotAllowed(EngineError):
    """The caller sees the task but may not do this with it (not a candidate, not a manager)."""


@dataclass(frozen=True)
class InboxQuery:
    """One inbox view: a tab, filters, a sort and a page — what the query string of /inbox carries."""

    tab: str = "mine"
    process: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    priority_min: int | None = None
    text: str | None = None
    sort: str = "due"
    page: int = 1
    per_page: int = 25


# What an inbox row shows: a page reads these columns, not whole tasks (no candidate lists to decode).
ROW_COLUMNS = (HumanTask.id, HumanTask.name, HumanTask.definition_id, HumanTask.definition_key,
               HumanTask.business_key, HumanTask.created_at, HumanTask.due_at, HumanTask.priority, HumanTask.assignee,
               # a correlated subquery, not a join: PostgreSQL evaluates it after the sort and the limit, for the
               # page's rows only (a join would look up every matching task's before a sort)
               select(TaskSearch.client_name).where(TaskSearch.instance_id == HumanTask.instance_id)
               .scalar_subquery().label("client"))


@dataclass(frozen=True)
class InboxPage:
    tasks: list[Row]  # of ROW_COLUMNS
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def is_manager(scope: Scope) -> bool:
    """Managers see «Все задачи» of their scope and may assign tasks to colleagues."""
    return bool(scope.groups & MANAGER_ROLES)


def tabs_for(scope: Scope) -> tuple[str, ...]:
    return TABS if is_manager(scope) else TABS[:3]


def inbox(session: Session, scope: Scope, query: InboxQuery, *, now: datetime | None = None,
          counts: dict[str, int] | None = None) -> InboxPage:
    """A page of the tab `query.tab`, filtered and sorted; an unknown tab or sort is an InvalidInput. With the
    tab `counts` of the same moment an unfiltered page takes its total from them instead of counting again."""
    now = now or clock.now()
    if query.tab not in tabs_for(scope):
        raise InvalidInput(f"unknown tab {query.tab!r}")
    if query.sort not in SORTS:
        raise InvalidInput(f"unknown sort {query.sort!r}")
    per_page = min(max(query.per_page, 1), MAX_PER_PAGE)
    count, rows = view_statements(scope, query)
    values = view_values(scope, query, now)
    if counts is not None and not any(_filters_of(query)):
        total = counts[query.tab]
    else:
        # A count of its own, then a page that stops after its rows: on PostgreSQL the count is an index-only scan
        # of the open tasks, where a window count over the page query would visit every matching row.
        total = session.scalar(count, values) or 0
    page = min(max(query.page, 1), max(1, math.ceil(total / per_page)))
    found = session.execute(rows, {**values, "offset": (page - 1) * per_page, "limit": per_page})
    return InboxPage(list(found), total, page, per_page)


def tab_counts(session: Session, scope: Scope, *, now: datetime | None = None) -> dict[str, int]:
    """The number of open tasks on each tab the caller has (the counters of the tabs) and under "new" those of
    his own tabs created since he last opened the inbox — in one query."""
    row = session.execute(_counters(_caller(scope)), view_values(scope, None, now or clock.now())).one()
    return dict(zip((*tabs_for(scope), "new"), (count or 0 for count in row), strict=True))


# -- statements built once ---------------------------------------------------------------------------------------
# Building an inbox statement and computing its SQLAlchemy cache key takes longer than PostgreSQL takes to run it
# (≈2 ms of CPU for the tab counters against 0.5 ms to execute them built), so each is built once and kept. What
# differs between callers and requests is bound when it runs: the moment, the caller's name and partner, the filter
# values, the page. A statement is kept per shape — the caller's groups, whether he has a name and a partner, the
# tab, the sort, which filters are set — so a few dozen serve every user.

_TIME = HumanTask.__table__.c.due_at.type
_NOW = bindparam("now", type_=_TIME)
_USERNAME = bindparam("username", type_=String())
_PARTNER = bindparam("partner_id", type_=Integer())
# the caller's name as the first or a later element of candidate_users: LIKE patterns (`queries.listed`)
_NAMED = (bindparam("named_first", type_=String()), bindparam("named_later", type_=String()))
_PROCESS = bindparam("process", type_=String())
_DUE_FROM = bindparam("due_from", type_=_TIME)
_DUE_TO = bindparam("due_to", type_=_TIME)
_PRIORITY = bindparam("priority_min", type_=Integer())
_PATTERN = bindparam("pattern", type_=String())  # the search text, a LIKE pattern
_SEARCH = bindparam("search", type_=String())  # the same, lower-cased, over the client search projection


def _kept():
    """A thread-safe cache of built statements by shape (gunicorn threads share it)."""
    return cached(LRUCache(maxsize=256), lock=threading.Lock())


_Caller = tuple[bool, bool, frozenset[str]]  # the shape of a caller: has a name, has a partner, his groups


def _caller(scope: Scope) -> _Caller:
    return bool(scope.username), scope.partner_id is not None, scope.groups


def _bound(caller: _Caller) -> Scope:
    """The scope of a caller's shape, his name and partner bound parameters."""
    named, partnered, groups = caller
    return Scope(username=_USERNAME if named else None, partner_id=_PARTNER if partnered else None, groups=groups)


def _filters_of(query: InboxQuery) -> tuple[bool, bool, bool, bool, bool]:
    """Which filters a query sets: process, due from, due to, priority, text."""
    return (bool(query.process), bool(query.due_from), bool(query.due_to), query.priority_min is not None,
            bool(query.text))


def view_statements(scope: Scope, query: InboxQuery) -> tuple[Select, Select]:
    """The count and the page of an inbox view, to run with `view_values`, and `offset` and `limit` for the page."""
    return _view_statements(_caller(scope), query.tab, query.sort, _filters_of(query))


def view_values(scope: Scope, query: InboxQuery | None, now: datetime) -> dict[str, Any]:
    """The values that the kept statements of `scope` (and of the view `query`) run with at `now`."""
    values: dict[str, Any] = {"now": now, "username": scope.username or "", "partner_id": scope.partner_id,
                              **dict(zip(("named_first", "named_later"), listed(scope.username or ""), strict=True))}
    if query is not None:
        pattern = "%" + escape_like(query.text.strip()) + "%" if query.text else None
        values.update(process=query.process, priority_min=query.priority_min, pattern=pattern,
                      search=pattern and pattern.lower(),
                      due_from=query.due_from and _local_midnight(query.due_from),
                      due_to=query.due_to and _local_midnight(query.due_to + timedelta(days=1)))
    return values


@_kept()
def _view_statements(caller: _Caller, tab: str, sort: str, filters: tuple[bool, ...]) -> tuple[Select, Select]:
    statement = _filtered(_tab(_bound(caller), tab), *filters)
    page = (statement.with_only_columns(*ROW_COLUMNS).order_by(*SORTS[sort], HumanTask.id)
            .offset(bindparam("offset", type_=Integer())).limit(bindparam("limit", type_=Integer())))
    return statement.with_only_columns(func.count()), page


@_kept()
def _counters(caller: _Caller) -> Select:
    scope = _bound(caller)
    # Each open task's terms are computed once, in a subquery that OFFSET 0 keeps PostgreSQL from flattening:
    # otherwise every counter would test the candidate groups again (twice the time at 50,000 open tasks).
    task_terms = _terms(scope)
    each = _open(scope).with_only_columns(*(getattr(task_terms, name).label(name) for name in _Terms._fields)
                                          ).offset(0).subquery()
    terms = _Terms(*(each.c[name] for name in _Terms._fields))
    conditions = [_tab_condition(scope, tab, terms) for tab in tabs_for(scope)]
    counters = [func.count() if condition is None else func.count().filter(condition) for condition in conditions]
    return select(*counters, func.count().filter(_new(scope, terms)))


@_kept()
def _new_tasks(caller: _Caller) -> Select:
    scope = _bound(caller)
    return _open(scope).with_only_columns(func.count()).where(_new(scope))


def new_tasks(session: Session, scope: Scope) -> int:
    """How many tasks of the caller's own tabs appeared since he last opened the inbox."""
    return session.scalar(_new_tasks(_caller(scope)), view_values(scope, None, clock.now())) or 0


def mark_seen(session: Session, username: str, now: datetime) -> None:
    """Remember that `username` opened the inbox at `now` (the «new» tasks are those created later): one upsert, so
    two first visits at once do not collide."""
    statement = dialect_insert(session)(InboxVisit).values(username=username, seen_at=now)
    session.execute(statement.on_conflict_do_update(index_elements=["username"], set_={"seen_at": now}))
    session.commit()


def sla(due_at: datetime | None, now: datetime | None = None) -> str | None:
    """overdue | today | soon | on_time (None without a due date); «today» is the business day in Novosibirsk."""
    if due_at is None:
        return None
    now = now or clock.now()
    due = due_at if due_at.tzinfo else due_at.replace(tzinfo=UTC)  # SQLite gives back naive UTC
    if due < now:
        return "overdue"
    if due.astimezone(clock.BUSINESS_TZ).date() == now.astimezone(clock.BUSINESS_TZ).date():
        return "today"
    return "soon" if due - now <= SOON else "on_time"


def may_claim(scope: Scope, task: HumanTask) -> bool:
    """A candidate (by group or by name) or a manager may take an open task."""
    return (bool(scope.groups & set(task.candidate_groups or ())) or scope.username in (task.candidate_users or ())
            or is_manager(scope))


def claim_tasks(session: Session, task_ids: list[str], scope: Scope) -> tuple[list[str], list[str]]:
    """Claim each task for the caller; returns (claimed, refused) — a task someone holds is refused, not an error."""
    claimed, refused = [], []
    for task_id in task_ids:
        try:
            task = task_or_404(session, task_id, scope)
            if not may_claim(scope, task):
                raise NotAllowed(f"{scope.username} is not a candidate of task {task_id}")
            instances.claim_task(session, task_id, scope.username or "", scope=scope)
            claimed.append(task_id)
        except (Conflict, Forbidden, NotAllowed, NotFound):
            session.rollback()
            refused.append(task_id)
    return claimed, refused


def claim(session: Session, task_id: str, scope: Scope) -> None:
    """Take one task for the caller."""
    task = task_or_404(session, task_id, scope)
    if not may_claim(scope, task):
        raise NotAllowed(N_("Задача не относится к вашим группам"))
    instances.claim_task(session, task_id, scope.username or "", scope=scope)


def unclaim(session: Session, task_id: str, scope: Scope) -> None:
    """Return a task to its group: its assignee or a manager may."""
    task = task_or_404(session, task_id, scope)
    if task.assignee != scope.username and not is_manager(scope):
        raise NotAllowed(N_("Вернуть в группу может только исполнитель или руководитель"))
    instances.unclaim_task(session, task_id, scope=scope)


def assign(session: Session, task_id: str, assignee: str, scope: Scope) -> None:
    """A manager gives a task to a colleague; one of another partner is refused by the engine
    (`assignees.OtherPartner`)."""
    task_or_404(session, task_id, scope)
    if not is_manager(scope):
        raise NotAllowed(N_("Назначать задачи может только руководитель"))
    instances.set_assignee(session, task_id, assignee, scope=scope)


def may_complete(scope: Scope, task: HumanTask) -> bool:
    return task.status == "open" and task.assignee is not None and task.assignee == scope.username


def next_task(session: Session, scope: Scope, instance_id: str) -> str | None:
    """An open task of the same instance that the caller holds or could claim: the page «Завершить» leads to."""
    statement = scope.restrict(select(HumanTask), HumanTask.partner_id).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "open")
    for task in session.scalars(statement.order_by(HumanTask.priority.desc(), HumanTask.created_at)):
        if task.assignee == scope.username or (task.assignee is None and may_claim(scope, task)):
            return task.id
    return None


def history(session: Session, instance_id: str, scope: Scope) -> list[AuditEvent]:
    """The audit events of an instance, oldest first."""
    statement = scope.restrict(select(AuditEvent), AuditEvent.partner_id).where(AuditEvent.instance_id == instance_id)
    return list(session.scalars(statement.order_by(AuditEvent.at, AuditEvent.id)))


def comments(session: Session, instance_id: str, scope: Scope) -> list[TaskComment]:
    statement = (scope.restrict(select(TaskComment), TaskComment.partner_id)
                 .where(TaskComment.instance_id == instance_id))
    return list(session.scalars(statement.order_by(TaskComment.at, TaskComment.id)))


def add_comment(session: Session, task_id: str, body: str, scope: Scope) -> TaskComment:
    """Store a plain-text comment on a task the caller sees."""
    task = task_or_404(session, task_id, scope)
    body = body.strip()
    if not body:
        raise InvalidInput(N_("Комментарий пуст"))
    if len(body) > MAX_COMMENT:
        raise InvalidInput(texts.Text("Комментарий длиннее %(most)s символов", most=MAX_COMMENT))
    comment = TaskComment(task_id=task.id, instance_id=task.instance_id, partner_id=task.partner_id,
                          author=scope.username or "system", body=body)
    session.add(comment)
    session.commit()
    return comment


def attachments(session: Session, instance_id: str, scope: Scope) -> list[TaskAttachment]:
    """The files attached to the tasks of an instance, oldest first."""
    statement = (scope.restrict(select(TaskAttachment), TaskAttachment.partner_id)
                 .where(TaskAttachment.instance_id == instance_id))
    return list(session.scalars(statement.order_by(TaskAttachment.uploaded_at, TaskAttachment.id)))


def attachment_or_404(session: Session, attachment_id: int, scope: Scope) -> TaskAttachment:
    attachment = session.get(TaskAttachment, attachment_id)
    if attachment is None or not scope.allows(attachment.partner_id):
        raise NotFound(f"attachment {attachment_id} does not exist")
    return attachment


def add_attachment(session: Session, task_id: str, scope: Scope, *, filename: str, content_type: str, size: int,
                   sha256: str, path: str) -> TaskAttachment:
    """Record a file already stored by content hash as an attachment of a task the caller sees."""
    task = task_or_404(session, task_id, scope)
    attachment = TaskAttachment(task_id=task.id, instance_id=task.instance_id, partner_id=task.partner_id,
                                filename=filename[:255], content_type=content_type, size=size, sha256=sha256,
                                path=path, uploaded_by=scope.username or "system")
    session.add(attachment)
    session.commit()
    return attachment


_SAVED_FILTERS = (select(SavedFilter.id, SavedFilter.name, SavedFilter.query)
                  .where(SavedFilter.owner == bindparam("owner")).order_by(SavedFilter.name))


def saved_filters(session: Session, owner: str) -> list[Row]:
    """The saved filters of `owner` by name: rows of id, name and query (the query string of the view)."""
    return list(session.execute(_SAVED_FILTERS, {"owner": owner}))


def save_filter(session: Session, owner: str, name: str, query: str) -> SavedFilter:
    """Save (or overwrite) the named filter of `owner`."""
    name = name.strip()[:100]
    if not name:
        raise InvalidInput(N_("Укажите название фильтра"))
    saved = session.scalar(select(SavedFilter).where(SavedFilter.owner == owner, SavedFilter.name == name))
    if saved is None:
        saved = SavedFilter(owner=owner, name=name, query=query[:1000])
        session.add(saved)
    saved.query = query[:1000]
    session.commit()
    return saved


def delete_filter(session: Session, owner: str, filter_id: int) -> None:
    """Delete one of `owner`'s saved filters; `NotFound` for another user's or a missing one."""
    deleted = session.execute(delete(SavedFilter).where(SavedFilter.id == filter_id, SavedFilter.owner == owner))
    if deleted.rowcount != 1:
        session.rollback()
        raise NotFound(f"saved filter {filter_id} does not exist")
    session.commit()


_PROCESS_NAMES = select(ProcessDefinition.id, ProcessDefinition.key, ProcessDefinition.name).order_by(
    ProcessDefinition.version)


def process_names(session: Session) -> dict[str, str]:
    """Process key → the name of its latest version (the choices of the «Процесс» filter); it also fills the cache
    of `version_names`."""
    rows = session.execute(_PROCESS_NAMES).all()
    _version_names.remember({definition_id: name or key for definition_id, key, name in rows})
    return {key: name or key for _id, key, name in rows}


class _VersionNames:
    """Display names per process version. A deployed version never changes (its id carries a uuid), so a cached
    name never goes stale; the least recently used ones make room past `size`. Thread-safe: gunicorn threads share
    it."""

    def __init__(self, size: int = 1024) -> None:
        self._names: LRUCache[str, str] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get(self, session: Session, definition_ids: Iterable[str]) -> dict[str, str]:
        wanted = set(definition_ids)
        with self._lock:
            found = {i: self._names[i] for i in wanted if i in self._names}
        missing = wanted - found.keys()
        if missing:
            rows = session.execute(_PROCESS_NAMES.where(ProcessDefinition.id.in_(sorted(missing))))
            read = {definition_id: name or key for definition_id, key, name in rows}
            self.remember(read)
            found.update(read)
        return found

    def remember(self, names: dict[str, str]) -> None:
        with self._lock:
            self._names.update(names)


_version_names = _VersionNames()


def version_names(session: Session, definition_ids: Iterable[str]) -> dict[str, str]:
    """Definition id → the display name of that process version (for the «Процесс» column and the task page):
    read from the database once per version, then from memory."""
    return _version_names.get(session, definition_ids)


def deployed_form(session: Session, form_ref: str) -> bytes | None:
    """The latest deployed `<form_ref>.form` (Camunda Modeler deploys forms with the diagrams), or None."""
    return session.scalar(
        select(Resource.content).join(Deployment, Deployment.id == Resource.deployment_id)
        .where(Resource.name == f"{form_ref}.form").order_by(Deployment.deployed_at.desc()).limit(1))


# -- the tabs ----------------------------------------------------------------------------------------------------


def _open(scope: Scope) -> Select:
    return scope.restrict(select(HumanTask), HumanTask.partner_id).where(HumanTask.status == "open")


def _offered(scope: Scope) -> ColumnElement[bool]:
    """Unclaimed and offered to one of the caller's groups or to the caller by name (`camunda:candidateUsers`)."""
    offers = [lists(HumanTask.candidate_groups, group) for group in sorted(scope.groups)]
    if scope.username is not None:
        offers.append(list_matches(HumanTask.candidate_users, _NAMED))
    if not offers:
        return false()
    return HumanTask.assignee.is_(None) & or_(*offers)


class _Terms(NamedTuple):
    """What the tabs are made of: the task is the caller's, it is offered to him, its due and creation times."""

    mine: ColumnElement[bool]
    offered: ColumnElement[bool]
    due_at: ColumnElement
    created_at: ColumnElement


def _terms(scope: Scope) -> _Terms:
    return _Terms(HumanTask.assignee == _name(scope), _offered(scope), HumanTask.due_at, HumanTask.created_at)


def _name(scope: Scope):
    """The caller's name in a statement (its bound parameter), or '' for a caller without one."""
    return "" if scope.username is None else scope.username


def _tab_condition(scope: Scope, tab: str, terms: _Terms | None = None) -> ColumnElement[bool] | None:
    """What puts an open task of the scope on `tab` at the moment `_NOW` (None: every open task of the scope), in
    `terms` of the task or of a subquery that computed them."""
    mine, offered, due_at, _created_at = terms or _terms(scope)
    if tab == "mine":
        return mine
    if tab == "group":
        return offered
    if tab == "overdue":
        return due_at < _NOW if is_manager(scope) else (due_at < _NOW) & or_(mine, offered)
    return None  # «Все задачи» of the scope


def _new(scope: Scope, terms: _Terms | None = None) -> ColumnElement[bool]:
    """Mine or offered to me, and created after my last visit of the inbox (every such task before the first)."""
    mine, offered, _due_at, created_at = terms or _terms(scope)
    seen = select(InboxVisit.seen_at).where(InboxVisit.username == _name(scope)).scalar_subquery()
    return or_(mine, offered) & (created_at > func.coalesce(seen, datetime(1970, 1, 1)))


def _tab(scope: Scope, tab: str) -> Select:
    condition = _tab_condition(scope, tab)
    statement = _open(scope)
    return statement if condition is None else statement.where(condition)


def _filtered(statement: Select, process: bool, due_from: bool, due_to: bool, priority: bool, text: bool) -> Select:
    """`statement` with the filters that are set, their values bound."""
    if process:
        statement = statement.where(HumanTask.definition_key == _PROCESS)
    if due_from:
        statement = statement.where(HumanTask.due_at >= _DUE_FROM)
    if due_to:
        statement = statement.where(HumanTask.due_at < _DUE_TO)
    if priority:
        statement = statement.where(HumanTask.priority >= _PRIORITY)
    if text:
        statement = statement.where(or_(HumanTask.business_key.ilike(_PATTERN, escape="\\"),
                                        HumanTask.name.ilike(_PATTERN, escape="\\"),
                                        HumanTask.instance_id.in_(task_search.matching_instances(_SEARCH))))
    return statement


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=clock.BUSINESS_TZ).astimezone(UTC)


def describe(query: InboxQuery) -> dict[str, Any]:
    """The non-default parts of a query (for links that keep the filters)."""
    default = InboxQuery()
    return {name: getattr(query, name) for name in InboxQuery.__dataclass_fields__
            if getattr(query, name) != getattr(default, name)}
