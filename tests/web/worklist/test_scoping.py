"""Partner scoping of the worklist's task actions: who may claim, assign and complete a task of which partner.
The walk of every route × partner role (404 for another partner's rows) is tests/web/test_partner_scoping.py."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import HumanTask
from tests.web.conftest import basic
from tests.web.worklist.support import REMINDER, csrf_token, post, sign_in, start_debtor


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
