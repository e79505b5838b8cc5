"""Fixtures of the worklist's web tests: a client with an app context per request, the demo regulation."""

from __future__ import annotations

import pytest

from tests.web.worklist.support import FreshContextClient, deploy_demo_regulation


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def regulation(app, session):
    """Demo users and the demo regulation with its forms, deployed."""
    return deploy_demo_regulation(app, session)
