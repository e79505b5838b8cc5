"""Fixtures: an app per test on SQLite and — when it answers — on PostgreSQL (one database per xdist worker)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url, text

from db import Base
from web import create_app
from web.extensions import db

PROJECT = Path(__file__).resolve().parent.parent
DIAGRAMS = PROJECT / "tests" / "diagrams"
PG_URL = os.environ.get("REGLAMENT_TEST_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")


def _pg_answers() -> bool:
    try:
        with psycopg.connect(make_url(PG_URL).set(drivername="postgresql").render_as_string(False), connect_timeout=2):
            return True
    except psycopg.Error:
        return False


PG_AVAILABLE = _pg_answers()


def fresh_pg_database(name: str) -> str:
    """(Re)create the PostgreSQL database `name` empty and return its URL."""
    if not PG_AVAILABLE:
        pytest.skip("PostgreSQL at 127.0.0.1:5432 does not answer")
    admin = make_url(PG_URL)
    with psycopg.connect(admin.set(drivername="postgresql").render_as_string(False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.set(database=name).render_as_string(False)


def drop_pg_database(name: str) -> None:
    admin = make_url(PG_URL).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test process (named by pid: parallel runs never share one)."""
    name = f"reglament_test_{os.getpid()}"
    yield fresh_pg_database(name)
    drop_pg_database(name)


def make_test_app(url: str, **overrides):
    return create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test",
        "PROCESSES_DIR": PROJECT / "processes",
        "FORMS_DIR": PROJECT / "forms",
        **overrides,
    })


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request, tmp_path):
    """The application bound to an empty database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite'}"
    else:
        url = request.getfixturevalue("pg_database")
    application = make_test_app(url)
    with application.app_context():
        Base.metadata.create_all(db.engine)
        yield application
        db.session.remove()
        if request.param == "postgresql":
            empty_pg_tables(db.engine)
        db.engine.dispose()


def empty_pg_tables(engine) -> None:
    """Empty every table of the session's shared PostgreSQL database for the next test."""
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()
