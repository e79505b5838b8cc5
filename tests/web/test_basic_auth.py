"""HTTP Basic authentication of /engine-rest and /api: throttled per (username, address) as the sign-in form is."""

from __future__ import annotations

import time_machine
from sqlalchemy import func, select

from db import utcnow
from identity.models import LoginAttempt
from tests.conftest import make_test_app
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


def test_behind_a_trusted_proxy_each_client_is_counted_at_its_own_address(app, users):
    """With REGLAMENT_PROXY_HOPS=1 (nginx in front) the address is the client's from X-Forwarded-For: one client's
    failures do not throttle the same account used from another address, as they would at the proxy's address."""
    proxied = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], PROXY_HOPS=1).test_client()

    def version(address: str, password: str | None = None) -> int:
        headers = {**basic("uk_lawyer", password), "X-Forwarded-For": address}
        return proxied.get("/engine-rest/version", headers=headers).status_code

    assert [version("203.0.113.7", "wrong") for _ in range(5)] == [401] * 5
    assert version("203.0.113.7") == 401  # the guesser's address is held back
    assert version("10.0.0.5") == 200  # the worker's is not
