"""The task page: the form and its server-side validation, «Завершить» and the next task, conflicts, context,
the documents the instance rendered, history and comments."""

from __future__ import annotations

import re

from sqlalchemy import select

from documents.samples import SAMPLES
from engine import instances
from engine.models import HumanTask
from engine.operators import registry
from engine.scope import Scope
from tests.web.worklist.support import (
    CLAIM,
    REMINDER,
    csrf_token,
    deploy_contractor_check,
    partner_id,
    post,
    sign_in,
    start_contractor_check,
    start_debtor,
)

CLIENT = {"client_name": "ООО «Ромашка»", "inn": "7707083893", "address": "г. Новосибирск, ул. Ленина, 5",
          "contract_number": "Д-2026/117"}


def complete(client, task_id: str, data: dict):
    return client.post(f"/tasks/{task_id}/complete", json={"data": data},
                       headers={"X-CSRFToken": csrf_token(client, "/inbox"), "Accept": "application/json"})


def test_the_form_comes_prefilled_from_the_task_variables(app, client, session, regulation):
    deploy_contractor_check(session, app)
    task_id = start_contractor_check(session, "east", "Д-1")
    sign_in(client, "partner_operator")
    form = client.get(f"/tasks/{task_id}/form.json").json
    assert form["schema"]["id"] == "contractor_requisites" and form["data"]["client_name"] == "ООО «Ромашка»"
    assert form["readOnly"] is True  # not claimed yet
    post(client, f"/tasks/{task_id}/claim")
    assert client.get(f"/tasks/{task_id}/form.json").json["readOnly"] is False


def test_an_invalid_inn_never_completes_and_comes_back_as_a_russian_field_error(app, client, session, regulation):
    deploy_contractor_check(session, app)
    task_id = start_contractor_check(session, "east", "Д-1")
    sign_in(client, "partner_operator")
    post(client, f"/tasks/{task_id}/claim")
    answer = complete(client, task_id, {"inn": "7707083894", "amount": "abc"})
    assert answer.status_code == 422
    assert answer.json["errors"] == {"inn": ["Неверная контрольная сумма ИНН"], "amount": ["Введите число"]}
    assert answer.json["errorsById"]["Field_inn"] == ["Неверная контрольная сумма ИНН"]
    session.expire_all()
    assert session.get(HumanTask, task_id).status == "open"


def test_completing_leads_to_the_next_task_when_the_same_user_may_take_it(app, client, session, regulation):
    deploy_contractor_check(session, app)
    task_id = start_contractor_check(session, "east", "Д-1")
    sign_in(client, "demo")  # every role: the lawyer's step is hers too
    post(client, f"/tasks/{task_id}/claim")
    answer = complete(client, task_id, {"inn": "7707083893", "amount": 1500.5, "client_name": "подмена"})
    assert answer.status_code == 200
    following = answer.json["next"]
    assert following and answer.json["redirect"] == f"/tasks/{following}"
    assert session.get(HumanTask, following).name == "Согласовать договор"
    variables = instances.task_variables(session, following, scope=Scope())
    assert variables["inn"] == "7707083893" and variables["client_name"] == "ООО «Ромашка»"
    assert "Задача «Проверить реквизиты клиента» завершена" in client.get(f"/tasks/{following}").get_data(as_text=True)


def test_the_operator_goes_back_to_the_inbox_and_the_lawyer_gets_the_next_step(app, client, session, regulation):
    deploy_contractor_check(session, app)
    task_id = start_contractor_check(session, "east", "Д-1")
    sign_in(client, "partner_operator")
    post(client, f"/tasks/{task_id}/claim")
    answer = complete(client, task_id, {"inn": "7707083893", "amount": 100})
    assert answer.json == {"next": None, "redirect": "/inbox"}
    post(client, "/logout")
    sign_in(client, "uk_lawyer")
    assert "Согласовать договор" in client.get("/inbox?tab=group").get_data(as_text=True)


def test_a_task_completed_meanwhile_is_a_clear_conflict(app, client, session, regulation):
    deploy_contractor_check(session, app)
    task_id = start_contractor_check(session, "east", "Д-1")
    sign_in(client, "partner_operator")
    post(client, f"/tasks/{task_id}/claim")
    instances.complete_task(session, task_id, {"inn": "7707083893", "amount": 1}, scope=Scope())
    answer = complete(client, task_id, {"inn": "7707083893", "amount": 1})
    assert answer.status_code == 409 and "другой сотрудник" in answer.json["error"]


def test_only_the_assignee_completes(app, client, session, regulation):
    deploy_contractor_check(session, app)
    task_id = start_contractor_check(session, "east", "Д-1")
    sign_in(client, "partner_operator")
    answer = complete(client, task_id, {"inn": "7707083893", "amount": 1})
    assert answer.status_code == 409 and answer.json["error"] == "Сначала возьмите задачу в работу"


def test_a_completion_without_the_csrf_header_is_rejected(app, client, session, regulation):
    deploy_contractor_check(session, app)
    task_id = start_contractor_check(session, "east", "Д-1")
    sign_in(client, "partner_operator")
    post(client, f"/tasks/{task_id}/claim")
    answer = client.post(f"/tasks/{task_id}/complete", json={"data": {"inn": "7707083893", "amount": 1}})
    assert answer.status_code == 400
    assert session.get(HumanTask, task_id).status == "open"


def test_the_page_shows_context_history_and_escaped_comments(client, session, regulation):
    task_id = start_debtor(session, "east", "ЛС-42")
    sign_in(client, "uk_lawyer")
    post(client, f"/tasks/{task_id}/claim")
    post(client, f"/tasks/{task_id}/comments", {"body": "<script>alert(1)</script> проверено"})
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "1\u00a0790,38\u00a0₽" in page  # the penalty (a Decimal), as money
    assert "10.02.2026" in page  # due_date, as a Russian date
    assert "Процесс запущен" in page and "Задача взята в работу" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; проверено" in page and "<script>alert(1)" not in page
    assert 'id="complete"' in page


def test_a_manager_assigns_a_task_to_a_colleague_of_the_partner(client, session, regulation):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_manager")
    post(client, f"/tasks/{task_id}/assign", {"assignee": "west_operator"})
    assert session.scalar(select(HumanTask.assignee).where(HumanTask.id == task_id)) is None
    post(client, f"/tasks/{task_id}/assign", {"assignee": "agent"})
    session.expire_all()
    assert session.get(HumanTask, task_id).assignee == "agent"


def context_of(page: str) -> list[tuple[str, str]]:
    """The (term, value) pairs of the task page's context card, in order."""
    card = page[page.index('id="context"'):]
    return re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", card[:card.index("</section>")])


def test_the_context_shows_the_client_the_contract_and_the_amounts_as_money(client, session, regulation):
    task_id = start_debtor(session, "east", "ЛС-42", {**CLAIM, **CLIENT})
    sign_in(client, "uk_lawyer")
    context = context_of(client.get(f"/tasks/{task_id}").get_data(as_text=True))
    assert context[:7] == [
        ("Клиент", "ООО «Ромашка»"), ("Тип клиента", "ЮЛ"), ("ИНН", "7707083893"),
        ("Адрес", "г. Новосибирск, ул. Ленина, 5"), ("Договор", "Д-2026/117"),
        ("Долг", "50\u00a0000,00\u00a0₽"),  # a text variable, shown as money because it is an amount
        ("Пени", "1\u00a0790,38\u00a0₽"),  # the penalty service task's Decimal
    ]
    others = dict(context)
    assert others["<code>due_date</code>"] == "10.02.2026" and others["<code>stage</code>"] == "claim"
    assert "<code>client_name</code>" not in others and "<code>debt</code>" not in others


def test_a_document_the_instance_rendered_is_linked_and_another_partner_gets_404(app, client, session, regulation,
                                                                                  tmp_path):
    app.config["DOCUMENTS_DIR"] = tmp_path / "documents"
    east = partner_id(session, "east")
    claim = {"kind": "claim", "data": SAMPLES["claim"](), "partner_id": east, "on": "2026-03-31"}
    rendered = registry.call("documents.render", claim, idempotency_key="job-1")
    unrelated = registry.call("documents.render", claim, idempotency_key="job-2")
    # what a documents.render service task leaves in the instance: {"document_id": …, "document_number": "1-П/26"}
    task_id = start_debtor(session, "east", "ЛС-42", {**CLAIM, **rendered})
    link = f"/tasks/{task_id}/documents/{rendered['document_id']}"
    sign_in(client, "partner_manager")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert f'<a href="{link}">Претензия № 1-П/26</a>' in page and "31.03.2026" in page
    assert "<code>document_id</code>" not in page
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "inline" in pdf.headers["Content-Disposition"]  # opens in the browser's viewer
    assert client.get(f"/tasks/{task_id}/documents/{unrelated['document_id']}").status_code == 404  # not this one's
    post(client, "/logout")
    sign_in(client, "west_operator")
    assert client.get(link).status_code == 404
    api = client.get(f"/api/documents/{rendered['document_id']}/file", auth=("west_operator", "west_operator"))
    assert api.status_code == 404  # the registry's own route refuses him too
