"""The missed-pickups regulation (processes/missed_pickups.bpmn) end to end through the engine and the test clock:
every morning the timer starts it for each partner (`perPartner`: the instance and its tasks belong to that partner),
`routing.missed_pickups` collects the partner's not-collected sites of yesterday («нет отходов» is not a miss), the
partner's operator decides per site, a decision left for four hours goes to the УК dispatcher,
and «вывезти повторно» puts the site into tomorrow's plan — unless the site is collected before (today's «missed
yesterday» stop): that collection is the repeat."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import time_machine
from sqlalchemy import select

from engine import jobs, timers
from engine.deployment import deploy
from engine.instances import complete_task, task_variables
from engine.models import HumanTask, Job, ProcessInstance
from engine.scope import Scope
from forms.validation import parse_form, validate_submission
from identity.administration import partner_ids
from routing import due, pickups
from routing.models import CollectionSchedule
from tests.conftest import PROJECT
from tests.engine.conftest import assert_state_round_trips
from web.extensions import db
from web.rules import deploy_rules

YESTERDAY = date(2026, 12, 2)
MORNING = datetime(2026, 12, 3, 2, 0, 30, tzinfo=UTC)  # 09:00:30 in Novosibirsk on the 3rd
FORMS = PROJECT / "forms"


def _deploy_everything(app, session) -> None:
    files = {p.name: p.read_bytes() for p in sorted((PROJECT / "processes").iterdir()) if p.suffix in (".bpmn", ".dmn")}
    files.update({p.name: p.read_bytes() for p in FORMS.glob("*.form")})
    with time_machine.travel(datetime(2026, 12, 1, 0, 0, tzinfo=UTC), tick=False):
        deploy(session, files, name="regulations", rules=deploy_rules(app))


def _report(session, fleet) -> dict[str, int]:
    """Yesterday's facts: two misses, one «no waste», one collected, and a miss collected later the same day."""
    a, b, c, d, e = (s.id for s in fleet.sites)
    at = "2026-12-02T{}:00+07:00".format
    items = [
        {"site_id": a, "collected": False, "reason": "blocked_access", "at": at("09:10")},
        {"site_id": b, "collected": False, "reason": "broken_container", "at": at("09:40")},
        {"site_id": c, "collected": False, "reason": "no_waste", "at": at("10:05")},
        {"site_id": d, "collected": True, "containers": 2, "at": at("10:30")},
        {"site_id": e, "collected": False, "reason": "blocked_access", "at": at("11:00")},
        {"site_id": e, "collected": True, "containers": 2, "at": at("16:00")},
    ]
    results = pickups.record_pickups(session, Scope(partner_id=fleet.east),
                                     [{"uuid": str(uuid.uuid4()), **i} for i in items])
    assert {r.status for r in results} == {"recorded"}
    return {"blocked": a, "broken": b}


def _instance_of(session, partner_id: int) -> ProcessInstance:
    [instance] = session.scalars(select(ProcessInstance).where(ProcessInstance.definition_key == "missed_pickups",
                                                               ProcessInstance.partner_id == partner_id))
    return instance


def _work_jobs(app) -> None:
    while jobs.work_once(db.session, "worker", context=app.app_context) is not None:
        pass
    failed = [(j.topic, j.error_message) for j in db.session.scalars(select(Job)) if j.status != "done"]
    assert not failed


def _open(session, task_key: str) -> list[HumanTask]:
    session.expire_all()
    return list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.task_key == task_key, HumanTask.status == "open")
            .order_by(HumanTask.created_at, HumanTask.id)
        )
    )


def _variables(session, task: HumanTask) -> dict:
    return task_variables(session, task.id)


def _decide(session, task: HumanTask, form: str, **values) -> None:
    checked = validate_submission(parse_form((FORMS / f"{form}.form").read_bytes()), values)
    complete_task(session, task.id, json.loads(json.dumps(checked, default=str)))


def test_the_morning_timer_collects_yesterdays_misses_and_the_operator_decides_each(app, session, fleet):
    _deploy_everything(app, session)
    sites = _report(session, fleet)
    with time_machine.travel(MORNING, tick=False):
        assert timers.fire_due(session) == len(partner_ids(session))  # one instance per partner
        assert timers.fire_due(session) == 0  # and this morning's firing is spent
        _work_jobs(app)
        instance = _instance_of(session, fleet.east)
        decide = _open(session, "Task_decide")
        assert len(decide) == 2 and {t.candidate_groups[0] for t in decide} == {"partner_operator"}
        assert {t.partner_id for t in decide} == {fleet.east}  # east's staff work them, west's never see them
        shown = {_variables(session, t)["site_id"]: _variables(session, t) for t in decide}
        assert set(shown) == {sites["blocked"], sites["broken"]}  # «no waste» and the later pickup are no miss
        assert shown[sites["blocked"]]["miss_reason"] == "нет подъезда"
        assert shown[sites["broken"]]["missed_day"] == "2026-12-02"
        blocked = next(t for t in decide if _variables(session, t)["site_id"] == sites["blocked"])
        broken = next(t for t in decide if t.id != blocked.id)
        _decide(session, blocked, "missed_pickup", decision="repeat", comment="Подъезд освободят к утру")
        _work_jobs(app)
        _decide(session, broken, "missed_pickup", decision="close")
        assert_state_round_trips(session, instance.id)

    session.expire_all()
    assert session.get(ProcessInstance, instance.id).status == "completed"
    [once] = session.scalars(select(CollectionSchedule).where(CollectionSchedule.kind == "once"))
    assert (once.site_id, once.on_date, once.missed_day) == (sites["blocked"], date(2026, 12, 4), YESTERDAY)
    tomorrow = {d.site_id: d.why for d in due.due_sites(session, fleet.east, date(2026, 12, 4), "winter")}
    assert tomorrow[sites["blocked"]] == "разовый вывоз"
    # today's plan has the site as «missed yesterday»: its collection is the repeat, tomorrow brings no second visit
    [picked] = pickups.record_pickups(session, Scope(partner_id=fleet.east), [{
        "uuid": str(uuid.uuid4()), "site_id": sites["blocked"], "collected": True, "containers": 2,
        "at": "2026-12-03T14:00:00+07:00"}])
    session.refresh(once)
    assert once.done_by_pickup_id == picked.pickup_id
    tomorrow = {d.site_id: d.why for d in due.due_sites(session, fleet.east, date(2026, 12, 4), "winter")}
    assert tomorrow.get(sites["blocked"]) != "разовый вывоз"


def test_a_decision_left_for_four_hours_escalates_to_the_uk_dispatcher_who_may_file_a_complaint(app, session, fleet):
    _deploy_everything(app, session)
    sites = _report(session, fleet)
    with time_machine.travel(MORNING, tick=False):
        timers.fire_due(session)
        _work_jobs(app)
        [first, second] = _open(session, "Task_decide")
        _decide(session, first, "missed_pickup", decision="close")
    with time_machine.travel(MORNING + timedelta(hours=3, minutes=59), tick=False):
        assert timers.fire_due(session) == 0
    with time_machine.travel(MORNING + timedelta(hours=4, minutes=1), tick=False):
        assert timers.fire_due(session) == 1
        assert _open(session, "Task_decide") == []
        [escalated] = _open(session, "Task_dispatcher")
        assert escalated.candidate_groups == ["uk_dispatcher"]
        assert _variables(session, escalated)["site_id"] in sites.values()
        _decide(session, escalated, "missed_pickup", decision="complaint")
        [complaint] = _open(session, "Task_complaint")
        assert complaint.candidate_groups == ["uk_dispatcher"] and complaint.form_ref == "missed_complaint"
        _decide(session, complaint, "missed_complaint", complaint_number="Ж-2026-117", complaint_culprit="partner")
    session.expire_all()
    instance = _instance_of(session, fleet.east)
    assert instance.status == "completed"
    assert_state_round_trips(session, instance.id)
    assert session.scalars(select(CollectionSchedule).where(CollectionSchedule.kind == "once")).all() == []


def test_a_morning_without_misses_ends_at_once(app, session, fleet):
    _deploy_everything(app, session)
    with time_machine.travel(MORNING, tick=False):
        timers.fire_due(session)
        _work_jobs(app)
    session.expire_all()
    instances = session.scalars(select(ProcessInstance).where(ProcessInstance.definition_key == "missed_pickups"))
    assert {i.status for i in instances} == {"completed"} and _open(session, "Task_decide") == []
