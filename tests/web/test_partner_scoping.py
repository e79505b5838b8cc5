"""Partner scoping, route × role, over every URL rule of the app — /engine-rest, /api and the worklist pages; GET and
the state-changing POST, PUT and DELETE.

One world is built per database: for each partner («east», «west») a set of rows that only foreigners ask for (the
victims: a task, an instance, an attachment, an external task's job, an incident, clients, an account, documents,
a receipt, a day plan with its truck) and, for each partner user, a set of its own. Every partner user
(partner_operator, partner_manager, agent, crew of east; west's operator) asks each route for the other partner's
victim and gets 404 — or the 403 its role gets from that route whatever the id — and the victim is unchanged; then
it asks for its own and is not told 404. Lists leave the other partner's rows out. A route with a path parameter, or
a state-changing one, that is neither walked here nor named as not partner data fails the walk."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from billing.models import Account
from clients.models import Client
from clients.registry import create_client
from db import Base
from documents.receipts import bulk_receipts
from documents.registry import render_document
from documents.samples import SAMPLES
from documents.storage import FileStore
from engine import instances, worklist
from engine.deployment import deploy
from engine.models import HumanTask, Job, ProcessInstance
from engine.scope import OPERATOR_GROUPS, Scope
from engine.worklist_models import TaskAttachment, TaskComment
from identity.roles import PARTNER_ROLES, UK_ROLES
from routing.day_plan import plan_partner_day
from routing.models import Crew, Depot, Truck
from routing.pickups import record_pickups
from routing.plan import PlanSettings
from tests.conftest import DIAGRAMS, empty_pg_tables, make_test_app
from tests.routing.conftest import add_site, build_fleet
from tests.routing.test_route_sheet import CARRIER, CUSTOMER
from tests.web.conftest import basic
from tests.web.test_api_clients import COMPANY
from tests.web.worklist.support import REMINDER, FreshContextClient, csrf_token, deploy_demo_regulation, sign_in
from web.extensions import db
from web.rules import deploy_rules
from web.worklist import route_map

DAY = "2026-12-02"
PDF = b"%PDF-1.4 scoping"
# Every demo user of a partner: username → (partner code, role).
PARTNER_USERS = {**{role: ("east", role) for role in PARTNER_ROLES}, "west_operator": ("west", "partner_operator")}
OTHER = {"east": "west", "west": "east"}
OPERATOR = {"east": "partner_operator", "west": "west_operator"}  # who sees every list row of its partner
CLIENTS = {"east": {"inn": "7707083893", "name": "ООО «Ромашка»"},
           "west": {"inn": "5408123456", "name": "ООО «Лютик»", "address": "г. Новосибирск, ул. Мира, д. 7"}}
RECEIPT_ACCOUNTS = {"east": "5400000001", "west": "5400000002"}
PLATES = {"east": "А123ВС154", "west": "В456ОР154"}
ACCOUNTING = ("uk_accountant", "manager", "admin")  # web/worklist/bulk_receipts.py: its pages are the УК's
INSTANCE_OPERATORS = tuple(OPERATOR_GROUPS)  # engine.scope: who cancels, suspends, edits and retries
NOBODY_HOLDS_IT = "walker"  # a worker id that holds no job: job actions past the lookup stop at 400


@dataclass(frozen=True)
class Call:
    """How to call a route for a row set: `path` and `body(rows, username)` are filled from the rows."""

    method: str
    path: str
    body: Callable[[dict, str], dict] | None = None
    json: bool = False  # a worklist page that takes JSON (with the X-CSRFToken header) instead of a form
    roles: tuple[str, ...] | None = None  # the roles the route serves; the others get 403 whatever the id


def _user_id(rows: dict, username: str) -> dict:
    return {"userId": username}


# Routes whose path names a partner's row, in the order a user walks them: reads, then changes, the delete last.
OBJECT_CALLS = {
    "tasks.show": Call("GET", "/tasks/{task_id}"),
    "tasks.form": Call("GET", "/tasks/{task_id}/form.json"),
    "tasks.document": Call("GET", "/tasks/{task_id}/documents/{document_id}"),
    "attachments.download": Call("GET", "/attachments/{attachment_id}"),
    "bulk_receipts.download": Call("GET", "/receipts/files/{receipt_id}", roles=ACCOUNTING),
    "engine_rest.tasks.get": Call("GET", "/engine-rest/task/{task_id}"),
    "engine_rest.tasks.form_variables": Call("GET", "/engine-rest/task/{task_id}/form-variables"),
    "engine_rest.instances.get": Call("GET", "/engine-rest/process-instance/{instance_id}"),
    "engine_rest.instances.get_variables": Call("GET", "/engine-rest/process-instance/{instance_id}/variables"),
    "engine_rest.instances.get_variable": Call("GET", "/engine-rest/process-instance/{instance_id}/variables/debt"),
    "engine_rest.instances.history_get": Call("GET", "/engine-rest/history/process-instance/{instance_id}"),
    "engine_rest.external_tasks.get": Call("GET", "/engine-rest/external-task/{job_id}"),
    "api.clients.get_client": Call("GET", "/api/clients/{client_id}"),
    "api.billing.account_statement": Call("GET", "/api/accounts/{account_id}/statement?on=2026-04-30"),
    "api.documents.show": Call("GET", "/api/documents/{document_id}"),
    "api.documents.download": Call("GET", "/api/documents/{document_id}/file"),
    "api.documents.receipt": Call("GET", "/api/receipts/{receipt_account}/2026-3.pdf"),
    "api.routing.plan": Call("GET", "/api/routing/plans/{day}?partner_id={partner_id}"),
    "tasks.claim": Call("POST", "/tasks/{task_id}/claim"),
    "tasks.unclaim": Call("POST", "/tasks/{task_id}/unclaim"),
    "tasks.assign": Call("POST", "/tasks/{task_id}/assign", lambda rows, username: {"assignee": username}),
    "tasks.comment": Call("POST", "/tasks/{task_id}/comments", lambda rows, username: {"body": "проверка"}),
    "attachments.upload": Call("POST", "/tasks/{task_id}/attachments",
                               lambda rows, username: {"file": (io.BytesIO(PDF), "a.pdf")}),
    "tasks.complete": Call("POST", "/tasks/{task_id}/complete", lambda rows, username: {"data": {}}, json=True),
    "engine_rest.tasks.claim": Call("POST", "/engine-rest/task/{task_id}/claim", _user_id),
    "engine_rest.tasks.unclaim": Call("POST", "/engine-rest/task/{task_id}/unclaim", lambda rows, username: {}),
    "engine_rest.tasks.assignee": Call("POST", "/engine-rest/task/{task_id}/assignee", _user_id),
    "engine_rest.tasks.complete": Call("POST", "/engine-rest/task/{task_id}/complete",
                                       lambda rows, username: {"variables": {}}),
    "engine_rest.instances.modify_variables": Call(
        "POST", "/engine-rest/process-instance/{instance_id}/variables",
        lambda rows, username: {"modifications": {"note": {"value": "проверка", "type": "String"}}},
        roles=INSTANCE_OPERATORS),
    "engine_rest.instances.suspend": Call("PUT", "/engine-rest/process-instance/{instance_id}/suspended",
                                          lambda rows, username: {"suspended": False}, roles=INSTANCE_OPERATORS),
    "engine_rest.external_tasks.extend_lock": Call(
        "POST", "/engine-rest/external-task/{job_id}/extendLock",
        lambda rows, username: {"workerId": NOBODY_HOLDS_IT, "newDuration": 60_000}),
    "engine_rest.external_tasks.failure": Call(
        "POST", "/engine-rest/external-task/{job_id}/failure",
        lambda rows, username: {"workerId": NOBODY_HOLDS_IT, "errorMessage": "сбой", "retries": 1}),
    "engine_rest.external_tasks.bpmn_error": Call(
        "POST", "/engine-rest/external-task/{job_id}/bpmnError",
        lambda rows, username: {"workerId": NOBODY_HOLDS_IT, "errorCode": "NOT_FOUND"}),
    "engine_rest.external_tasks.complete": Call(
        "POST", "/engine-rest/external-task/{job_id}/complete",
        lambda rows, username: {"workerId": NOBODY_HOLDS_IT, "variables": {}}),
    "engine_rest.external_tasks.unlock": Call("POST", "/engine-rest/external-task/{job_id}/unlock",
                                              lambda rows, username: {}),
    "engine_rest.external_tasks.external_task_retries": Call(
        "PUT", "/engine-rest/external-task/{job_id}/retries", lambda rows, username: {"retries": 1},
        roles=INSTANCE_OPERATORS),
    "engine_rest.external_tasks.job_retries": Call("PUT", "/engine-rest/job/{incident_id}/retries",
                                                   lambda rows, username: {"retries": 1}, roles=INSTANCE_OPERATORS),
    "api.clients.merge_client": Call("POST", "/api/clients/{client_id}/merge",
                                     lambda rows, username: {"duplicate_id": rows["duplicate_id"]}),
    "api.routing.truck_route_sheet": Call("POST", "/api/routing/plans/{day}/trucks/{truck_id}/route-sheet",
                                          lambda rows, username: {"carrier": CARRIER, "customer": CUSTOMER}),
    "engine_rest.instances.delete": Call("DELETE", "/engine-rest/process-instance/{instance_id}",
                                         roles=INSTANCE_OPERATORS),
}


@dataclass(frozen=True)
class Listing:
    """A list: the partner's operator sees the partner's row in it (`sees(response, rows)`); nobody of another
    partner does."""

    path: str
    sees: Callable[[object, dict], bool]
    session: bool = False  # a worklist page (session cookie) instead of HTTP Basic
    roles: tuple[str, ...] | None = None


def _text(response) -> str:
    return response.get_data(as_text=True)


def _has_key(response, rows) -> bool:
    return rows["key"] in _text(response)


def _json_ids(field: str, row: str) -> Callable[[object, dict], bool]:
    return lambda response, rows: any(str(item.get(field)) == str(rows[row]) for item in response.json)


def _counted(response, rows) -> bool:
    return response.json["count"] > 0


LISTINGS = [
    Listing("/inbox.json?tab=group", _has_key, session=True),
    Listing("/inbox?tab=group", _has_key, session=True),
    Listing("/", _has_key, session=True),
    Listing("/routing/{day}?partner_id={partner_id}", lambda response, rows: rows["plate"] in _text(response),
            session=True, roles=route_map.ROLES),
    Listing("/engine-rest/task", _json_ids("id", "task_id")),
    Listing("/engine-rest/task?processInstanceBusinessKey={key}", _json_ids("id", "task_id")),
    Listing("/engine-rest/task/count?processInstanceBusinessKey={key}", _counted),
    Listing("/engine-rest/process-instance", _json_ids("id", "instance_id")),
    Listing("/engine-rest/process-instance/count?businessKey={key}", _counted),
    Listing("/engine-rest/history/process-instance", _json_ids("id", "instance_id")),
    Listing("/engine-rest/external-task", _json_ids("id", "job_id")),
    Listing("/engine-rest/incident", _json_ids("id", "incident_id")),
    Listing("/api/clients/duplicates?inn={inn}", _json_ids("client_id", "client_id")),
    Listing("/api/routing/missed?day={day}", _json_ids("site_id", "missed_site_id")),
    Listing("/api/routing/volumes?start=2026-12-01&end=2026-12-03", _json_ids("site_id", "site_id")),
]


def _pickup(site_id: int, **values) -> dict:
    return {"uuid": str(uuid.uuid4()), "site_id": site_id, "collected": True, "containers": 2, "volume_m3": "1.5",
            "at": "2026-12-02T09:15:00+07:00", **values}


# State-changing routes without a path parameter that take another partner's ids in the body: what they must not do.
BODY_CALLS = {
    "inbox.claim_many": Call("POST", "/inbox/claim", lambda rows, username: {"task_id": [rows["task_id"]]}),
    "api.routing.record_pickups": Call("POST", "/api/routing/pickups", lambda rows, username: {"items": [
        _pickup(rows["site_id"], at="2026-12-03T09:15:00+07:00")]}),
    "api.clients.create_client": Call("POST", "/api/clients", lambda rows, username: {
        **COMPANY, **CLIENTS[PARTNER_USERS[username][0]], "name": f"ООО «{username}»",
        "partner_id": rows["partner_id"], "allow_duplicate": True}),
    "engine_rest.external_tasks.fetch_and_lock": Call("POST", "/engine-rest/external-task/fetchAndLock",
                                                      lambda rows, username: {
        "workerId": f"walker-{username}", "maxTasks": 100,
        "topics": [{"topicName": "crm.sync", "lockDuration": 60_000}]}),
    # one's own client as the survivor, the other partner's as the duplicate to fold into it
    "api.clients.merge_client": Call("POST", "/api/clients/{client_id}/merge",
                                     lambda rows, username: {"duplicate_id": rows["theirs"]["duplicate_id"]}),
}

# Endpoints that take no partner's row, or serve only roles no partner user has (a partner user is refused them
# whatever it asks), or keep rows of one user rather than of a partner.
NOT_PARTNER_DATA = {
    "home.healthz": "health check",
    "metrics.metrics": "aggregate counters",
    "auth.login": "sign-in page",
    "auth.logout": "signing out",
    "auth.switch_locale": "the interface language",
    "static": "static files",
    "api.openapi.document": "the API's description",
    "admin.users": "admins only",
    "admin.create": "admins only",
    "admin.partners": "admins only",
    "admin.edit": "admins only",
    "bulk_receipts.index": "УК roles only",
    "bulk_receipts.start": "УК roles only",
    "bulk_receipts.account": "УК roles only",
    "api.billing.import_statement": "УК roles only",
    "inbox.save_filter": "a user's own saved filters",
    "inbox.delete_filter": "a user's own saved filters: another user's id is 404 (tests/web/worklist/test_inbox.py)",
    "engine_rest.version": "the engine's version",
    "engine_rest.messages.correlate": "takes no id: correlates within the caller's scope (engine.messages)",
}
SHARED_PREFIXES = ("engine_rest.process_definitions.", "engine_rest.decisions.", "engine_rest.deployments.")
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _engine_rows(app, session, partner: dict, key: str, username: str) -> dict[str, object]:
    """A task (its instance names the partner's act as a document it rendered) and another instance of the
    partner, an attachment of the task, an external task's job, an incident."""
    partner_id = partner["partner_id"]
    with_task = instances.start_process(session, "debtor_claim", {**REMINDER, "document_id": partner["document_id"]},
                                        business_key=key, partner_id=partner_id)
    task_id = session.scalar(select(HumanTask.id).where(HumanTask.instance_id == with_task.id))
    instance = instances.start_process(session, "debtor_claim", dict(REMINDER), business_key=key,
                                       partner_id=partner_id)
    stored = FileStore(app.config["ATTACHMENTS_DIR"]).put(PDF, ".pdf")
    attachment = worklist.add_attachment(session, task_id, Scope(username, partner_id), filename="a.pdf",
                                         content_type="application/pdf", size=stored.size, sha256=stored.sha256,
                                         path=stored.path)
    jobs = []
    for _ in range(2):
        external = instances.start_process(session, "crm_sync", {"inn": partner["inn"], "client": "ООО «Ромашка»"},
                                           business_key=key, partner_id=partner_id)
        jobs.append(session.scalar(select(Job.id).where(Job.instance_id == external.id)))
    session.execute(text("UPDATE job SET status = 'incident', error_message = 'x' WHERE id = :id"), {"id": jobs[1]})
    session.commit()
    return {"task_id": task_id, "instance_id": instance.id, "attachment_id": attachment.id, "job_id": jobs[0],
            "incident_id": jobs[1], "key": key}


def _partner_rows(app, session, code: str, partner_id: int, sites: list[int]) -> dict[str, object]:
    """The partner's clients (one and its duplicate), account, act, receipt, day plan (with its truck) and pickups."""
    company = {k: v for k, v in COMPANY.items() if k != "contacts"} | CLIENTS[code]
    client = create_client(session, partner_id, company)
    duplicate = create_client(session, partner_id, company, allow_duplicate=True)
    account = Account(number=f"20000{partner_id:02d}", partner_id=partner_id, client_id=client.id, client_type="ЮЛ",
                      method="per_resident", residents=1, norm_name="residents",
                      tariff_name="novosibirsk_oblast.population", opened_on=date(2026, 1, 1))
    session.add(account)
    session.commit()
    store = FileStore(app.config["DOCUMENTS_DIR"])
    document = render_document(session, store, "act", SAMPLES["act"](), partner_id=partner_id, on=date(2026, 3, 31))
    receipts = bulk_receipts(session, store, [SAMPLES["receipt"](account=RECEIPT_ACCOUNTS[code])],
                             key=f"scoping-{code}", period=date(2026, 3, 1), partner_id=partner_id)
    plan_partner_day(session, partner_id, date.fromisoformat(DAY), temperature=Decimal(10),
                     settings=PlanSettings(time_limit_s=0.3))
    record_pickups(session, Scope(partner_id=partner_id), [
        _pickup(sites[0]),
        _pickup(sites[1], collected=False, containers=0, volume_m3=None, reason="broken_container",
                at="2026-12-02T10:15:00+07:00"),
    ], recorded_by="crew")
    truck = session.scalar(select(Truck.id).where(Truck.partner_id == partner_id))
    return {"partner_id": partner_id, "client_id": client.id, "duplicate_id": duplicate.id,
            "account_id": account.id, "document_id": document.id, "receipt_id": receipts.documents[0],
            "receipt_account": RECEIPT_ACCOUNTS[code], "inn": CLIENTS[code]["inn"], "day": DAY,
            "truck_id": truck, "plate": PLATES[code], "site_id": sites[0], "missed_site_id": sites[1]}


def _add_west_truck(session, west: int) -> None:
    depot = session.scalar(select(Depot.id).where(Depot.partner_id == west))
    truck = Truck(partner_id=west, depot_id=depot, plate=PLATES["west"], model="КАМАЗ 53605 (задняя загрузка)",
                  body_m3=Decimal("20"), compaction=Decimal("5"), shift_start=time(7), shift_end=time(19))
    session.add(truck)
    session.flush()
    session.add(Crew(partner_id=west, truck_id=truck.id, driver="Сидоров Сидор Сидорович"))
    session.commit()


def _build(app, session, tmp_path) -> dict[str, dict]:
    """{"victims": {partner code: rows}, "own": {username: rows}}: the rows foreigners ask for, and each partner
    user's own."""
    fleet = build_fleet(session)  # the demo users and partners, east's truck and sites, a west site
    deploy_demo_regulation(app, session)
    app.config["EXTERNAL_TOPICS"] = ["crm.sync"]
    deploy(session, {"crm_sync.bpmn": (DIAGRAMS / "crm_sync.bpmn").read_bytes()}, name="crm", rules=deploy_rules(app))
    app.config["ATTACHMENTS_DIR"] = tmp_path / "attachments"
    app.config["DOCUMENTS_DIR"] = tmp_path / "documents"
    _add_west_truck(session, fleet.west)
    partners = {"east": fleet.east, "west": fleet.west}
    sites = {"east": [fleet.sites[1].id, fleet.sites[2].id],
             "west": [fleet.west_site.id, add_site(session, fleet.west, 98).id]}
    session.commit()
    domain = {code: _partner_rows(app, session, code, partners[code], sites[code]) for code in partners}
    victims = {code: {**domain[code], **_engine_rows(app, session, domain[code], f"ЛС-СКОП-{code}", OPERATOR[code])}
               for code in partners}
    own = {username: {**domain[code], **_engine_rows(app, session, domain[code], f"ЛС-СКОП-{code}-{username}",
                                                     username)}
           for username, (code, _role) in PARTNER_USERS.items()}
    return {"victims": victims, "own": own}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request, tmp_path_factory):
    """An app with both partners' rows, built once per database kind for the whole walk."""
    tmp_path = tmp_path_factory.mktemp("scoping")
    url = (
        f"sqlite:///{tmp_path / 'test.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("pg_database")
    )
    app = make_test_app(url)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        rows = _build(app, db.session, tmp_path)
        db.session.remove()
        app.test_client_class = FreshContextClient
        yield app, rows
        db.session.remove()
        if request.param == "postgresql":
            empty_pg_tables(db.engine)
        db.engine.dispose()


class Walker:
    """One signed-in user: the session (with its CSRF token) for the worklist pages, Basic for /engine-rest and
    /api."""

    def __init__(self, app, username: str) -> None:
        self.username = username
        self.client = app.test_client()
        sign_in(self.client, username)
        self.token = csrf_token(self.client, "/inbox")

    def call(self, call: Call, rows: dict):
        path = call.path.format(**rows)
        body = call.body(rows, self.username) if call.body else None
        if path.startswith(("/engine-rest", "/api")):
            return self.client.open(path, method=call.method, json=body, headers=basic(self.username))
        if call.method == "GET":
            return self.client.get(path)
        if call.json:
            return self.client.open(path, method=call.method, json=body, headers={"X-CSRFToken": self.token})
        return self.client.open(path, method=call.method, data={**(body or {}), "csrf_token": self.token})

    def get(self, listing: Listing, rows: dict):
        path = listing.path.format(**rows)
        return self.client.get(path, headers={} if listing.session else basic(self.username))


def _serves(roles: tuple[str, ...] | None, role: str) -> bool:
    return roles is None or role in roles


def _victim_state(session, rows: dict) -> tuple:
    """What a foreigner's request could change on the victim rows."""
    session.expire_all()
    task_instance = select(HumanTask.instance_id).where(HumanTask.id == rows["task_id"]).scalar_subquery()
    return (
        session.scalar(select(HumanTask.assignee).where(HumanTask.id == rows["task_id"])),
        session.scalar(select(HumanTask.status).where(HumanTask.id == rows["task_id"])),
        tuple(session.execute(select(ProcessInstance.status, ProcessInstance.version).where(
            ProcessInstance.id == rows["instance_id"])).one()),
        tuple(session.execute(select(Job.status, Job.retries, Job.locked_by).where(
            Job.id.in_([rows["job_id"], rows["incident_id"]])).order_by(Job.id)).all()),
        session.scalar(select(func.count()).select_from(TaskComment).where(TaskComment.instance_id == task_instance)),
        session.scalar(select(func.count()).select_from(TaskAttachment).where(
            TaskAttachment.instance_id == task_instance)),
        session.scalar(select(Client.merged_into_id).where(Client.id == rows["duplicate_id"])),
    )


def _against_the_other_partner(world, username: str):
    """A walker signed in as `username`, the other partner's rows it will ask for, and their state before."""
    app, rows = world
    victim = rows["victims"][OTHER[PARTNER_USERS[username][0]]]
    with app.app_context():
        before = _victim_state(db.session, victim)
    return Walker(app, username), victim, before


@pytest.mark.parametrize("username", PARTNER_USERS)
def test_another_partners_rows_answer_404_on_every_route_and_stay_as_they_were(world, username):
    app, _rows = world
    role = PARTNER_USERS[username][1]
    walker, victim, before = _against_the_other_partner(world, username)
    wrong = []
    for endpoint, call in OBJECT_CALLS.items():
        response = walker.call(call, victim)
        expected = 404 if _serves(call.roles, role) else 403
        body = _text(response)
        if response.status_code != expected or victim["key"] in body or victim["inn"] in body:
            wrong.append(f"{endpoint}: {call.method} {call.path.format(**victim)} → {response.status_code}")
    with app.app_context():
        assert _victim_state(db.session, victim) == before, f"{username} changed another partner's rows"
    assert not wrong, f"{username} ({role}) was not refused another partner's rows with 404:\n" + "\n".join(wrong)


@pytest.mark.parametrize("username", PARTNER_USERS)
def test_a_partner_user_finds_its_own_rows_on_every_route_its_role_may_use(world, username):
    app, rows = world
    _code, role = PARTNER_USERS[username]
    own = rows["own"][username]
    walker = Walker(app, username)
    wrong = []
    for endpoint, call in OBJECT_CALLS.items():
        response = walker.call(call, own)
        status = response.status_code
        if not _serves(call.roles, role):
            ok = status == 403
        elif call.method == "GET":
            ok = status == 200
        else:
            ok = status != 404 and status < 500
        if not ok:
            wrong.append(f"{endpoint}: {call.method} {call.path.format(**own)} → {status} {_text(response)[:200]}")
    assert not wrong, f"{username} ({role}) did not find its own rows:\n" + "\n".join(wrong)


@pytest.mark.parametrize("username", ("demo", *UK_ROLES))
def test_the_uk_roles_read_every_partners_rows(world, username):
    app, rows = world
    walker = Walker(app, username)
    victim = rows["victims"]["east"]
    for endpoint, call in OBJECT_CALLS.items():
        if call.method == "GET":
            expected = 200 if username == "demo" or _serves(call.roles, username) else 403
            assert walker.call(call, victim).status_code == expected, f"{username}: {endpoint}"


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda listing: listing.path)
def test_a_list_shows_a_partners_rows_to_its_users_only(world, listing):
    app, rows = world
    for code, username in OPERATOR.items():
        mine = Walker(app, username).get(listing, rows["victims"][code])
        assert mine.status_code == 200 and listing.sees(mine, rows["victims"][code]), f"{username}: {listing.path}"
    for username, (code, role) in PARTNER_USERS.items():
        theirs = rows["victims"][OTHER[code]]
        response = Walker(app, username).get(listing, theirs)
        if not _serves(listing.roles, role):
            assert response.status_code == 403, f"{username}: {listing.path}"
            continue
        assert response.status_code == 200 and not listing.sees(response, theirs), f"{username}: {listing.path}"
        body = _text(response)
        assert theirs["key"] not in body and theirs["inn"] not in body, f"{username}: {listing.path}"


def test_the_uk_sees_every_partners_rows_in_the_lists(world):
    app, rows = world
    walker = Walker(app, "demo")
    for listing in LISTINGS:
        for code in OTHER:
            response = walker.get(listing, rows["victims"][code])
            assert response.status_code == 200 and listing.sees(response, rows["victims"][code]), listing.path


@pytest.mark.parametrize("username", PARTNER_USERS)
def test_another_partners_ids_in_a_body_change_nothing_of_that_partner(world, username):
    app, rows = world
    walker, victim, before = _against_the_other_partner(world, username)
    claimed = walker.call(BODY_CALLS["inbox.claim_many"], victim)
    assert claimed.status_code == 302
    recorded = walker.call(BODY_CALLS["api.routing.record_pickups"], victim)
    assert recorded.json["items"][0]["errors"] == {"site_id": ["площадка не найдена"]}
    created = walker.call(BODY_CALLS["api.clients.create_client"], victim)
    assert created.status_code == 201 and created.json["partner_id"] == rows["own"][username]["partner_id"]
    locked = walker.call(BODY_CALLS["engine_rest.external_tasks.fetch_and_lock"], victim)
    assert locked.status_code == 200 and not {victim["job_id"], victim["incident_id"]} & {t["id"] for t in locked.json}
    merged = walker.call(BODY_CALLS["api.clients.merge_client"], {**rows["own"][username], "theirs": victim})
    assert merged.status_code == 404
    with app.app_context():
        assert _victim_state(db.session, victim) == before
        assert db.session.scalar(select(func.count()).select_from(Client).where(
            Client.partner_id == victim["partner_id"], Client.name == f"ООО «{username}»")) == 0


def _endpoint(app, path: str, method: str = "GET") -> str:
    return app.url_map.bind("localhost").match(path.split("?")[0], method=method)[0]


def test_every_route_with_a_path_parameter_is_walked_or_named_as_not_partner_data(world):
    """A new route with an id must be added to OBJECT_CALLS (or to NOT_PARTNER_DATA, saying why)."""
    app, rows = world
    listed = {_endpoint(app, listing.path.format(**rows["victims"]["east"])) for listing in LISTINGS}
    missing = sorted(
        f"{sorted(rule.methods - {'HEAD', 'OPTIONS'})} {rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if rule.arguments
        and rule.endpoint not in OBJECT_CALLS.keys() | listed | NOT_PARTNER_DATA.keys()
        and not rule.endpoint.startswith(SHARED_PREFIXES)
    )
    assert not missing, f"walk these routes for partner scoping: {missing}"
    for endpoint, call in OBJECT_CALLS.items():
        assert _endpoint(app, call.path.format(**rows["victims"]["east"]), call.method) == endpoint


def test_every_state_changing_route_without_a_path_parameter_is_walked_or_named(world):
    app, _rows = world
    missing = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.methods & STATE_CHANGING and not rule.arguments
        and rule.endpoint not in BODY_CALLS.keys() | NOT_PARTNER_DATA.keys()
        and not rule.endpoint.startswith(SHARED_PREFIXES)
    )
    assert not missing, f"walk these routes with another partner's ids in the body: {missing}"


def test_every_get_route_that_returns_partner_data_is_walked(world):
    """A new GET route must be walked here or named as not partner data."""
    app, rows = world
    walked = {_endpoint(app, listing.path.format(**rows["victims"]["east"])) for listing in LISTINGS}
    walked |= {endpoint for endpoint, call in OBJECT_CALLS.items() if call.method == "GET"}
    missing = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.endpoint not in walked | NOT_PARTNER_DATA.keys()
        and not rule.endpoint.startswith(SHARED_PREFIXES)
    )
    assert not missing, f"walk these routes for partner scoping: {missing}"
