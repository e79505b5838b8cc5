"""Helpers of the worklist tests: sign in through the real form (with its CSRF token), deploy the demo regulation
and start debtor instances for a partner."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select

from engine import instances
from engine.deployment import deploy
from engine.models import HumanTask
from identity.models import Partner
from identity.seed import seed_demo
from web.rules import deploy_rules

PROJECT = Path(__file__).resolve().parents[3]
CLAIM = {"client_type": "ЮЛ", "debt": "50000.00", "due_date": "2026-02-10", "until": "2026-03-31"}
REMINDER = {"client_type": "ФЛ", "debt": "900.00", "due_date": "2026-02-10", "until": "2026-03-31"}


class FreshContextClient(FlaskClient):
    """A test client whose every request gets its own app context (own `g`, own database session), as in
    production: the `app` fixture keeps one context pushed for the whole test, which would otherwise share the
    signed-in user, the CSRF token and the locale cached in `g` between requests."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def sign_in(client, username: str, password: str | None = None):
    """Sign in through the login form; returns the response of the POST."""
    return client.post("/login", data={"username": username, "password": password or username,
                                       "csrf_token": csrf_token(client)})


def post(client, path: str, data: dict | None = None, **kwargs):
    """A POST from a page of the app: carries the session's CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, "/inbox")}, **kwargs)


def partner_id(session, code: str) -> int:
    return session.scalar(select(Partner.id).where(Partner.code == code))


def start_debtor(session, partner: str | None, business_key: str, variables: dict | None = None) -> str:
    """Start debtor_claim for `partner` (code) and return the id of its open task."""
    record = instances.start_process(session, "debtor_claim", dict(variables or CLAIM), business_key=business_key,
                                     partner_id=partner_id(session, partner) if partner else None)
    return session.scalar(select(HumanTask.id).where(HumanTask.instance_id == record.id,
                                                     HumanTask.status == "open"))


DIAGRAMS = Path(__file__).resolve().parent / "diagrams"


def deploy_demo_regulation(app, session) -> dict[str, bytes]:
    """Seed the demo users and deploy the demo regulation with its forms; returns the deployed files."""
    seed_demo(session)
    files = {p.name: p.read_bytes() for p in (PROJECT / "processes").iterdir() if p.suffix in (".bpmn", ".dmn")}
    files.update({p.name: p.read_bytes() for p in (PROJECT / "forms").glob("*.form")})
    deploy(session, files, name="demo", rules=deploy_rules(app))
    return files


def deploy_contractor_check(session, app) -> None:
    """The two-step test regulation: a partner operator checks the ИНН, then a lawyer approves."""
    files = {p.name: p.read_bytes() for p in DIAGRAMS.iterdir() if p.suffix in (".bpmn", ".form")}
    deploy(session, files, name="contractor", rules=deploy_rules(app))


def start_contractor_check(session, partner: str, business_key: str) -> str:
    record = instances.start_process(session, "contractor_check", {"client_name": "ООО «Ромашка»"},
                                     business_key=business_key, partner_id=partner_id(session, partner))
    return session.scalar(select(HumanTask.id).where(HumanTask.instance_id == record.id,
                                                     HumanTask.status == "open"))
