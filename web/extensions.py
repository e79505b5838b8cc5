"""Flask extensions, created unbound; `create_app` binds them."""

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine

from db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()


@event.listens_for(Engine, "connect")
def _session_settings(dbapi_connection, _record) -> None:
    """Every new connection of every engine in the process.

    PostgreSQL: the session time zone is UTC. Times are stored as naive UTC (`timestamp without time zone`); an
    aware datetime sent to such a column is converted to the *session's* zone first, so on a server configured
    for Novosibirsk time every due date would move by seven hours.
    SQLite: WAL so readers never block the writer, a busy timeout instead of instant 'database is locked', and
    foreign keys enforced as on PostgreSQL."""
    module = type(dbapi_connection).__module__
    if module.startswith("psycopg"):
        dbapi_connection.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.commit()
        return
    if module != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
