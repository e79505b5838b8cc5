"""Partner scoping over every route that returns a partner's data — clients, account statements, documents, receipts,
routing plans, missed pickups and volumes, tasks, instances, jobs, attachments; lists and details, /api, /engine-rest
and the HTML pages. One world of partner «east» rows is built per database; for each route its own user sees the row
(so the walk proves something) and «west»'s operator gets 404 for a detail and a list without the row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from billing.models import Account
from clients.registry import create_client
from db import Base
from documents.receipts import bulk_receipts
from documents.registry import render_document
from documents.samples import SAMPLES
from documents.storage import FileStore
from engine import instances, worklist
from engine.deployment import deploy
from engine.models import HumanTask, Job
from engine.scope import Scope
from routing.day_plan import plan_partner_day
from routing.pickups import record_pickups
from routing.plan import PlanSettings
from tests.conftest import DIAGRAMS, empty_pg_tables, make_test_app
from tests.routing.conftest import build_fleet
from tests.web.conftest import basic
from tests.web.test_api_clients import COMPANY
from tests.web.worklist.support import REMINDER, FreshContextClient, deploy_demo_regulation, sign_in
from web.extensions import db
from web.rules import deploy_rules

DAY = "2026-12-02"
KEY = "ЛС-СКОП-1"
OWNER, FOREIGNER = "partner_operator", "west_operator"


@dataclass(frozen=True)
class Route:
    """A route, how to call it, and whether a response shows the east row (`sees(response, rows)`)."""

    path: str
    kind: str  # "detail": a foreigner gets 404; "list": 200 without the row
    sees: Callable[[object, dict], bool]
    session: bool = False  # the HTML worklist (session cookie) instead of HTTP Basic


def _text(response) -> str:
    return response.get_data(as_text=True)


def _has_key(response, rows) -> bool:
    return KEY in _text(response)


def _ok(response, rows) -> bool:
    return response.status_code == 200


def _json_ids(field: str, row: str) -> Callable[[object, dict], bool]:
    return lambda response, rows: any(str(item.get(field)) == str(rows[row]) for item in response.json)


ROUTES = [
    # tasks and instances
    Route("/inbox.json?tab=group", "list", _has_key, session=True),
    Route("/inbox?tab=group", "list", _has_key, session=True),
    Route("/", "list", _has_key, session=True),
    Route("/tasks/{task_id}", "detail", _has_key, session=True),
    Route("/tasks/{task_id}/form.json", "detail", _ok, session=True),
    Route("/attachments/{attachment_id}", "detail", _ok, session=True),
    Route("/engine-rest/task", "list", _json_ids("id", "task_id")),
    Route("/engine-rest/task?processInstanceBusinessKey=" + KEY, "list", _json_ids("id", "task_id")),
    Route("/engine-rest/task/count", "list", lambda response, rows: response.json["count"] > 0),
    Route("/engine-rest/task/{task_id}", "detail", _ok),
    Route("/engine-rest/task/{task_id}/form-variables", "detail", _ok),
    Route("/engine-rest/process-instance", "list", _json_ids("id", "instance_id")),
    Route("/engine-rest/process-instance/count", "list", lambda response, rows: response.json["count"] > 0),
    Route("/engine-rest/process-instance/{instance_id}", "detail", _ok),
    Route("/engine-rest/process-instance/{instance_id}/variables", "detail", _ok),
    Route("/engine-rest/process-instance/{instance_id}/variables/debt", "detail", _ok),
    Route("/engine-rest/history/process-instance", "list", _json_ids("id", "instance_id")),
    Route("/engine-rest/history/process-instance/{instance_id}", "detail", _ok),
    Route("/engine-rest/external-task", "list", _json_ids("id", "job_id")),
    Route("/engine-rest/external-task/{job_id}", "detail", _ok),
    Route("/engine-rest/incident", "list", _json_ids("id", "incident_id")),
    # clients, accounts
    Route("/api/clients/{client_id}", "detail", _ok),
    Route("/api/clients/duplicates?inn=7707083893", "list", _json_ids("client_id", "client_id")),
    Route("/api/accounts/{account_id}/statement?on=2026-04-30", "detail", _ok),
    # documents and receipts
    Route("/api/documents/{document_id}", "detail", _ok),
    Route("/api/documents/{document_id}/file", "detail", _ok),
    Route("/api/receipts/5400000001/2026-3.pdf", "detail", _ok),
    # routing
    Route("/api/routing/plans/" + DAY, "detail", _ok),
    Route("/routing/" + DAY, "list", lambda response, rows: "А123ВС154" in _text(response), session=True),
    Route("/api/routing/missed?day=" + DAY, "list", _json_ids("site_id", "missed_site_id")),
    Route("/api/routing/volumes?start=2026-12-01&end=2026-12-03", "list", _json_ids("site_id", "site_id")),
]


def _build_east(app, session, tmp_path) -> dict[str, object]:
    """One row of each kind for the partner east."""
    fleet = build_fleet(session)  # the demo users and partners, trucks and sites
    deploy_demo_regulation(app, session)
    east = fleet.east
    record = instances.start_process(session, "debtor_claim", dict(REMINDER), business_key=KEY, partner_id=east)
    task_id = session.scalar(select(HumanTask.id).where(HumanTask.instance_id == record.id))
    app.config["ATTACHMENTS_DIR"] = tmp_path / "attachments"
    stored = FileStore(tmp_path / "attachments").put(b"%PDF-1.4 scoping", ".pdf")
    attachment = worklist.add_attachment(
        session,
        task_id,
        Scope(OWNER, east),
        filename="a.pdf",
        content_type="application/pdf",
        size=stored.size,
        sha256=stored.sha256,
        path=stored.path,
    )
    app.config["EXTERNAL_TOPICS"] = ["crm.sync"]
    deploy(session, {"crm_sync.bpmn": (DIAGRAMS / "crm_sync.bpmn").read_bytes()}, name="crm", rules=deploy_rules(app))
    external = instances.start_process(
        session, "crm_sync", {"inn": "7707083893", "client": "ООО «Ромашка»"}, business_key=KEY, partner_id=east
    )
    job_id = session.scalar(select(Job.id).where(Job.instance_id == external.id))
    failing = instances.start_process(
        session, "crm_sync", {"inn": "7707083893", "client": "ООО «Ромашка»"}, business_key=KEY, partner_id=east
    )
    incident_id = session.scalar(select(Job.id).where(Job.instance_id == failing.id))
    session.execute(text("UPDATE job SET status = 'incident', error_message = 'x' WHERE id = :id"), {"id": incident_id})
    client = create_client(session, east, {k: v for k, v in COMPANY.items() if k != "contacts"})
    account = Account(
        number="2000001",
        partner_id=east,
        client_id=client.id,
        client_type="ЮЛ",
        method="per_resident",
        residents=1,
        norm_name="residents",
        tariff_name="novosibirsk_oblast.population",
        opened_on=date(2026, 1, 1),
    )
    session.add(account)
    session.commit()
    app.config["DOCUMENTS_DIR"] = tmp_path / "documents"
    store = FileStore(app.config["DOCUMENTS_DIR"])
    document = render_document(session, store, "act", SAMPLES["act"](), partner_id=east, on=date(2026, 3, 31))
    bulk_receipts(
        session,
        store,
        [SAMPLES["receipt"](account="5400000001")],
        key="scoping",
        period=date(2026, 3, 1),
        partner_id=east,
    )
    plan_partner_day(session, east, date(2026, 12, 2), temperature=Decimal(10), settings=PlanSettings(time_limit_s=0.3))
    site_id = fleet.sites[1].id
    record_pickups(
        session,
        east,
        [
            {
                "uuid": "6f1c2a34-1111-4b7e-9d7b-0a1b2c3d4e5f",
                "site_id": site_id,
                "collected": True,
                "containers": 2,
                "volume_m3": "1.5",
                "at": "2026-12-02T09:15:00+07:00",
            },
            {
                "uuid": "6f1c2a34-2222-4b7e-9d7b-0a1b2c3d4e5f",
                "site_id": fleet.sites[2].id,
                "collected": False,
                "containers": 0,
                "reason": "broken_container",
                "at": "2026-12-02T10:15:00+07:00",
            },
        ],
        recorded_by="crew",
    )
    session.commit()
    return {
        "task_id": task_id,
        "instance_id": record.id,
        "attachment_id": attachment.id,
        "job_id": job_id,
        "incident_id": incident_id,
        "client_id": client.id,
        "account_id": account.id,
        "document_id": document.id,
        "site_id": site_id,
        "missed_site_id": fleet.sites[2].id,
    }


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request, tmp_path_factory):
    """An app with the east rows, built once per database kind for the whole walk."""
    tmp_path = tmp_path_factory.mktemp("scoping")
    url = (
        f"sqlite:///{tmp_path / 'test.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("pg_database")
    )
    app = make_test_app(url)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        rows = _build_east(app, db.session, tmp_path)
        db.session.remove()
        app.test_client_class = FreshContextClient
        yield app, rows
        db.session.remove()
        if request.param == "postgresql":
            empty_pg_tables(db.engine)
        db.engine.dispose()


def _get(app, route: Route, username: str, rows: dict):
    client = app.test_client()
    if route.session:
        sign_in(client, username)
    headers = {} if route.session else basic(username)
    return client.get(route.path.format(**rows), headers=headers)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.path)
def test_a_partner_user_never_sees_another_partners_rows(world, route):
    app, rows = world
    own = _get(app, route, OWNER, rows)
    assert own.status_code == 200 and route.sees(own, rows), f"{OWNER} should see the row at {route.path}"
    foreign = _get(app, route, FOREIGNER, rows)
    if route.kind == "detail":
        assert foreign.status_code == 404
    else:
        assert foreign.status_code == 200 and not route.sees(foreign, rows)
    body = _text(foreign)
    assert KEY not in body and "900.00" not in body and "7707083893" not in body


# GET endpoints that return no partner's rows, or only to УК roles (a partner user is refused them outright).
NOT_PARTNER_DATA = {
    "home.healthz": "health check",
    "metrics.metrics": "aggregate counters",
    "auth.login": "sign-in page",
    "static": "static files",
    "api.openapi.document": "the API's description",
    "admin.users": "admins only",
    "admin.partners": "admins only",
    "admin.edit": "admins only",
    "bulk_receipts.index": "УК roles only",
    "bulk_receipts.account": "УК roles only",
    "bulk_receipts.download": "УК roles only",
    "engine_rest.version": "the engine's version",
}
SHARED_PREFIXES = ("engine_rest.process_definitions.", "engine_rest.decisions.", "engine_rest.deployments.")


def test_the_walk_covers_every_get_route_that_returns_partner_data(world):
    """A new GET route must be walked here or named as not partner data."""
    app, rows = world
    adapter = app.url_map.bind("localhost")
    walked = {adapter.match(route.path.split("?")[0].format(**rows), method="GET")[0] for route in ROUTES}
    missing = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.endpoint not in walked | set(NOT_PARTNER_DATA)
        and not rule.endpoint.startswith(SHARED_PREFIXES)
    )
    assert not missing, f"walk these routes for partner scoping: {missing}"


def test_the_uk_sees_every_partners_rows(world):
    app, rows = world
    for route in ROUTES:
        response = _get(app, route, "demo", rows)
        assert response.status_code == 200 and route.sees(response, rows), route.path
