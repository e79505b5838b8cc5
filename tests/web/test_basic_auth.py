"""HTTP Basic authentication of /engine-rest and /api: throttled per (username, address) as the sign-in form is."""

from __future__ import annotations

import time_machine
from sqlalchemy import func, select

from db import utcnow
from identity.models import LoginAttempt
from tests.web.conftest import basic
from tests.web.worklist.support import sign_in


def test_five_failures_refuse_the_username_from_that_address_with_401_even_with_the_right_password(client, users):
    for _ in range(5):
        assert client.get("/engine-rest/version", headers=basic("uk_lawyer", "wrong")).status_code == 401
    throttled = client.get("/engine-rest/version", headers=basic("uk_lawyer"))
    assert throttled.status_code == 401 and throttled.json["type"] == "AuthenticationException"
    assert throttled.headers["WWW-Authenticate"] == 'Basic realm="engine-rest"'
    duplicates = "/api/clients/duplicates?inn=5406123456"
    assert client.get(duplicates, headers=basic("uk_lawyer")).status_code == 401
    assert client.get(duplicates, headers=basic("uk_accountant")).status_code == 200  # another username is not held
    with time_machine.travel(utcnow().timestamp() + 16 * 60):
        assert client.get("/engine-rest/version", headers=basic("uk_lawyer")).status_code == 200


def test_an_unknown_username_is_counted_as_a_known_one_is(client, users):
    for _ in range(5):
        assert client.get("/engine-rest/version", headers=basic("nobody", "wrong")).status_code == 401
    assert sign_in(client, "nobody", "wrong").status_code == 429
    assert client.get("/engine-rest/version", headers=basic("demo")).status_code == 200


def test_a_success_clears_the_failures_before_it(client, users):
    for _ in range(4):
        assert client.get("/engine-rest/version", headers=basic("uk_lawyer", "wrong")).status_code == 401
    assert client.get("/engine-rest/version", headers=basic("uk_lawyer")).status_code == 200
    for _ in range(4):
        assert client.get("/engine-rest/version", headers=basic("uk_lawyer", "wrong")).status_code == 401
    assert client.get("/engine-rest/version", headers=basic("uk_lawyer")).status_code == 200


def test_requests_with_the_right_credentials_write_no_attempts(client, session, users):
    for _ in range(3):
        assert client.get("/engine-rest/version", headers=basic("uk_lawyer")).status_code == 200
    assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_failures_through_basic_auth_and_the_sign_in_form_count_together(client, users):
    for _ in range(3):
        assert client.get("/engine-rest/version", headers=basic("uk_lawyer", "wrong")).status_code == 401
    for _ in range(2):
        assert sign_in(client, "uk_lawyer", "wrong").status_code == 401
    assert sign_in(client, "uk_lawyer").status_code == 429
    assert client.get("/engine-rest/version", headers=basic("uk_lawyer")).status_code == 401
