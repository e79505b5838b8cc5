"""Sign-in and sign-out: argon2 credentials, one message for every failure, throttling, CSRF, cookies, audit."""

from __future__ import annotations

import time_machine
from sqlalchemy import select

from db import utcnow
from engine.models import AuditEvent
from identity.administration import update_user
from identity.models import User
from identity.seed import seed_demo
from tests.web.worklist.support import csrf_token, post, sign_in

WRONG = "Неверное имя пользователя или пароль"


def test_a_partner_operator_signs_in_and_lands_in_the_inbox(client, session):
    seed_demo(session)
    response = sign_in(client, "partner_operator")
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    page = client.get("/inbox").get_data(as_text=True)
    assert "Мои задачи" in page and "Задачи группы" in page and "Все задачи" not in page


def test_the_session_cookie_is_http_only_and_same_site_lax(client, session):
    seed_demo(session)
    cookie = sign_in(client, "uk_lawyer").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_a_wrong_password_and_an_unknown_user_get_the_same_message(client, session):
    seed_demo(session)
    wrong_password = sign_in(client, "uk_lawyer", "nope")
    unknown_user = sign_in(client, "nobody", "nope")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert WRONG in wrong_password.get_data(as_text=True) and WRONG in unknown_user.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302


def test_a_post_without_the_csrf_token_is_rejected_and_does_nothing(client, session):
    seed_demo(session)
    refused = client.post("/login", data={"username": "uk_lawyer", "password": "uk_lawyer"})
    assert refused.status_code == 400 and "Форма устарела" in refused.get_data(as_text=True)
    forged = client.post("/login", data={"username": "uk_lawyer", "password": "uk_lawyer", "csrf_token": "forged"})
    assert forged.status_code == 400
    assert client.get("/inbox").status_code == 302  # still signed out
    sign_in(client, "uk_lawyer")
    assert client.post("/logout").status_code == 400
    assert client.get("/inbox").status_code == 200  # still signed in


def test_the_basic_auth_apis_need_no_csrf_token(client, session):
    from tests.web.conftest import basic
    seed_demo(session)
    response = client.post("/engine-rest/process-definition/key/nope/start", json={}, headers=basic("demo"))
    assert response.status_code == 404  # reached the API: not a CSRF refusal


def test_five_failures_throttle_the_username_from_that_address_even_with_the_right_password(client, session):
    seed_demo(session)
    for _ in range(5):
        assert sign_in(client, "uk_lawyer", "wrong").status_code == 401
    throttled = sign_in(client, "uk_lawyer")
    assert throttled.status_code == 429 and "Слишком много неудачных попыток" in throttled.get_data(as_text=True)
    assert sign_in(client, "uk_accountant").status_code == 302  # another username is not affected
    with time_machine.travel(utcnow().timestamp() + 16 * 60):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
        assert sign_in(client, "uk_lawyer").status_code == 302


def test_each_sign_in_writes_an_audit_event(client, session):
    seed_demo(session)
    sign_in(client, "partner_operator")
    event = session.scalar(select(AuditEvent).where(AuditEvent.kind == "user_signed_in"))
    assert event.actor == "partner_operator" and event.partner_id is not None and event.detail["address"]


def test_signing_out_ends_the_session(client, session):
    seed_demo(session)
    sign_in(client, "uk_lawyer")
    assert post(client, "/logout").status_code == 302
    assert client.get("/inbox").status_code == 302


def test_an_expired_session_asks_to_sign_in_again(client, session):
    seed_demo(session)
    with time_machine.travel(utcnow().timestamp()):
        sign_in(client, "uk_lawyer")
    with time_machine.travel(utcnow().timestamp() + 13 * 3600):
        response = client.get("/inbox")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
        assert "сеанс истёк" in client.get("/login").get_data(as_text=True)


def test_changing_the_password_ends_other_sessions(client, session):
    seed_demo(session)
    sign_in(client, "uk_lawyer")
    user = session.scalar(select(User).where(User.username == "uk_lawyer"))
    update_user(session, user.id, roles=["uk_lawyer"], full_name=user.full_name, email=None, partner_id=None,
                active=True, password="a-new-password")
    assert client.get("/inbox").status_code == 302


def test_deactivating_a_user_ends_his_sessions(client, session):
    seed_demo(session)
    sign_in(client, "uk_lawyer")
    user = session.scalar(select(User).where(User.username == "uk_lawyer"))
    update_user(session, user.id, roles=["uk_lawyer"], full_name=user.full_name, email=None, partner_id=None,
                active=False)
    assert client.get("/inbox").status_code == 302


def test_a_role_given_to_a_signed_in_user_counts_from_his_next_request(client, session):
    seed_demo(session)
    sign_in(client, "partner_operator")
    assert "Все задачи" not in client.get("/inbox").get_data(as_text=True)
    user = session.scalar(select(User).where(User.username == "partner_operator"))
    update_user(session, user.id, roles=["partner_operator", "partner_manager"], full_name=user.full_name,
                email=None, partner_id=user.partner_id, active=True)
    assert "Все задачи" in client.get("/inbox").get_data(as_text=True)


def test_json_requests_of_a_signed_out_user_get_401(client, session):
    response = client.get("/inbox.json")
    assert response.status_code == 401 and response.json == {"error": "Требуется вход"}


def test_the_next_parameter_never_leads_off_site(client, session):
    seed_demo(session)
    response = client.post("/login", data={"username": "uk_lawyer", "password": "uk_lawyer", "next": "//evil.example",
                                           "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/inbox"


def test_english_is_one_click_away_and_russian_is_the_default(client, session):
    seed_demo(session)
    sign_in(client, "uk_lawyer")
    assert "Мои задачи" in client.get("/inbox").get_data(as_text=True)
    post(client, "/locale", {"locale": "en", "next": "/inbox"})
    page = client.get("/inbox").get_data(as_text=True)
    assert "My tasks" in page and 'lang="en"' in page
