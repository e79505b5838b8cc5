"""Putting sites on the routes and taking them off, with Russian reasons for what cannot be done; one-off pickups
done by the collection that met them, whatever schedule planned that stop."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from engine.scope import Scope
from routing import pickups
from routing.due import due_sites
from routing.schedules import ScheduleError, add_site, remove_site
from tests.routing import conftest
from web.worklist.locale import translate_error


def test_a_bad_schedule_is_refused_with_a_reason(session, fleet):
    with pytest.raises(ScheduleError, match="не найдена"):
        add_site(session, 999_999)
    with pytest.raises(ScheduleError, match="укажите дату"):
        add_site(session, fleet.sites[0].id, "once")
    with pytest.raises(ScheduleError, match="не отмечены дни вывоза"):
        add_site(session, fleet.sites[0].id, "weekdays")


def test_adding_twice_keeps_one_schedule_and_removing_ends_them(session, fleet):
    site = fleet.sites[0].id
    assert add_site(session, site).id == add_site(session, site).id  # the fixture's seasonal schedule
    assert remove_site(session, site) == 1 and remove_site(session, site) == 0


def test_an_unknown_site_is_told_in_the_readers_language(app, session, fleet):
    with pytest.raises(ScheduleError) as refused:
        add_site(session, 999_999)
    assert str(refused.value) == "Площадка 999999 не найдена"
    with app.test_request_context(), force_locale("en"):
        assert translate_error(refused.value) == "Site 999999 not found"


DAY = date(2026, 12, 2)


def _report(session, partner_id: int, site_id: int, at: str, *, collected: bool = True) -> int:
    item = {"uuid": str(uuid.uuid4()), "site_id": site_id, "collected": collected, "at": at}
    item.update({"containers": 2} if collected else {"reason": "blocked_access"})
    [result] = pickups.record_pickups(session, Scope(partner_id=partner_id), [item])
    assert result.status == "recorded"
    return result.pickup_id


def test_a_one_off_is_done_by_that_days_collection_whatever_schedule_brought_the_truck(session, fleet):
    site = fleet.sites[0].id  # due daily in summer: the crew came on its regular round
    one_off = add_site(session, site, "once", on_date=DAY)
    _report(session, fleet.east, site, "2026-12-01T10:00:00+07:00")  # the day before: not this one-off
    _report(session, fleet.east, site, "2026-12-02T09:00:00+07:00", collected=False)  # blocked: not done either
    assert one_off.done_by_pickup_id is None
    collected = _report(session, fleet.east, site, "2026-12-02T15:00:00+07:00")
    session.refresh(one_off)
    assert one_off.done_by_pickup_id == collected
    only_once = conftest.add_site(session, fleet.east, 50, kind="once", on_date=DAY)
    session.commit()
    _report(session, fleet.east, only_once.id, "2026-12-02T11:00:00+07:00")
    assert only_once.id not in {d.site_id for d in due_sites(session, fleet.east, DAY, "summer")}  # re-planned: done


def test_a_repeat_of_a_miss_is_done_by_the_next_collection_and_is_then_not_due(session, fleet):
    site = conftest.add_site(session, fleet.east, 51, kind="once", on_date=date(2026, 11, 1)).id
    session.commit()
    _report(session, fleet.east, site, "2026-12-02T10:00:00+07:00", collected=False)
    repeat = add_site(session, site, "once", on_date=DAY + timedelta(days=2), missed_day=DAY)  # decided on the 3rd
    assert site in {d.site_id for d in due_sites(session, fleet.east, DAY + timedelta(days=1), "winter")}  # missed
    picked = _report(session, fleet.east, site, "2026-12-03T12:00:00+07:00")  # the «missed yesterday» stop
    session.refresh(repeat)
    assert repeat.done_by_pickup_id == picked
    assert site not in {d.site_id for d in due_sites(session, fleet.east, DAY + timedelta(days=2), "winter")}


def test_a_repeat_ordered_after_the_site_was_collected_is_done_at_once(session, fleet):
    site = conftest.add_site(session, fleet.east, 52, kind="once", on_date=date(2026, 11, 1)).id
    session.commit()
    _report(session, fleet.east, site, "2026-12-02T10:00:00+07:00", collected=False)
    picked = _report(session, fleet.east, site, "2026-12-03T08:30:00+07:00")  # before the operator decided
    repeat = add_site(session, site, "once", on_date=DAY + timedelta(days=2), missed_day=DAY)
    assert repeat.done_by_pickup_id == picked


def test_a_repeat_goes_to_a_day_after_the_miss(session, fleet):
    with pytest.raises(ScheduleError, match="на день после невывоза"):
        add_site(session, fleet.sites[0].id, "once", on_date=DAY, missed_day=DAY)
