"""E-mail when a task is given to someone or escalated: a real SMTP server (aiosmtpd) in-process, sent after the
commit (never for a step that rolled back), and a mail server that is down never undoes the assignment."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import event, select, update

from db import utcnow
from engine import assignees, clock, instances, store, timers
from engine.deployment import deploy
from engine.models import AuditEvent, HumanTask
from identity.models import User, UserRole
from tests.conftest import DIAGRAMS
from tests.web.conftest import basic
from tests.web.worklist.support import REMINDER, partner_id, post, sign_in, start_debtor
from web.extensions import db
from web.rules import deploy_rules
from web.worklist import notifications
from web.worklist.locale import local_time


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


def test_an_overdue_task_given_to_someone_is_announced_as_escalated(client, session, regulation, smtp, agent_email):
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


# -- the diagram's assignee, the APIs, escalation, rollback ------------------------------------------------------


@pytest.fixture
def act_check(app, session, regulation):
    """The test diagram: «Проверить акт установки» assigned to agent, due in a day; when a day passes a boundary
    timer gives «Разобрать просроченную проверку» to the partner_manager group. Mail addresses for the people."""
    deploy(
        session,
        {"assignment_escalation.bpmn": (DIAGRAMS / "assignment_escalation.bpmn").read_bytes()},
        name="act",
        rules=deploy_rules(app),
    )
    west_manager = User(
        username="west_manager",
        full_name="Западный руководитель",
        password_hash="x",
        partner_id=partner_id(session, "west"),
        email="west.manager@example.ru",
    )
    west_manager.roles.append(UserRole(role="partner_manager"))
    session.add(west_manager)
    for username in ("agent", "partner_manager", "partner_operator"):
        session.execute(update(User).where(User.username == username).values(email=f"{username}@example.ru"))
    session.commit()
    app.config["BASE_URL"] = "https://reglament.example.ru/app"


def _start_act(session, business_key: str = "АКТ-7") -> tuple[str, str]:
    record = instances.start_process(
        session, "act_check", {}, business_key=business_key, partner_id=partner_id(session, "east")
    )
    task_id = session.scalar(select(HumanTask.id).where(HumanTask.instance_id == record.id))
    return record.id, task_id


def test_the_assignee_named_by_the_diagram_gets_a_mail_with_the_task_key_due_date_and_link(session, smtp, act_check):
    instance_id, task_id = _start_act(session)
    [message] = smtp.messages
    assert smtp.committed_assignees == ["agent"]  # the task was committed before the mail went
    body = message.get_content()
    due = session.scalar(select(HumanTask.due_at).where(HumanTask.id == task_id))
    assert message["To"] == "agent@example.ru"
    assert message["Subject"] == "Вам назначена задача: Проверить акт установки"
    assert "Процесс: Проверка акта установки" in body and f"Экземпляр процесса: {instance_id}" in body
    assert "Бизнес-ключ: АКТ-7" in body and f"Срок: {local_time(due)}" in body
    assert f"https://reglament.example.ru/app/tasks/{task_id}" in body


def test_a_manager_claiming_for_a_colleague_through_the_api_mails_the_colleague(client, session, smtp, act_check):
    _instance, task_id = _start_act(session)
    instances.unclaim_task(session, task_id)
    smtp.messages.clear()
    answer = client.post(
        f"/engine-rest/task/{task_id}/claim", json={"userId": "partner_operator"}, headers=basic("partner_manager")
    )
    assert answer.status_code == 204
    assert [(m["To"], m["Subject"]) for m in smtp.messages] == [
        ("partner_operator@example.ru", "Вам назначена задача: Проверить акт установки")
    ]
    assert "Назначил: partner_manager" in smtp.messages[0].get_content()


def test_claiming_through_the_api_for_oneself_mails_nobody(client, session, smtp, act_check):
    _instance, task_id = _start_act(session)
    instances.unclaim_task(session, task_id)
    smtp.messages.clear()
    answer = client.post(
        f"/engine-rest/task/{task_id}/claim", json={"userId": "partner_operator"}, headers=basic("partner_operator")
    )
    assert answer.status_code == 204 and smtp.messages == []


def test_delegation_through_the_api_mails_the_new_assignee(client, session, smtp, act_check):
    _instance, task_id = _start_act(session)
    smtp.messages.clear()
    answer = client.post(
        f"/engine-rest/task/{task_id}/assignee", json={"userId": "partner_operator"}, headers=basic("partner_manager")
    )
    assert answer.status_code == 204
    assert [m["To"] for m in smtp.messages] == ["partner_operator@example.ru"]


def test_an_overdue_task_escalated_by_the_boundary_timer_mails_the_supervisor_group_of_its_partner(
    session, smtp, act_check
):
    _instance, task_id = _start_act(session, "АКТ-9")
    smtp.messages.clear()
    with time_machine.travel(clock.now() + timedelta(days=1, minutes=1), tick=False):
        assert timers.fire_due(session) >= 1  # the demo regulation may have timer start events due as well
    escalated = session.scalar(select(HumanTask).where(HumanTask.task_key == "supervise"))
    assert session.scalar(select(HumanTask.status).where(HumanTask.id == task_id)) == "cancelled"
    # partner_manager of the partner, and demo (УК, every role) has no address; west's manager hears nothing
    assert [m["To"] for m in smtp.messages] == ["partner_manager@example.ru"]
    [message] = smtp.messages
    assert message["Subject"] == "Эскалация: задача «Разобрать просроченную проверку» передана вашей группе"
    assert "группе «partner_manager»" in message.get_content() and "АКТ-9" in message.get_content()
    assert f"/tasks/{escalated.id}" in message.get_content()
    created = session.scalar(
        select(AuditEvent).where(AuditEvent.kind == "task_created", AuditEvent.task_id == escalated.id)
    )
    assert created.detail["escalated"] is True


def test_an_escalation_to_a_group_reads_the_process_name_once_for_all_its_members(session, smtp, act_check):
    for username in ("demo", "uk_lawyer"):  # УК users of the group: they see every partner's tasks
        session.execute(update(User).where(User.username == username).values(email=f"{username}@example.ru"))
    lawyer = session.scalar(select(User).where(User.username == "uk_lawyer"))
    lawyer.roles.append(UserRole(role="partner_manager"))
    session.commit()
    _start_act(session, "АКТ-10")
    smtp.messages.clear()
    names_read = []
    listener = lambda *args: names_read.append(args[2]) if "SELECT process_definition.name" in args[2] else None  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with time_machine.travel(clock.now() + timedelta(days=1, minutes=1), tick=False):
            timers.fire_due(session)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert sorted(m["To"] for m in smtp.messages) == ["demo@example.ru", "partner_manager@example.ru",
                                                      "uk_lawyer@example.ru"]
    assert all("Процесс: " in m.get_content() for m in smtp.messages)
    assert len(names_read) == 1


def test_a_step_that_rolls_back_sends_nothing(session, smtp, act_check, monkeypatch):
    def broken(_session, _events):
        raise RuntimeError("the audit table is gone")

    monkeypatch.setattr(store, "write_events", broken)
    with pytest.raises(RuntimeError):
        _start_act(session)
    monkeypatch.undo()
    assert session.scalar(select(HumanTask.id)) is None
    assert smtp.messages == []


def test_without_a_mail_server_configured_nothing_is_sent_and_the_step_stands(app, session, act_check):
    app.config["SMTP_HOST"] = ""
    _instance, task_id = _start_act(session)
    assert session.scalar(select(HumanTask.assignee).where(HumanTask.id == task_id)) == "agent"


def test_a_task_put_on_another_partners_user_mails_nobody(session, smtp, act_check):
    _instance, task_id = _start_act(session)
    smtp.messages.clear()
    with pytest.raises(assignees.OtherPartner):  # the engine refuses it (the partners wired by create_app)
        instances.set_assignee(session, task_id, "west_manager")
    assert notifications.task_assigned(task_id, "west_manager", None) == []  # and the mail would not go either
    assert smtp.messages == []
