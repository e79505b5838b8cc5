"""The one declarative `Base` that every model of the platform maps onto.

Flask-SQLAlchemy is created with `model_class=Base` (web/extensions.py), so models never import Flask and can be used
from Celery, the CLI and tests alike.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, MetaData
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, registry

# Deterministic constraint names: Alembic can drop and alter what it can name, on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dict: JSON, list: JSON, dict[str, Any]: JSON},
    )


def dialect_insert(session: Session):
    """`insert` of the session's database, PostgreSQL's or SQLite's: the one with ON CONFLICT clauses."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC: the only form in which times are stored."""
    return datetime.now(UTC)
