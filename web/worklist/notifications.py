"""E-mail to a person when a task is given to him, sent after the commit that gave it.

SMTP is configured by REGLAMENT_SMTP_HOST (empty: no mail), REGLAMENT_SMTP_PORT, REGLAMENT_SMTP_FROM,
REGLAMENT_SMTP_USER / REGLAMENT_SMTP_PASSWORD and REGLAMENT_SMTP_STARTTLS. Sending never raises: a mail server that
is down or refuses costs a log line, never the assignment (which is already committed when this runs).
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engine.models import HumanTask
from identity.models import User
from web.extensions import db

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10


def send(to: str, subject: str, body: str) -> bool:
    """Send one plain-text message; False (and a warning in the log) when it could not be sent."""
    config = current_app.config
    if not config.get("SMTP_HOST") or not to:
        return False
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config["SMTP_FROM"], to, subject
    message.set_content(body)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=TIMEOUT_SECONDS) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException):
        log.warning("could not send mail to %s: %s", to, subject, exc_info=True)
        return False


def task_assigned(task_id: str, *, escalated: bool = False) -> bool:
    """Tell the assignee of a task (just committed) that it is his now; `escalated` for a task escalated to him."""
    task = db.session.get(HumanTask, task_id)
    user = db.session.scalar(select(User).where(User.username == task.assignee)) if task and task.assignee else None
    if user is None or not user.email:
        return False
    subject = (_("Вам передана просроченная задача: %(name)s", name=task.name) if escalated
               else _("Вам назначена задача: %(name)s", name=task.name))
    body = "\n".join([
        _("Здравствуйте, %(name)s!", name=user.full_name or user.username), "",
        subject, _("Ключ: %(key)s", key=task.business_key or "—"),
        url_for("tasks.show", task_id=task.id, _external=True),
    ])
    return send(user.email, subject, body)
