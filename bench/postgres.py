"""The benchmarks' PostgreSQL: a database made fresh for a run, and the plain libpq form of a SQLAlchemy URL."""

from __future__ import annotations

import psycopg
from sqlalchemy import make_url


def dsn(url: str) -> str:
    """`url` (SQLAlchemy's, with its driver) as psycopg connects to it."""
    return make_url(url).set(drivername="postgresql").render_as_string(False)


def fresh_database(admin_url: str, name: str, connect_timeout: int | None = None) -> str:
    """Drop and create the database `name` on the server of `admin_url`; its SQLAlchemy URL. Raises
    `psycopg.Error` when the server does not answer."""
    options = {} if connect_timeout is None else {"connect_timeout": connect_timeout}
    with psycopg.connect(dsn(admin_url), autocommit=True, **options) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(False)
