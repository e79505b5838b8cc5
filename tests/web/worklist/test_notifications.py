"""E-mail when a task is given to someone: a real SMTP server (aiosmtpd) in-process, sent after the commit, and a
mail server that is down never undoes the assignment."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from db import utcnow
from engine.models import HumanTask
from identity.models import User
from tests.web.worklist.support import REMINDER, post, sign_in, start_debtor
from web.extensions import db


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it received, with the assignee the database held at that moment."""

    def __init__(self, app) -> None:
        self.app = app
        self.messages = []
        self.committed_assignees = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        # Another connection sees only what was committed: the assignment must be, by the time the mail goes.
        with self.app.app_context(), db.engine.connect() as connection:
            self.committed_assignees += connection.scalars(select(HumanTask.assignee)).all()
        return "250 OK"


@pytest.fixture
def smtp(app):
    inbox = Inbox(app)
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_FROM="reglament@example.ru")
    yield inbox
    controller.stop()


@pytest.fixture
def agent_email(session, regulation):
    session.execute(update(User).where(User.username == "agent").values(email="agent@example.ru"))
    session.commit()


def test_the_assignee_gets_a_mail_when_a_manager_gives_him_a_task(client, session, regulation, smtp, agent_email):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_manager")
    post(client, f"/tasks/{task_id}/assign", {"assignee": "agent"})
    assert session.scalar(select(HumanTask.assignee).where(HumanTask.id == task_id)) == "agent"
    [message] = smtp.messages
    assert smtp.committed_assignees == ["agent"]
    assert message["To"] == "agent@example.ru" and message["From"] == "reglament@example.ru"
    assert message["Subject"] == "Вам назначена задача: Напомнить клиенту о долге"
    assert f"/tasks/{task_id}" in message.get_content() and "ЛС-1" in message.get_content()


def test_an_overdue_task_given_to_someone_is_announced_as_escalated(client, session, regulation, smtp,
                                                                     agent_email):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    session.execute(update(HumanTask).where(HumanTask.id == task_id).values(due_at=utcnow() - timedelta(days=2)))
    session.commit()
    sign_in(client, "partner_manager")
    post(client, f"/tasks/{task_id}/assign", {"assignee": "agent"})
    assert [m["Subject"] for m in smtp.messages] == ["Вам передана просроченная задача: Напомнить клиенту о долге"]


def test_a_mail_server_that_is_down_never_undoes_the_assignment(app, client, session, regulation, agent_email):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port())  # nobody listens there
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_manager")
    answer = post(client, f"/tasks/{task_id}/assign", {"assignee": "agent"}, follow_redirects=True)
    assert answer.status_code == 200 and "Задача назначена" in answer.get_data(as_text=True)
    assert session.scalar(select(HumanTask.assignee).where(HumanTask.id == task_id)) == "agent"


def test_claiming_a_task_for_oneself_sends_no_mail(client, session, regulation, smtp):
    session.execute(update(User).where(User.username == "partner_operator").values(email="op@example.ru"))
    session.commit()
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    post(client, f"/tasks/{task_id}/claim")
    assert smtp.messages == []
