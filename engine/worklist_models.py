"""Persistence of the worklist around the human tasks: comments, attachments, saved inbox filters, the client fields
the inbox searches and the partial indexes the inbox tabs read (persistence only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from db import Base, utcnow
from engine.models import HumanTask

# Partial indexes over the open tasks only (a few percent of the table): the tabs walk them in due order and stop
# after a page. The order columns match SORTS["due"] plus the id tie-break, so no sort step is needed.
_OPEN = HumanTask.status == "open"
Index("ix_human_task_open_by_partner", HumanTask.partner_id, HumanTask.due_at, HumanTask.id,
      postgresql_where=_OPEN, sqlite_where=_OPEN)
Index("ix_human_task_unclaimed_by_partner", HumanTask.partner_id, HumanTask.due_at, HumanTask.id,
      postgresql_where=_OPEN & HumanTask.assignee.is_(None), sqlite_where=_OPEN & HumanTask.assignee.is_(None))
Index("ix_human_task_open_by_assignee", HumanTask.assignee, HumanTask.due_at, HumanTask.id,
      postgresql_where=_OPEN, sqlite_where=_OPEN)
# The tab counters (`worklist.tab_counts`: WHERE status = 'open' [AND partner_id = ?], counted by assignee,
# offer, due and creation time) read from this index alone on PostgreSQL — an index-only scan, no visit of the
# table's pages, which the open tasks are spread over. SQLite has no INCLUDE: there it is the partner key only.
COUNTED = ("assignee", "due_at", "created_at", "id", "candidate_users", "candidate_groups")
Index("ix_human_task_open_counters", HumanTask.partner_id, postgresql_include=list(COUNTED),
      postgresql_where=_OPEN, sqlite_where=_OPEN)
# A task is offered to a group or a user when its JSON list names them (`queries.listed`): LIKE tests of the list's
# text, whose share of matching rows PostgreSQL knows only from statistics on that text — without them it guesses
# far too few and walks all of a partner's tasks to sort them instead of stopping after a page.
OFFERED_STATISTICS = DDL("CREATE STATISTICS IF NOT EXISTS human_task_offered "
                         "ON (CAST(candidate_groups AS TEXT)), (CAST(candidate_users AS TEXT)) FROM human_task")
event.listen(HumanTask.__table__, "after_create", OFFERED_STATISTICS.execute_if(dialect="postgresql"))


class TaskComment(Base):
    """A comment on a task, shown with its instance; `body` is plain text (escaped when shown)."""

    __tablename__ = "task_comment"
    __table_args__ = (Index("ix_task_comment_instance", "instance_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(String(36))
    instance_id: Mapped[str] = mapped_column(String(36))
    partner_id: Mapped[int | None]
    author: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskAttachment(Base):
    """A file attached to a task, shown with its instance; the bytes live on disk by content hash (`path`)."""

    __tablename__ = "task_attachment"
    __table_args__ = (Index("ix_task_attachment_instance", "instance_id", "uploaded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(String(36))
    instance_id: Mapped[str] = mapped_column(String(36))
    partner_id: Mapped[int | None]
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(300))  # relative to the attachments root
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxVisit(Base):
    """When a user last opened the inbox: the tasks of his tabs created since are «new» (the header's counter)."""

    __tablename__ = "inbox_visit"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    seen_at: Mapped[datetime]


class SavedFilter(Base):
    """A named inbox query of one user (the query string of /inbox, as Camunda Tasklist keeps filters)."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("owner", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskSearch(Base):
    """The client fields of an instance that the inbox search covers (engine/task_search.py projects them)."""

    __tablename__ = "task_search"
    __table_args__ = (Index("ix_task_search_text_trgm", "text", postgresql_using="gin",
                            postgresql_ops={"text": "gin_trgm_ops"}),)

    instance_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[int | None]
    client_name: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(300))
    contract_number: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(String(1000))  # lowercased: LIKE is case-sensitive on PostgreSQL


# The trigram operator class comes from pg_trgm (in PostgreSQL's contrib, present here); the migration creates it too.
event.listen(TaskSearch.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
