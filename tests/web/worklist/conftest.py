"""Fixtures of the worklist's web tests: a client with an app context per request, the demo regulation."""

from __future__ import annotations

import pytest

from engine.deployment import deploy
from identity.seed import seed_demo
from tests.web.worklist.support import PROJECT, FreshContextClient
from web.rules import deploy_rules


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def regulation(app, session):
    """Demo users and the demo regulation with its forms, deployed."""
    seed_demo(session)
    files = {p.name: p.read_bytes() for p in (PROJECT / "processes").iterdir() if p.suffix in (".bpmn", ".dmn")}
    files.update({p.name: p.read_bytes() for p in (PROJECT / "forms").glob("*.form")})
    deploy(session, files, name="demo", rules=deploy_rules(app))
    return files
