"""The `reglament` command line, run as an operator runs it: a subprocess configured by DATABASE_URL (and, for
create-user on both databases, Flask's CLI runner)."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from db import Base
from identity.models import Partner, User
from identity.roles import ROLES
from identity.seed import seed_demo
from tests.conftest import make_test_app
from tests.web.worklist.support import FreshContextClient, sign_in
from web.extensions import db

PROJECT = Path(__file__).resolve().parents[2]
PROCESSES = PROJECT / "processes"
REGLAMENT = Path(sys.executable).parent / "reglament"


@pytest.fixture
def database(tmp_path) -> Path:
    return tmp_path / "cli.sqlite"


@pytest.fixture
def schema(database) -> Path:
    """The database with its tables (made in-process: only one test pays for `db upgrade`)."""
    app = make_test_app(f"sqlite:///{database}")
    with app.app_context():
        Base.metadata.create_all(db.engine)
        db.engine.dispose()
    return database


def reglament(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([str(REGLAMENT), *args], env=env, cwd=PROJECT, capture_output=True, text=True,
                          encoding="utf-8", timeout=60)


def definitions(database: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT key, version FROM process_definition UNION ALL "
                            "SELECT key, version FROM decision_definition").fetchall()
    return sorted(rows)


def test_upgrade_creates_the_schema_and_deploy_reports_new_then_unchanged_definitions(database):
    upgraded = reglament(database, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    first = reglament(database, "deploy", str(PROCESSES))
    assert first.returncode == 0, first.stderr
    assert "deployed debtor_claim version 1" in first.stdout and "deployed debt_stage version 1" in first.stdout
    second = reglament(database, "deploy", str(PROCESSES))
    assert second.returncode == 0, second.stderr
    assert "unchanged debtor_claim version 1" in second.stdout and "unchanged debt_stage version 1" in second.stdout
    assert "deployed" not in second.stdout
    assert definitions(database) == [("bulk_receipts", 1), ("debt_stage", 1), ("debtor_claim", 1),
                                     ("missed_pickups", 1)]


def test_a_broken_diagram_is_refused_with_its_file_and_element_and_nothing_is_stored(schema, tmp_path):
    broken_xml = tmp_path / "broken_xml"
    broken_xml.mkdir()
    (broken_xml / "debtor_claim.bpmn").write_bytes((PROCESSES / "debtor_claim.bpmn").read_bytes()[:-200])
    unknown_topic = tmp_path / "unknown_topic"
    unknown_topic.mkdir()
    shutil.copy(PROCESSES / "debt_stage.dmn", unknown_topic)
    (unknown_topic / "debtor_claim.bpmn").write_bytes((PROCESSES / "debtor_claim.bpmn").read_bytes().replace(
        b"billing.compute_penalty", b"billing.nonexistent"))

    unparsable = reglament(schema, "deploy", str(broken_xml))
    assert unparsable.returncode != 0
    assert "debtor_claim.bpmn, element" in unparsable.stderr and "invalid XML" in unparsable.stderr
    assert "deployment rejected" in unparsable.stderr
    rejected = reglament(schema, "deploy", str(unknown_topic))
    assert rejected.returncode != 0
    assert "debtor_claim.bpmn, element Task_penalty" in rejected.stderr and "billing.nonexistent" in rejected.stderr
    assert definitions(schema) == []


def test_seed_start_and_list_give_an_operator_a_running_claim(schema):
    seeded = reglament(schema, "seed-demo", "--plan-seconds", "0.5")
    assert seeded.returncode == 0, seeded.stderr
    login_lines, _, routing_report = seeded.stdout.partition("\n\n")
    logins = [line.split() for line in login_lines.splitlines()[1:]]
    assert routing_report.startswith("Routing demo: 170 container sites, 4 trucks")
    assert ["demo", "/", "demo"] == logins[0][:3]
    assert all([role, "/", role] in [login[:3] for login in logins] for role in ROLES)
    again = reglament(schema, "seed-demo", "--plan-seconds", "0.5")
    assert again.returncode == 0 and again.stdout == seeded.stdout
    with sqlite3.connect(schema) as conn:
        assert conn.execute("SELECT count(*) FROM app_user").fetchone()[0] == len(logins)

    assert reglament(schema, "deploy").returncode == 0
    started = reglament(schema, "start", "debtor_claim", "--business-key", "ЛС-1", "--var", 'client_type="ЮЛ"',
                        "--var", 'debt="50000.00"', "--var", 'due_date="2026-02-10"', "--var",
                        'until="2026-03-31"')
    assert started.returncode == 0, started.stderr
    instance_id, status = started.stdout.split()
    assert status == "active"
    unknown = reglament(schema, "start", "nope")
    assert unknown.returncode != 0 and "nope" in unknown.stderr and "Traceback" not in unknown.stderr
    listed = reglament(schema, "instances")
    assert listed.returncode == 0, listed.stderr
    [row] = listed.stdout.splitlines()
    assert row.split() == [instance_id, "debtor_claim", "active", "ЛС-1"]


def test_serve_answers_http_from_the_command_line(tmp_path):
    database = tmp_path / "serve.sqlite"
    assert reglament(database, "db", "upgrade").returncode == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    server = subprocess.Popen([str(REGLAMENT), "serve", "--port", str(port)], env=env, cwd=PROJECT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            raise AssertionError("`reglament serve` did not answer")
        assert requests.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200
    finally:
        server.terminate()
        server.wait(10)


def create_user(app, *args: str, password: str | None = None):
    """`reglament create-user …`, typing `password` twice at its prompt when given."""
    typed = f"{password}\n{password}\n" if password is not None else None
    return app.test_cli_runner().invoke(args=["create-user", *args], input=typed)


def test_create_user_makes_the_first_admin_who_signs_in_and_manages_users(app, session):
    created = create_user(app, "boss", "--role", "admin", password="Сложный-пароль-1")
    assert created.exit_code == 0, created.output
    assert "created boss" in created.output and "Сложный-пароль-1" not in created.output
    app.test_client_class = FreshContextClient
    client = app.test_client()
    assert sign_in(client, "boss", "Сложный-пароль-1").headers["Location"] == "/inbox"
    assert client.get("/admin/users").status_code == 200


def test_create_user_gives_a_partner_employee_his_partner(app, session):
    seed_demo(session)
    east = session.scalar(select(Partner.id).where(Partner.code == "east"))
    created = create_user(app, "east_clerk", "--role", "partner_operator", "--partner-id", str(east),
                          "--password", "clerk-password")
    assert created.exit_code == 0, created.output
    clerk = session.scalar(select(User).where(User.username == "east_clerk"))
    assert clerk.partner_id == east and clerk.role_names == {"partner_operator"}


@pytest.mark.parametrize("args, refusal", [
    (("boss", "--role", "admin", "--password", "short"), "Invalid value for '--password': Пароль не короче 8"),
    (("boss", "--role", "boss", "--password", "long-enough"), "Invalid value for '--role': 'boss' is not one of"),
    (("босс", "--role", "admin", "--password", "long-enough"), "Invalid value for 'USERNAME': Имя пользователя"),
    (("demo", "--role", "admin", "--password", "long-enough"), "Такой пользователь уже есть"),
    (("clerk", "--role", "partner_operator", "--partner-id", "999", "--password", "long-enough"),
     "Invalid value for '--partner-id': Партнёр не найден"),
    (("clerk", "--role", "partner_operator", "--password", "long-enough"), "Для ролей партнёра выберите партнёра"),
    (("clerk", "--role", "uk_lawyer", "--partner-id", "{east}", "--password", "long-enough"),
     "Сотруднику партнёра доступны только роли партнёра"),
])
def test_create_user_refuses_bad_input_with_the_reason_and_writes_nothing(app, session, args, refusal):
    seed_demo(session)
    east = session.scalar(select(Partner.id).where(Partner.code == "east"))
    before = _users(session)
    refused = create_user(app, *(arg.format(east=east) for arg in args))
    assert refused.exit_code != 0 and refusal in refused.output and "Traceback" not in refused.output
    session.expire_all()
    assert _users(session) == before  # the existing `demo` keeps his password too


def _users(session) -> list[tuple[str, str, int | None]]:
    return list(session.execute(select(User.username, User.password_hash, User.partner_id).order_by(User.id)))
