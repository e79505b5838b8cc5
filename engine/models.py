"""Persistence of the engine: deployments, definitions (versioned), instances, the human-task projection, audit.

Persistence only: behaviour lives in the services (engine/deployment.py, engine/instances.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db import Base, utcnow


class Deployment(Base):
    __tablename__ = "deployment"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(200))
    deployed_by: Mapped[str | None] = mapped_column(String(80))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)

    resources: Mapped[list[Resource]] = relationship("Resource", back_populates="deployment")


class Resource(Base):
    """One deployed file (BPMN or DMN) exactly as it was uploaded."""

    __tablename__ = "resource"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployment.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))

    deployment: Mapped[Deployment] = relationship("Deployment", back_populates="resources")


class ProcessDefinition(Base):
    """A version of a process. `bundle` lists the resource ids parsed together to build its spec (its own file plus
    the decisions and called processes it was bound to at deploy time), so a version never changes under an instance."""

    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    name: Mapped[str | None] = mapped_column(String(300))
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployment.id"), index=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resource.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    bundle: Mapped[list] = mapped_column(default=list)
    suspended: Mapped[bool] = mapped_column(default=False)
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by: Mapped[str | None] = mapped_column(String(80))

    resource: Mapped[Resource] = relationship("Resource")


class DecisionDefinition(Base):
    __tablename__ = "decision_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    name: Mapped[str | None] = mapped_column(String(300))
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployment.id"), index=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resource.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)

    resource: Mapped[Resource] = relationship("Resource")


class ProcessInstance(Base):
    """A running or finished instance. `state` is the serialized workflow *without* its spec; `version` is the
    optimistic-lock counter that engine/store.py checks on every write: of two concurrent saves from the same
    version exactly one succeeds."""

    __tablename__ = "process_instance"
    __table_args__ = (Index("ix_process_instance_status_definition", "status", "definition_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    definition_id: Mapped[str] = mapped_column(ForeignKey("process_definition.id"), index=True)
    definition_key: Mapped[str] = mapped_column(String(100), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # active | suspended | completed | cancelled | failed
    state: Mapped[str] = mapped_column(Text)
    state_version: Mapped[str] = mapped_column(String(10))
    error: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    started_by: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)


class HumanTask(Base):
    """The worklist projection of a waiting user task (id = the engine's task id)."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_open_assignee", "status", "assignee", "due_at"),
        Index("ix_human_task_open_partner", "status", "partner_id", "due_at"),
        Index("ix_human_task_instance", "instance_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"))
    definition_id: Mapped[str] = mapped_column(String(120))
    definition_key: Mapped[str] = mapped_column(String(100))
    task_key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    business_key: Mapped[str | None] = mapped_column(String(200))
    partner_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20))  # open | completed | cancelled
    assignee: Mapped[str | None] = mapped_column(String(80))
    candidate_groups: Mapped[list] = mapped_column(default=list)
    candidate_users: Mapped[list] = mapped_column(default=list)
    form_ref: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(default=50)
    due_at: Mapped[datetime | None]
    follow_up_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(80))


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(80))
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    partner_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


# Whether a broker message naming a waiting platform job is out (`Job.sent_at`); external jobs never have one.
JOB_UNSENT = text("sent_at IS NULL AND status IN ('pending', 'locked') AND NOT external")
JOB_SENT = text("sent_at IS NOT NULL AND status IN ('pending', 'locked')")


class Job(Base):
    """A service task waiting for a worker (the transactional outbox): written in the transaction that reached the
    task, claimed with a lease, retried with backoff, an incident when retries are exhausted. `external` jobs wait
    for a Camunda external-task worker's fetchAndLock instead of a platform worker. `sent_at` is when a broker
    message naming a platform job was last sent (NULL: none is out — a retry waiting, a claim taken); the sweep
    reads it to tell a message still queued from one that was lost (`jobs.Sweep`)."""

    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_ready", "status", "external", "due_at"),
        Index("ix_job_topic", "topic", "status"),
        # the sweep's two sets: jobs with no message out (a few), and those with one (a backlog), oldest sent first
        Index("ix_job_unsent", "due_at", postgresql_where=JOB_UNSENT, sqlite_where=JOB_UNSENT),
        Index("ix_job_sent", "sent_at", postgresql_where=JOB_SENT, sqlite_where=JOB_SENT),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    task_key: Mapped[str] = mapped_column(String(100))
    definition_key: Mapped[str] = mapped_column(String(100))
    partner_id: Mapped[int | None]
    topic: Mapped[str] = mapped_column(String(200))
    external: Mapped[bool] = mapped_column(default=False)
    payload: Mapped[str] = mapped_column(Text)  # the evaluated input parameters, in the serializer's JSON
    priority: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20))  # pending | locked | done | incident
    retries: Mapped[int]
    retry_cycle: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime]
    locked_by: Mapped[str | None] = mapped_column(String(200))
    lock_expires_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    error_details: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class Timer(Base):
    """A timer event an instance waits on (boundary or intermediate), with its due time: what the scheduler reads.
    Kept in step with the workflow like the task projection; the workflow state stays the truth."""

    __tablename__ = "timer"
    __table_args__ = (Index("ix_timer_due", "status", "due_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    task_key: Mapped[str] = mapped_column(String(100))
    partner_id: Mapped[int | None]
    due_at: Mapped[datetime]
    # boundary | intermediate (a catch event or an event-based gateway's branch); timer start events are start_event
    kind: Mapped[str] = mapped_column(String(12), default="intermediate", server_default="intermediate")
    status: Mapped[str] = mapped_column(String(20))  # waiting | fired | cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fired_at: Mapped[datetime | None]


class MessageSubscription(Base):
    """A message an instance waits for (an intermediate catch event, a receive task, a boundary event or a branch
    of an event-based gateway): what correlation looks up by message name and business key. Kept in step with the
    workflow like the task projection; a row is deleted once the instance stops waiting."""

    __tablename__ = "message_subscription"
    __table_args__ = (
        Index("ix_message_subscription_name", "message_name", "business_key"),
        UniqueConstraint("task_id", "message_name"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    message_name: Mapped[str] = mapped_column(String(200))
    business_key: Mapped[str | None] = mapped_column(String(200))
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    task_key: Mapped[str] = mapped_column(String(100))
    partner_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CorrelationKey(Base):
    """A variable of an instance waiting for a message, as a normalized string, once per message subscription:
    correlation by `correlationKeys` is one indexed lookup instead of reading every candidate's state. Kept in
    step with the subscriptions and with the variables (`engine.subscriptions`)."""

    __tablename__ = "correlation_key"
    __table_args__ = (Index("ix_correlation_key_lookup", "message_name", "name", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), index=True)  # the subscription's task
    message_name: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(200))  # engine.subscriptions.normalized


class StartEvent(Base):
    """A message or timer start event of the latest version of a process: a message of that name, or the timer
    falling due, starts a new instance. Deploying a new version moves the rows to it, as Camunda does. A timer
    cycle keeps its row: the scheduler re-arms `due_at` after each firing until `repeats_left` reaches 0
    (-1: for ever). A `per_partner` timer fans out when it fires: one one-off row per partner (`partner_id`), each
    starting that partner's instance and deleted as it does, so every partner's start happens exactly once."""

    __tablename__ = "start_event"
    __table_args__ = (
        Index("ix_start_event_message", "kind", "message_name"),
        Index("ix_start_event_due", "kind", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # message | timer
    definition_id: Mapped[str] = mapped_column(ForeignKey("process_definition.id"), index=True)
    definition_key: Mapped[str] = mapped_column(String(100))
    event_key: Mapped[str] = mapped_column(String(100))  # the start event's BPMN id
    message_name: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime | None]
    cycle: Mapped[str | None] = mapped_column(String(200))  # the ISO 8601 repeating interval of a timer cycle
    repeats_left: Mapped[int | None]
    fired_count: Mapped[int] = mapped_column(default=0)
    per_partner: Mapped[bool] = mapped_column(default=False, server_default=false())
    partner_id: Mapped[int | None]
