"""Partner scoping, route × role: every GET route that takes the id of a partner-scoped task or instance answers
404 to a user of another partner — in the UI (session), in /engine-rest and in /api (Basic) — and 200 to the
partner's own user. A new GET route with an argument must be added here (or to NOT_PARTNER_SCOPED)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from documents.storage import FileStore
from engine import instances, worklist
from engine.deployment import deploy
from engine.models import HumanTask, Job
from engine.scope import Scope
from tests.web.conftest import basic
from tests.web.worklist.support import PROJECT, REMINDER, csrf_token, partner_id, post, sign_in, start_debtor
from web.rules import deploy_rules

# Arguments that are not partner-scoped rows, or rows of domain modules whose own tests walk their scoping.
NOT_PARTNER_SCOPED = {
    "filename": "static files", "key": "definitions are shared by all partners",
    "deployment_id": "deployments are shared", "definition_id": "definitions are shared",
    "user_id": "admin pages (admins only, see test_admin_pages_are_for_admins_only)",
}
# Not walked here yet (their rows need their own fixtures): documents, clients, accounts (domain APIs); routing's
# day plans are walked in test_api_routing.py and test_route_map.py.
OWNED_ELSEWHERE = {"document_id", "client_id", "account_id", "account", "year", "month", "day"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.arguments:
            yield rule


def _fill(rule, rows: dict[str, str]) -> str | None:
    """The route's path with each argument filled by the row of its own kind (a task id for task_id, …)."""
    values = {**rows, "name": "debt"}
    if set(rule.arguments) & (set(NOT_PARTNER_SCOPED) | OWNED_ELSEWHERE):
        return None
    unknown = set(rule.arguments) - set(values)
    assert not unknown, f"route {rule.rule} takes {unknown}: add it to the scoping walk"
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda argument: values[argument.group(1)], rule.rule)


def _walk(app, client, username: str, rows: dict[str, str]) -> dict[str, tuple[int, str]]:
    sign_in(client, username)
    answers = {}
    for rule in _routes(app):
        path = _fill(rule, rows)
        if path is not None:
            headers = basic(username) if path.startswith(("/engine-rest", "/api")) else {}
            response = client.get(path, headers=headers)
            answers[path] = (response.status_code, response.get_data(as_text=True))
    post(client, "/logout")
    return answers


def _east_rows(app, session, tmp_path) -> dict[str, str]:
    """One row of each partner-scoped kind, all of the partner east: a task, its instance, an attachment of it,
    and the job of an external task."""
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    instance_id = session.scalar(select(HumanTask.instance_id).where(HumanTask.id == task_id))
    app.config["ATTACHMENTS_DIR"] = tmp_path / "attachments"
    stored = FileStore(tmp_path / "attachments").put(b"%PDF-1.4 test", ".pdf")
    attachment = worklist.add_attachment(session, task_id, Scope("partner_operator", partner_id(session, "east")),
                                         filename="a.pdf", content_type="application/pdf", size=stored.size,
                                         sha256=stored.sha256, path=stored.path)
    app.config["EXTERNAL_TOPICS"] = ["crm.sync"]
    deploy(session, {"crm_sync.bpmn": (PROJECT / "tests" / "diagrams" / "crm_sync.bpmn").read_bytes()},
           name="crm", rules=deploy_rules(app))
    external = instances.start_process(session, "crm_sync", {"inn": "7707083893", "client": "ООО «Ромашка»"},
                                       partner_id=partner_id(session, "east"))
    job_id = session.scalar(select(Job.id).where(Job.instance_id == external.id))
    return {"task_id": task_id, "instance_id": instance_id, "attachment_id": str(attachment.id), "job_id": job_id}


@pytest.mark.parametrize("foreigner", ["west_operator"])
def test_every_get_route_with_an_id_hides_another_partners_rows(app, client, session, regulation, foreigner,
                                                                tmp_path):
    rows = _east_rows(app, session, tmp_path)
    own = _walk(app, client, "partner_operator", rows)
    foreign = _walk(app, client, foreigner, rows)
    assert {p for p in own if p.startswith("/tasks/")} and {p for p in own if p.startswith("/engine-rest")}
    assert {"/engine-rest/task/{task_id}/form-variables".format(**rows), f"/attachments/{rows['attachment_id']}",
            f"/engine-rest/external-task/{rows['job_id']}"} <= set(own)
    for path, (status, _body) in own.items():
        assert status == 200, f"partner_operator got {status} from {path}"
    for path, (status, body) in foreign.items():
        assert status == 404, f"{foreigner} got {status} from {path}"
        assert "ЛС-1" not in body and "900.00" not in body


def test_the_partners_own_user_sees_the_same_routes(client, session, regulation):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    assert client.get(f"/tasks/{task_id}").status_code == 200
    assert client.get(f"/tasks/{task_id}/form.json").status_code == 200
    assert client.get(f"/engine-rest/task/{task_id}", headers=basic("partner_operator")).status_code == 200


def test_another_partners_user_cannot_act_on_the_task_either(client, session, regulation):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "west_operator")
    for action in ("claim", "unclaim", "comments"):
        assert post(client, f"/tasks/{task_id}/{action}", {"body": "x"}).status_code == 404
    assert client.post(f"/tasks/{task_id}/complete", json={"data": {}},
                       headers={"X-CSRFToken": _token(client)}).status_code == 404
    page = client.get("/inbox?tab=group").get_data(as_text=True)
    assert "ЛС-1" not in page


def test_admin_pages_are_for_admins_only(client, session, regulation):
    sign_in(client, "partner_manager")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/1").status_code == 403


def _token(client) -> str:
    return csrf_token(client, "/inbox")


def _assignee(session, task_id: str) -> str | None:
    session.expire_all()
    return session.scalar(select(HumanTask.assignee).where(HumanTask.id == task_id))


def test_a_task_is_never_given_to_another_partners_user_through_the_engine_api(client, session, regulation):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    for action in ("claim", "assignee"):
        for manager in ("partner_manager", "manager"):  # the partner's manager and the УК's: the same refusal
            answer = client.post(f"/engine-rest/task/{task_id}/{action}", json={"userId": "west_operator"},
                                 headers=basic(manager))
            assert answer.status_code == 403 and answer.json["type"] == "AuthorizationException"
            assert answer.json["message"] == "Исполнитель работает у другого партнёра"
    assert _assignee(session, task_id) is None
    answer = client.post(f"/engine-rest/task/{task_id}/assignee", json={"userId": "agent"},
                         headers=basic("partner_manager"))
    assert answer.status_code == 204 and _assignee(session, task_id) == "agent"


def test_a_uk_wide_task_is_never_given_to_a_partners_user_through_the_engine_api(client, session, regulation):
    task_id = start_debtor(session, None, "ЛС-УК", REMINDER)
    for action in ("claim", "assignee"):
        answer = client.post(f"/engine-rest/task/{task_id}/{action}", json={"userId": "partner_operator"},
                             headers=basic("manager"))
        assert answer.status_code == 403 and answer.json["message"] == "Исполнитель работает у другого партнёра"
    assert _assignee(session, task_id) is None
    answer = client.post(f"/engine-rest/task/{task_id}/claim", json={"userId": "uk_lawyer"}, headers=basic("manager"))
    assert answer.status_code == 204 and _assignee(session, task_id) == "uk_lawyer"


def test_the_task_page_refuses_another_partners_claim_and_assignee(client, session, regulation):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "west_operator")
    assert post(client, f"/tasks/{task_id}/claim").status_code == 404  # not even visible to him
    post(client, "/logout")
    sign_in(client, "manager")  # the УК's manager sees every partner's task, and still may not give it west
    answer = post(client, f"/tasks/{task_id}/assign", {"assignee": "west_operator"})
    assert answer.status_code == 302 and _assignee(session, task_id) is None
    assert "Исполнитель работает у другого партнёра" in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    uk_task = start_debtor(session, None, "ЛС-УК", REMINDER)
    post(client, f"/tasks/{uk_task}/assign", {"assignee": "partner_operator"})
    assert _assignee(session, uk_task) is None
    post(client, f"/tasks/{task_id}/assign", {"assignee": "partner_operator"})
    assert _assignee(session, task_id) == "partner_operator"


def test_the_inbox_bulk_claim_refuses_another_partners_tasks(client, session, regulation):
    east_task = start_debtor(session, "east", "ЛС-1", REMINDER)
    west_task = start_debtor(session, "west", "ЛС-2", REMINDER)
    sign_in(client, "west_operator")
    page = post(client, "/inbox/claim", {"task_id": [east_task, west_task]}, follow_redirects=True)
    assert "взять не удалось" in page.get_data(as_text=True)
    assert _assignee(session, east_task) is None and _assignee(session, west_task) == "west_operator"
