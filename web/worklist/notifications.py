"""E-mail to the people a task was given to — by the diagram's `camunda:assignee`, a claim on someone's behalf, a
manager's assignment (UI, /engine-rest) — or escalated to (a boundary timer created a task for a supervisor group:
its members are told). It listens on `engine.dispatch`, so it only ever hears of committed transactions: a step that
rolled back mails nobody.

Mails are in Russian whatever the UI language of whoever caused them; the link is built on REGLAMENT_BASE_URL (the
scheduler and the workers have no request to take a host from). SMTP is configured by REGLAMENT_SMTP_HOST (empty:
no mail), REGLAMENT_SMTP_PORT, REGLAMENT_SMTP_FROM, REGLAMENT_SMTP_USER / REGLAMENT_SMTP_PASSWORD and
REGLAMENT_SMTP_STARTTLS. Sending never raises: a mail server that is down costs a log line, never the step.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
from sqlalchemy import or_, select

from engine import assignees, dispatch, worklist
from engine.models import HumanTask, ProcessDefinition
from identity.models import User, UserRole
from web.extensions import db
from web.worklist.locale import local_time

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
EXTENSION = "worklist_notifications"
ASSIGNING = ("task_claimed", "task_assigned")


def init_app(app: Flask) -> None:
    """Let the committed steps of `app`'s use cases send their mails."""
    app.extensions[EXTENSION] = True
    dispatch.add_listener(committed)


def committed(events: list[dict]) -> None:
    """The after-commit listener: mail the assignees and the escalation groups these events name."""
    if not has_app_context() or EXTENSION not in current_app.extensions or not current_app.config.get("SMTP_HOST"):
        return
    messages, processes = [], {}  # the process names of this batch, each read once
    for event in events:
        assignee, actor = event["detail"].get("assignee"), event["actor"]
        if event["kind"] in ASSIGNING and assignee and assignee != actor:
            messages += task_assigned(event["task_id"], assignee, actor, processes)
        elif event["kind"] == "task_created":
            messages += task_created(event["task_id"], actor, escalated=bool(event["detail"].get("escalated")),
                                     processes=processes)
    if messages:
        deliver(messages)


def task_assigned(task_id: str, assignee: str, actor: str | None,
                  processes: dict[str, str] | None = None) -> list[EmailMessage]:
    """The mail to `assignee` of a task just given to him («просроченная» when it is overdue already);
    `processes` memoises the process names of one batch of mails."""
    task = db.session.get(HumanTask, task_id)
    user = _user(assignee, task) if task is not None else None
    if task is None or user is None or task.status != "open":
        return []
    process = _process_name(task, {} if processes is None else processes)
    return [_message(user, _assigned_subject(task, worklist.sla(task.due_at) == "overdue"), task, process, actor)]


def task_created(task_id: str, actor: str | None, *, escalated: bool,
                 processes: dict[str, str] | None = None) -> list[EmailMessage]:
    """A new task: its assignee from the diagram is told; an escalated one without assignee goes to its groups
    (the process name read once for all of them)."""
    task = db.session.get(HumanTask, task_id)
    if task is None:
        return []
    processes = {} if processes is None else processes
    if task.assignee:
        user = _user(task.assignee, task) if task.assignee != actor else None
        if user is None:
            return []
        return [_message(user, _assigned_subject(task, escalated), task, _process_name(task, processes), actor)]
    if not escalated:
        return []
    members = _members(task)
    if not members:
        return []
    subject = f"Эскалация: задача «{task.name}» передана вашей группе"
    process = _process_name(task, processes)
    return [_message(user, subject, task, process, actor, group=True) for user in members]


def _process_name(task: HumanTask, processes: dict[str, str]) -> str:
    """The name of the task's process version (its key without one), read once per batch into `processes`."""
    if task.definition_id not in processes:
        name = db.session.scalar(select(ProcessDefinition.name).where(ProcessDefinition.id == task.definition_id))
        processes[task.definition_id] = name or task.definition_key
    return processes[task.definition_id]


def _assigned_subject(task: HumanTask, overdue: bool) -> str:
    return f"Вам передана просроченная задача: {task.name}" if overdue else f"Вам назначена задача: {task.name}"


def deliver(messages: list[EmailMessage]) -> int:
    """Send the messages over one SMTP connection; how many went (a failure is logged, never raised)."""
    config = current_app.config
    sent = 0
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=TIMEOUT_SECONDS) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            for message in messages:
                smtp.send_message(message)
                sent += 1
    except (OSError, smtplib.SMTPException):
        log.warning("could not send %d of %d mail(s)", len(messages) - sent, len(messages), exc_info=True)
    return sent


def task_link(task_id: str) -> str:
    """The task page's address under REGLAMENT_BASE_URL."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build("tasks.show", {"task_id": task_id}, force_external=True)


def _message(user: User, subject: str, task: HumanTask, process: str, actor: str | None, *,
             group: bool = False) -> EmailMessage:
    lines = [
        f"Здравствуйте, {user.full_name or user.username}!",
        "",
        (
            f"Задача «{task.name}» не выполнена в срок и передана группе «{', '.join(task.candidate_groups or ())}»."
            if group
            else f"{subject}."
        ),
        "",
        f"Процесс: {process}",
        f"Экземпляр процесса: {task.instance_id}",
        f"Бизнес-ключ: {task.business_key or '—'}",
        f"Срок: {local_time(task.due_at)} (время новосибирское)" if task.due_at else "Срок: не установлен",
    ]
    if actor and not group:
        lines.append(f"Назначил: {actor}")
    lines += ["", f"Открыть задачу: {task_link(task.id)}"]
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = current_app.config["SMTP_FROM"], user.email, subject
    message.set_content("\n".join(lines))
    return message


def _user(username: str, task: HumanTask) -> User | None:
    """The active user with an e-mail who may see the task (its partner's, or the УК's)."""
    user = db.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None or not user.email or not assignees.may_hold(user.partner_id, task.partner_id):
        return None
    return user


def _members(task: HumanTask) -> list[User]:
    """Active users with an e-mail in one of the task's candidate groups (or named candidates) of its partner —
    or of the УК, whose users see every partner."""
    groups, named = list(task.candidate_groups or ()), list(task.candidate_users or ())
    offered = [User.username.in_(named)] if named else []
    if groups:
        offered.append(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(groups))))
    if not offered:
        return []
    statement = select(User).where(User.active.is_(True), User.email.is_not(None), User.email != "", or_(*offered))
    if task.partner_id is not None:
        statement = statement.where(or_(User.partner_id == task.partner_id, User.partner_id.is_(None)))
    else:
        statement = statement.where(User.partner_id.is_(None))
    return list(db.session.scalars(statement.order_by(User.username)))
