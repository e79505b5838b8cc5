"""Alembic is the only way the schema changes: an empty database upgrades to head, and the models agree."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from db import Base
from tests.conftest import drop_pg_database, fresh_pg_database, make_test_app


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    name = f"reglament_migrations_{os.getpid()}"
    yield fresh_pg_database(name)
    drop_pg_database(name)


def test_an_empty_database_upgrades_to_head_and_matches_the_models(empty_database):
    app = make_test_app(empty_database)
    with app.app_context():
        upgrade()
    engine = create_engine(empty_database)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "render_as_batch": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
    finally:
        engine.dispose()
    with app.app_context():
        downgrade(revision="base")
    engine = create_engine(empty_database)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
