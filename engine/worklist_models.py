"""Persistence of the worklist around the human tasks: comments and saved inbox filters (persistence only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db import Base, utcnow


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


class SavedFilter(Base):
    """A named inbox query of one user (the query string of /inbox, as Camunda Tasklist keeps filters)."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("owner", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
