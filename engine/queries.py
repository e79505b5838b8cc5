"""Read-only queries of the engine's tables, each scoped through `Scope.restrict` where rows are partner-scoped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, Text, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import DecisionDefinition, HumanTask, ProcessDefinition, ProcessInstance
from engine.scope import Scope

Definition = TypeVar("Definition", ProcessDefinition, DecisionDefinition)


def latest(session: Session, model: type[Definition], key: str) -> Definition | None:
    """The newest version of the process or decision `key`, or None."""
    return session.scalar(select(model).where(model.key == key).order_by(model.version.desc()).limit(1))


def latest_or_404(session: Session, model: type[Definition], key: str) -> Definition:
    definition = latest(session, model, key)
    if definition is None:
        kind = "process" if model is ProcessDefinition else "decision"
        raise NotFound(f"no {kind} definition with key {key!r}")
    return definition


def definition_or_404(session: Session, model: type[Definition], definition_id: str) -> Definition:
    definition = session.get(model, definition_id)
    if definition is None:
        raise NotFound(f"no definition with id {definition_id!r}")
    return definition


def definitions(session: Session, model: type[Definition], *, key: str | None = None,
                latest_only: bool = False) -> list[Definition]:
    """Definitions ordered by key and version; `latest_only` keeps the newest version of each key."""
    statement = select(model).order_by(model.key, model.version)
    if key is not None:
        statement = statement.where(model.key == key)
    if latest_only:
        newest = select(model.key, func.max(model.version).label("v")).group_by(model.key).subquery()
        statement = statement.join(newest, (model.key == newest.c.key) & (model.version == newest.c.v))
    return list(session.scalars(statement))


def instance_or_404(session: Session, instance_id: str, scope: Scope) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not scope.allows(instance.partner_id):
        raise NotFound(f"process instance {instance_id} does not exist")
    return instance


RUNNING = ("active", "suspended", "failed")


@dataclass(frozen=True)
class InstanceFilter:
    definition_key: str | None = None
    definition_id: str | None = None
    business_key: str | None = None
    statuses: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()


def instances(session: Session, scope: Scope, where: InstanceFilter, *, first: int = 0,
              limit: int | None = None) -> list[ProcessInstance]:
    statement = _instance_query(scope, where).order_by(ProcessInstance.started_at.desc()).offset(first)
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.scalars(statement))


def count_instances(session: Session, scope: Scope, where: InstanceFilter) -> int:
    return session.scalar(select(func.count()).select_from(_instance_query(scope, where).subquery())) or 0


def _instance_query(scope: Scope, where: InstanceFilter) -> Select:
    statement = scope.restrict(select(ProcessInstance), ProcessInstance.partner_id)
    if where.definition_key:
        statement = statement.where(ProcessInstance.definition_key == where.definition_key)
    if where.definition_id:
        statement = statement.where(ProcessInstance.definition_id == where.definition_id)
    if where.business_key:
        statement = statement.where(ProcessInstance.business_key == where.business_key)
    if where.statuses:
        statement = statement.where(ProcessInstance.status.in_(where.statuses))
    if where.ids:
        statement = statement.where(ProcessInstance.id.in_(where.ids))
    return statement


def task_or_404(session: Session, task_id: str, scope: Scope) -> HumanTask:
    task = session.get(HumanTask, task_id)
    if task is None or not scope.allows(task.partner_id):
        raise NotFound(f"task {task_id} does not exist")
    return task


@dataclass(frozen=True)
class TaskFilter:
    assignee: str | None = None
    candidate_group: str | None = None
    instance_id: str | None = None
    definition_key: str | None = None
    business_key: str | None = None
    task_key: str | None = None
    unassigned: bool = False
    status: str = "open"


def tasks(session: Session, scope: Scope, where: TaskFilter, *, first: int = 0,
          limit: int | None = None) -> list[HumanTask]:
    statement = _task_query(scope, where).order_by(HumanTask.priority.desc(), HumanTask.created_at).offset(first)
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.scalars(statement))


def count_tasks(session: Session, scope: Scope, where: TaskFilter) -> int:
    return session.scalar(select(func.count()).select_from(_task_query(scope, where).subquery())) or 0


def _task_query(scope: Scope, where: TaskFilter) -> Select:
    statement = scope.restrict(select(HumanTask), HumanTask.partner_id).where(HumanTask.status == where.status)
    if where.assignee:
        statement = statement.where(HumanTask.assignee == where.assignee)
    if where.unassigned:
        statement = statement.where(HumanTask.assignee.is_(None))
    if where.candidate_group:
        statement = statement.where(lists(HumanTask.candidate_groups, where.candidate_group))
    if where.instance_id:
        statement = statement.where(HumanTask.instance_id == where.instance_id)
    if where.definition_key:
        statement = statement.where(HumanTask.definition_key == where.definition_key)
    if where.business_key:
        statement = statement.where(HumanTask.business_key == where.business_key)
    if where.task_key:
        statement = statement.where(HumanTask.task_key == where.task_key)
    return statement


def lists(column, name: str) -> ColumnElement[bool]:
    """The JSON list `column` of a task (its candidate groups or users) holds `name`: LIKE tests of the list's text
    (`listed`), which the inbox's covering index of the open tasks answers, and PostgreSQL's statistics on that text
    tell how many match. The patterns are written into the statement, so that a prepared plan knows them too."""
    return list_matches(column, [literal(pattern, literal_execute=True) for pattern in listed(name)])


def list_matches(column, patterns) -> ColumnElement[bool]:
    """The text of the JSON list `column` matches one of the LIKE `patterns` (`listed`'s, or parameters bound to
    them)."""
    text = cast(column, Text)
    return or_(*(text.like(pattern, escape="\\") for pattern in patterns))


def listed(name: str) -> tuple[str, str]:
    """The LIKE patterns of `name` as the first element or a later one of a JSON list written by json.dumps. Inside
    an element every quote is escaped, so a bare quote after `[` or `, ` starts one: `x", "uk_lawyer` is not
    mistaken for `uk_lawyer`."""
    element = escape_like(json.dumps(name))
    return "[" + element + "%", "%, " + element + "%"


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
