"""Celery in the distributed mode, wired as in Flask's own Celery example: tasks run inside the app context."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from engine import dispatch


def celery_init_app(app: Flask) -> Celery:
    """Bind a Celery app to `app` (no connection is opened here) and route new jobs to it."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask, include=["web.worker_tasks"])
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        task_ignore_result=True,
        # A message only names a job; the job's row and lease are the truth. A message lost (a killed worker, a
        # flushed Redis) is the sweep's to send again (`jobs.Sweep`): once its job has stayed beyond the queue
        # unclaimed for a grace, once the lease has run out if a worker had claimed it. So the broker keeps no
        # unacknowledged copies: Redis' acknowledgement emulation would be a second redelivery, at two Redis
        # transactions on every job.
        broker_transport_options={"ack_emulation": False},
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
    )
    celery.set_default()
    app.extensions["celery"] = celery
    dispatch.set_dispatcher(lambda ids: [celery.send_task("web.worker_tasks.run_job", (job_id,)) for job_id in ids],
                            queued=lambda: _queued(celery))
    return celery


def _queued(celery: Celery) -> int:
    """The messages waiting in the jobs' queue (declaring it, as a worker does, answers with its length). A broker
    that does not answer at once raises: the scheduler's timers must not wait for it."""
    with celery.connection_for_read(connect_timeout=2, transport_options={"max_retries": 0}) as connection:
        return connection.default_channel.queue_declare(celery.conf.task_default_queue).message_count
