"""Celery tasks: thin, taking ids, one service call each."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from flask import current_app

from engine import jobs
from web.extensions import db
from web.worker import worker_name


@shared_task(ignore_result=True)
def run_job(job_id: str) -> str | None:
    """Work one job (if it is still ready: a duplicate message finds it done and does nothing)."""
    try:
        lease = timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
        return jobs.work_once(db.session, worker_name("celery"), job_id=job_id, lease=lease,
                              context=current_app._get_current_object().app_context)
    finally:
        db.session.remove()

