"""Fixtures of the web tests: seeded demo users and Basic credentials."""

from __future__ import annotations

import base64

import pytest

from identity.seed import seed_demo


@pytest.fixture
def users(session):
    return seed_demo(session)


def basic(username: str, password: str | None = None) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password or username}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
