"""Jobs: the outbox row written with the step, workers claiming with a lease, exactly-once effects through the
idempotency key, retries with backoff, incidents and their retry, and concurrent jobs of one instance."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from marshmallow import Schema, fields
from sqlalchemy import event, select, update

from engine import clock, instances, jobs
from engine.deployment import deploy
from engine.errors import Conflict
from engine.models import AuditEvent, HumanTask, Job, ProcessInstance
from engine.operators import BpmnError, registry
from tests.engine.conftest import RULES, assert_state_round_trips, diagram
from web.extensions import db

EFFECTS: dict[str, dict] = {}  # idempotency key -> the effect, as an e-mail outbox would hold it
FAILURES = {"left": 0}


@registry.register("test.notify")
def _notify(client: str, amount, idempotency_key: str) -> dict:
    if FAILURES["left"] > 0:
        FAILURES["left"] -= 1
        raise RuntimeError("SMTP сервер недоступен")
    EFFECTS.setdefault(idempotency_key, {"client": client, "amount": amount})
    return {"notified": True}


@registry.register("test.archive")
def _archive() -> dict:
    return {"archived": True}


@registry.register("test.report")
def _report() -> dict:
    return {"reported": True}


@pytest.fixture(autouse=True)
def _clean():
    EFFECTS.clear()
    FAILURES["left"] = 0


@pytest.fixture
def started(session):
    deploy(session, diagram("async_notify.bpmn"), name="async", rules=RULES)
    return instances.start_process(session, "async_notify", {"client": "ООО «Ромашка»", "amount": Decimal("12.50")})


def _jobs(session, instance_id: str) -> list[Job]:
    session.expire_all()
    return list(session.scalars(select(Job).where(Job.instance_id == instance_id).order_by(Job.created_at)))


def _drain(session, worker: str = "w1") -> list[str]:
    outcomes = []
    while (outcome := jobs.work_once(session, worker)) is not None:
        outcomes.append(outcome)
    return outcomes


def test_the_engine_stops_at_a_side_effect_and_writes_a_job_in_the_same_transaction(session, started):
    assert started.status == "active" and EFFECTS == {}
    [job] = _jobs(session, started.id)
    assert (job.topic, job.status, job.retries, job.external) == ("test.notify", "pending", 3, False)


def test_a_worker_runs_the_job_once_and_the_instance_goes_on(session, started):
    assert _drain(session) == ["done", "done", "done"]
    assert [job.status for job in _jobs(session, started.id)] == ["done", "done", "done"]
    [effect] = EFFECTS.values()
    assert effect == {"client": "ООО «Ромашка»", "amount": Decimal("12.50")}
    assert session.get(ProcessInstance, started.id).status == "completed"


def test_a_job_whose_worker_died_is_claimed_again_after_its_lease_and_the_effect_stays_single(session, started):
    [job] = jobs.claim(session, "dead-worker")
    assert jobs.claim(session, "w2") == []  # leased: nobody else may take it
    with time_machine.travel(clock.now() + jobs.LEASE + timedelta(seconds=1), tick=False):
        [again] = jobs.claim(session, "w2")
        assert again.id == job.id and again.attempts == 2
        assert jobs.run(session, again, "w2") == "done"
        # The dead worker wakes up and reports the same job: it no longer holds it.
        assert jobs.complete(session, job.id, "dead-worker", {"notified": True}) == "lost"
    assert len(EFFECTS) == 1


def test_a_worker_whose_lease_was_taken_over_finds_its_result_refused_with_nothing_written(session, started):
    # The worker completes with the job as it claimed it (no second read): the write itself must notice the loss.
    [slow] = jobs.claim(session, "slow-worker")
    with time_machine.travel(clock.now() + jobs.LEASE + timedelta(seconds=1), tick=False):
        [again] = jobs.claim(session, "w2")
        assert jobs.complete(session, slow.id, "slow-worker", {"notified": True}, claimed=slow) == "lost"
        assert session.get(ProcessInstance, started.id).version == started.version  # the step was rolled back
        assert jobs.run(session, again, "w2") == "done"
    session.expire_all()
    assert session.get(Job, slow.id).status == "done"
    assert session.get(ProcessInstance, started.id).version == started.version + 1


def test_a_failing_operator_is_retried_after_the_delay_then_becomes_an_incident(session, started):
    FAILURES["left"] = 10
    assert jobs.work_once(session, "w1") == "retry"
    assert jobs.work_once(session, "w1") is None  # not due yet: R3/PT1M waits a minute
    with time_machine.travel(clock.now() + timedelta(minutes=1, seconds=1), tick=False):
        assert jobs.work_once(session, "w1") == "retry"
    with time_machine.travel(clock.now() + timedelta(minutes=2, seconds=2), tick=False):
        assert jobs.work_once(session, "w1") == "incident"
    [job] = _jobs(session, started.id)
    assert job.status == "incident" and "SMTP сервер недоступен" in job.error_message
    assert "RuntimeError" in job.error_details
    kinds = list(session.scalars(select(AuditEvent.kind).where(AuditEvent.instance_id == started.id)))
    assert kinds.count("job_failed") == 2 and kinds.count("incident_created") == 1


def test_an_incident_runs_again_once_retries_are_set(session, started):
    FAILURES["left"] = 3
    jobs.work_once(session, "w1")
    for minutes in (2, 4):
        with time_machine.travel(clock.now() + timedelta(minutes=minutes), tick=False):
            jobs.work_once(session, "w1")
    [job] = _jobs(session, started.id)
    assert job.status == "incident"
    jobs.set_retries(session, job.id, 1)
    assert _drain(session) == ["done", "done", "done"]
    assert session.get(ProcessInstance, started.id).status == "completed"
    with pytest.raises(Conflict):
        jobs.set_retries(session, job.id, 1)


def test_cancelling_the_instance_cancels_its_waiting_job(session, started):
    instances.cancel_instance(session, started.id)
    assert [job.status for job in _jobs(session, started.id)] == ["cancelled"]
    assert jobs.work_once(session, "w1") is None and EFFECTS == {}


def test_two_jobs_of_one_instance_completed_at_once_lose_no_update(app, started):
    jobs.work_once(db.session, "w0")  # notify → the parallel split writes two jobs
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str | None] = []

    def work(worker: str) -> None:
        with app.app_context():
            try:
                [job] = jobs.claim(db.session, worker)
                barrier.wait()
                outcomes.append(jobs.run(db.session, job, worker))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["done", "done"]
    variables = instances.instance_variables(db.session, started.id)
    assert variables["archived"] is True and variables["reported"] is True
    assert db.session.get(ProcessInstance, started.id).status == "completed"


@registry.register("test.find_client")
def _find_client(inn: str) -> dict:
    if inn == "0000000000":
        raise BpmnError("CLIENT_NOT_FOUND", "нет клиента с таким ИНН", {"missing_inn": inn})
    if inn == "1111111111":
        raise BpmnError("CRM_DOWN", "CRM недоступна")
    return {"crm_id": 1}


def _guarded(session, inn: str) -> str:
    content = diagram("crm_sync_guarded.bpmn")["crm_sync_guarded.bpmn"].replace(b"crm.sync", b"test.find_client")
    deploy(session, {"crm_sync_guarded.bpmn": content}, name="guarded", rules=RULES)
    return instances.start_process(session, "crm_sync_guarded", {"inn": inn}).id


def test_a_bpmn_error_raised_by_an_operator_is_caught_by_the_error_boundary_event(session):
    instance_id = _guarded(session, "0000000000")
    assert jobs.work_once(session, "worker-1") == "done"
    [job] = _jobs(session, instance_id)
    assert job.status == "done"
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)).one()
    assert (task.task_key, task.status) == ("fix_client", "open")
    assert instances.instance_variables(session, instance_id)["missing_inn"] == "0000000000"
    assert "bpmn_error_caught" in session.scalars(select(AuditEvent.kind)).all()
    assert_state_round_trips(session, instance_id)


def test_a_bpmn_error_no_boundary_event_catches_becomes_an_incident_at_once(session):
    instance_id = _guarded(session, "1111111111")
    assert jobs.work_once(session, "worker-1") == "incident"
    [job] = _jobs(session, instance_id)
    assert job.status == "incident" and job.error_message == "BPMN error CRM_DOWN was not caught: CRM недоступна"
    session.expire_all()
    assert session.get(ProcessInstance, instance_id).status == "active"
    assert_state_round_trips(session, instance_id)


RELEASE_HUNG = threading.Event()


@registry.register("test.hang", timeout=0.2)
def _hang(client: str, amount) -> dict:
    RELEASE_HUNG.wait(30)
    return {"notified": True}


def test_an_operator_that_hangs_times_out_is_retried_and_becomes_a_readable_incident(session):
    content = diagram("async_notify.bpmn")["async_notify.bpmn"].replace(b'"test.notify"', b'"test.hang"')
    deploy(session, {"async_notify.bpmn": content}, name="hang", rules=RULES)
    instance = instances.start_process(session, "async_notify", {"client": "ООО «Ромашка»", "amount": 1})
    RELEASE_HUNG.clear()
    try:
        assert jobs.work_once(session, "w1") == "retry"
        with time_machine.travel(clock.now() + timedelta(minutes=1, seconds=1), tick=False):
            assert jobs.work_once(session, "w1") == "retry"
        with time_machine.travel(clock.now() + timedelta(minutes=3, seconds=2), tick=False):
            assert jobs.work_once(session, "w1") == "incident"
    finally:
        RELEASE_HUNG.set()
    [job] = _jobs(session, instance.id)
    assert job.status == "incident"
    assert job.error_message == "OperatorTimeout: operator test.hang did not finish within 0.2 s"
    assert_state_round_trips(session, instance.id)


class NotifiedSchema(Schema):
    notified = fields.Boolean(required=True)


@registry.register("test.notify_badly", outputs=NotifiedSchema)
def _notify_badly(client: str, amount) -> dict:
    return {"notified": "может быть"}


def test_a_result_that_fails_the_output_schema_is_retried_then_a_readable_incident(session):
    content = diagram("async_notify.bpmn")["async_notify.bpmn"].replace(b'"test.notify"', b'"test.notify_badly"')
    deploy(session, {"async_notify.bpmn": content}, name="bad output", rules=RULES)
    instance = instances.start_process(session, "async_notify", {"client": "ООО «Ромашка»", "amount": 1})
    assert jobs.work_once(session, "w1") == "retry"
    with time_machine.travel(clock.now() + timedelta(minutes=1, seconds=1), tick=False):
        assert jobs.work_once(session, "w1") == "retry"
    with time_machine.travel(clock.now() + timedelta(minutes=3, seconds=2), tick=False):
        assert jobs.work_once(session, "w1") == "incident"
    [job] = _jobs(session, instance.id)
    assert job.error_message == ("OperatorError: operator test.notify_badly returned data that fails its output "
                                 "schema: {'notified': ['Not a valid boolean.']}")
    session.expire_all()
    assert "notified" not in str(session.get(ProcessInstance, instance.id).state)  # nothing reached the task data
    assert_state_round_trips(session, instance.id)


# -- the sweep: which ready jobs get a broker message again ------------------------------------------------------


GRACE = timedelta(seconds=30)


def _later(seconds: float):
    return time_machine.travel(clock.now() + timedelta(seconds=seconds), tick=False)


def _sent_one_by_one(session, started, more: int) -> list[str]:
    """The job ids of `started` and of `more` instances started after it, a second apart: their messages were sent
    in this order (each at its commit)."""
    ids = [job.id for job in _jobs(session, started.id)]
    for n in range(more):
        with _later(n + 1):
            instance = instances.start_process(session, "async_notify", {"client": f"Клиент {n}", "amount": 1})
        ids += [job.id for job in _jobs(session, instance.id)]
    return ids


def test_jobs_whose_messages_still_wait_in_the_queue_get_no_second_message_however_long_they_wait(session, started):
    _sent_one_by_one(session, started, 3)
    sweep = jobs.Sweep(GRACE)
    for hours in (1, 2):
        with _later(hours * 3600):
            assert sweep(session, 4) == []


def test_a_message_a_worker_has_just_taken_is_not_mistaken_for_a_lost_one(session, started):
    sent = _sent_one_by_one(session, started, 3)
    sweep = jobs.Sweep(GRACE)
    with _later(3600):
        assert sweep(session, 3) == []  # the oldest job's message is out of the queue: a worker took it…
        assert jobs.claim(session, "w1", job_id=sent[0])  # …and claims it
    with _later(3600 + 2 * GRACE.total_seconds()):
        assert sweep(session, 3) == []


def test_a_job_beyond_the_queue_for_longer_than_the_grace_is_sent_again_once(session, started):
    sent = _sent_one_by_one(session, started, 3)
    # The queue holds one message, the newest job's: the other three were taken by someone who never claimed them.
    sweep, other_scheduler = jobs.Sweep(GRACE), jobs.Sweep(GRACE)
    with _later(3600):
        assert sweep(session, 1) == [] and other_scheduler(session, 1) == []  # suspected: maybe about to be claimed
    with _later(3600 + GRACE.total_seconds() + 5):
        assert sweep(session, 1) == sent[:3]
        assert other_scheduler(session, 4) == [] and sweep(session, 4) == []  # sent again just now, and queued
    assert jobs.work_once(session, "w1", sent[0]) == "done"


def test_two_schedulers_sweeping_at_once_send_a_lost_job_once(app, started):
    [job] = _jobs(db.session, started.id)
    db.session.remove()
    meeting = threading.Barrier(2, timeout=10)

    def meet_before_stamping(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().startswith("UPDATE job SET sent_at"):
            meeting.wait()  # both sweeps have chosen the job; now both mark it sent

    def sweep() -> list[str]:
        with app.app_context():
            try:
                return jobs.Sweep(GRACE)(db.session, None)
            finally:
                db.session.remove()

    event.listen(db.engine, "before_cursor_execute", meet_before_stamping)
    try:
        with _later(jobs.LEASE.total_seconds() + 1), ThreadPoolExecutor(2) as pool:
            sweeps = [pool.submit(sweep) for _ in range(2)]
            sent = sorted(each.result(timeout=30) for each in sweeps)
    finally:
        event.remove(db.engine, "before_cursor_execute", meet_before_stamping)
    assert sent == [[], [job.id]]


def test_when_the_broker_cannot_count_its_queue_a_message_is_presumed_lost_after_a_lease(session, started):
    [job] = _jobs(session, started.id)
    sweep = jobs.Sweep(GRACE)
    with _later(60):
        assert sweep(session, None) == []
    with _later(jobs.LEASE.total_seconds() + 1):
        assert sweep(session, None) == [job.id]


def test_a_job_with_no_message_out_is_sent_behind_any_backlog_once_it_is_ready(session, started):
    [job] = _jobs(session, started.id)
    sweep = jobs.Sweep(GRACE)
    FAILURES["left"] = 3
    assert jobs.work_once(session, "w1", job.id) == "retry"  # its message was used up; it is due in a minute
    assert sweep(session, 10_000) == []
    with _later(61):
        assert sweep(session, 10_000) == [job.id]  # the retry fell due
        [claimed] = jobs.claim(session, "dying-worker", job_id=job.id)
        assert sweep(session, 10_000) == []  # claimed: leased to a worker
    lease_over = 61 + jobs.LEASE.total_seconds() + 1
    with _later(lease_over):
        assert sweep(session, 10_000) == [job.id]  # its worker died: the lease ran out
    # That message is lost too (Redis restarted empty): the job, still leased to the dead worker, is sent again.
    with _later(lease_over + GRACE.total_seconds() + 1):
        assert sweep(session, 0) == []
    with _later(lease_over + 2 * GRACE.total_seconds() + 2):
        assert sweep(session, 0) == [job.id]
        assert jobs.fail(session, job.id, jobs.claim(session, "w2", job_id=job.id)[0].locked_by, "нет связи",
                         retries=0) == "incident"
        assert sweep(session, 0) == []  # an incident waits for a person
        jobs.set_retries(session, job.id, 1)
        assert sweep(session, 10_000) == [job.id]
    assert claimed.attempts == 2


def test_a_job_from_before_messages_were_recorded_is_sent_at_the_first_sweep(session, started):
    [job] = _jobs(session, started.id)
    session.execute(update(Job).values(sent_at=None))  # as the migration leaves a job of an older release
    session.commit()
    assert jobs.Sweep(GRACE)(session, 1) == [job.id]


def test_external_jobs_are_left_to_their_fetching_workers(session):
    content = diagram("client_lookup.bpmn")["client_lookup.bpmn"].replace(b'"TOPIC"', b'"crm.lookup_external"')
    rules = dataclasses.replace(RULES, topic_known=lambda t: t in registry or t == "crm.lookup_external")
    deploy(session, {"client_lookup.bpmn": content}, name="external", rules=rules)
    instance = instances.start_process(session, "client_lookup", {"inn": "7707083893"})
    [job] = _jobs(session, instance.id)
    assert job.external and job.sent_at is None
    with _later(jobs.LEASE.total_seconds() + 1):
        assert jobs.Sweep(GRACE)(session, 0) == [] and jobs.Sweep(GRACE)(session, None) == []
