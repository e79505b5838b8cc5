"""Configuration from environment variables with safe defaults. Tests pass a mapping to `create_app` instead."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEFAULT_OPERATOR_MODULES = "billing.operators,clients.operators,documents.operators,routing.operators"

# name -> (environment variable, parser, default)
SETTINGS: dict[str, tuple[str, Any, Any]] = {
    "SQLALCHEMY_DATABASE_URI": ("DATABASE_URL", str, f"sqlite:///{PROJECT_ROOT / 'instance' / 'reglament.sqlite'}"),
    "SECRET_KEY": ("REGLAMENT_SECRET_KEY", str, None),
    "OPERATOR_MODULES": ("REGLAMENT_OPERATOR_MODULES", _list, _list(DEFAULT_OPERATOR_MODULES)),
    "EXTERNAL_TOPICS": ("REGLAMENT_EXTERNAL_TOPICS", _list, []),
    "PROCESSES_DIR": ("REGLAMENT_PROCESSES_DIR", Path, PROJECT_ROOT / "processes"),
    "FORMS_DIR": ("REGLAMENT_FORMS_DIR", Path, PROJECT_ROOT / "forms"),
    "DOCUMENTS_DIR": ("REGLAMENT_DOCUMENTS_DIR", Path, PROJECT_ROOT / "instance" / "documents"),
    # a JSON file with the УК's requisites (name, inn, kpp, address, bank…) printed as the payee of every receipt
    "DOCUMENTS_PROVIDER_FILE": ("REGLAMENT_DOCUMENTS_PROVIDER_FILE", Path, None),
    "MAX_CONTENT_LENGTH": ("REGLAMENT_MAX_UPLOAD_BYTES", int, 10 * 1024 * 1024),
    "ATTACHMENTS_DIR": ("REGLAMENT_ATTACHMENTS_DIR", Path, PROJECT_ROOT / "instance" / "attachments"),
    "ATTACHMENT_MAX_BYTES": ("REGLAMENT_ATTACHMENT_MAX_BYTES", int, 5 * 1024 * 1024),
    "SQL_ECHO": ("REGLAMENT_SQL_ECHO", _bool, False),
    # e-mail of the worklist's notifications; no host: no mail
    "SMTP_HOST": ("REGLAMENT_SMTP_HOST", str, ""),
    "SMTP_PORT": ("REGLAMENT_SMTP_PORT", int, 25),
    "SMTP_FROM": ("REGLAMENT_SMTP_FROM", str, "reglament@localhost"),
    "SMTP_USER": ("REGLAMENT_SMTP_USER", str, ""),
    "SMTP_PASSWORD": ("REGLAMENT_SMTP_PASSWORD", str, ""),
    "SMTP_STARTTLS": ("REGLAMENT_SMTP_STARTTLS", _bool, False),
    # the address users open the platform at: links in e-mails (sent also where no request gives a host)
    "BASE_URL": ("REGLAMENT_BASE_URL", str, "http://127.0.0.1:5000"),
    # embedded: a worker thread inside the web process; distributed: Celery workers on Redis + one scheduler
    "MODE": ("REGLAMENT_MODE", str, "embedded"),
    "CELERY_BROKER_URL": ("REGLAMENT_BROKER_URL", str, "redis://127.0.0.1:6379/0"),
    "JOB_LEASE_SECONDS": ("REGLAMENT_JOB_LEASE_SECONDS", float, 300.0),
    # how long a job may stay beyond the broker's queue unclaimed (a worker took its message) before the sweep
    # presumes the message lost and sends another
    "JOB_MESSAGE_GRACE_SECONDS": ("REGLAMENT_JOB_MESSAGE_GRACE_SECONDS", float, 10.0),
    "SESSION_COOKIE_SECURE": ("REGLAMENT_SECURE_COOKIES", _bool, False),
    "SESSION_HOURS": ("REGLAMENT_SESSION_HOURS", float, 12.0),
    # reverse proxies (nginx) in front of the web nodes whose X-Forwarded-For/-Proto/-Host are trusted: without it
    # every client has the proxy's address, and the sign-in throttle, counted per address, would throttle them all
    "PROXY_HOPS": ("REGLAMENT_PROXY_HOPS", int, 0),
}


def from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every setting from `environ` (default: os.environ), parsing each with its own parser."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for name, (variable, parse, default) in SETTINGS.items():
        config[name] = parse(environ[variable]) if variable in environ else default
    if config["SECRET_KEY"] is None:
        # A random key per process is safe (sessions just do not survive a restart); production sets its own.
        config["SECRET_KEY"] = secrets.token_hex(32)
    return config
