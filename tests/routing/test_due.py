"""Which sites are due: the season (daily at ≥ +5 °C, every 3 days at ≤ +4 °C), fixed weekdays, one-off pickups,
and the sites missed yesterday."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from routing.due import due_sites, is_due, season_for, season_on
from routing.models import Pickup, RoutePlan, Season
from tests.routing.conftest import add_site

WEDNESDAY = date(2026, 12, 2)


def test_the_season_follows_the_mean_temperature():
    assert season_for(Decimal("5")) == "summer" and season_for(Decimal("12.5")) == "summer"
    assert season_for(Decimal("4")) == "winter" and season_for(Decimal("-25")) == "winter"


def test_in_summer_seasonal_sites_are_due_daily_and_in_winter_every_third_day():
    days = [WEDNESDAY + timedelta(days=n) for n in range(9)]
    assert all(is_due("seasonal", d, season="summer", site_id=7) for d in days)
    winter = [d for d in days if is_due("seasonal", d, season="winter", site_id=7)]
    assert len(winter) == 3 and all((b - a).days == 3 for a, b in zip(winter, winter[1:], strict=False))


def test_winter_spreads_sites_over_the_three_days():
    per_day = [sum(is_due("seasonal", WEDNESDAY + timedelta(days=n), season="winter", site_id=s) for s in range(30))
               for n in range(3)]
    assert per_day == [10, 10, 10]


def test_weekday_sites_follow_the_sites_bit_mask_and_one_offs_their_date():
    monday_and_wednesday = 1 | 4
    assert is_due("weekdays", WEDNESDAY, season="winter", site_id=1, weekdays=monday_and_wednesday)
    assert not is_due("weekdays", WEDNESDAY + timedelta(days=1), season="summer", site_id=1,
                      weekdays=monday_and_wednesday)
    assert is_due("once", WEDNESDAY, season="winter", site_id=1, on_date=WEDNESDAY)
    assert not is_due("once", WEDNESDAY + timedelta(days=1), season="summer", site_id=1, on_date=WEDNESDAY)


def test_the_season_switch_is_dated_data(session, fleet):
    assert season_on(session, WEDNESDAY) == "summer"
    session.add_all([Season(starts_on=date(2026, 4, 20), season="summer"),
                     Season(starts_on=date(2026, 10, 25), season="winter", mean_temperature=Decimal("3.5"))])
    session.commit()
    assert season_on(session, date(2026, 10, 24)) == "summer" and season_on(session, WEDNESDAY) == "winter"


def test_due_sites_of_a_partner_combine_schedules(session, fleet):
    weekday = add_site(session, fleet.east, 20, kind="weekdays", weekdays=4)  # Wednesdays
    friday = add_site(session, fleet.east, 21, kind="weekdays", weekdays=16)
    once = add_site(session, fleet.east, 22, kind="once", on_date=WEDNESDAY)
    session.commit()
    due = {d.site_id: d.why for d in due_sites(session, fleet.east, WEDNESDAY, "summer")}
    assert set(due) == {s.id for s in fleet.sites} | {weekday.id, once.id}
    assert friday.id not in due and fleet.west_site.id not in due
    assert due[weekday.id] == "по дням недели" and due[once.id] == "разовый вывоз"
    assert due[fleet.sites[0].id] == "ежедневно"


def test_sites_missed_yesterday_are_due_today(session, fleet):
    yesterday = WEDNESDAY - timedelta(days=1)
    blocked = add_site(session, fleet.east, 30, kind="once", on_date=yesterday)
    no_waste = add_site(session, fleet.east, 31, kind="once", on_date=yesterday)
    came_back = add_site(session, fleet.east, 32, kind="once", on_date=yesterday)
    left_out = add_site(session, fleet.east, 33, kind="once", on_date=yesterday)
    at = datetime(2026, 12, 1, 3, tzinfo=UTC)
    for number, (site, collected, reason) in enumerate([(blocked, False, "blocked_access"),
                                                        (no_waste, False, "no_waste"),
                                                        (came_back, False, "broken_container"),
                                                        (came_back, True, None)]):
        session.add(Pickup(uuid=f"00000000-0000-0000-0000-00000000000{number}", partner_id=fleet.east,
                           site_id=site.id, day=yesterday, at=at, collected=collected, reason=reason))
    session.add(RoutePlan(partner_id=fleet.east, day=yesterday,
                          result={"unplanned": [{"site_id": left_out.id, "reason": "не поместилась"}]}))
    session.commit()
    due = {d.site_id: d.why for d in due_sites(session, fleet.east, WEDNESDAY, "winter")}
    assert due[blocked.id] == "не вывезена вчера: нет подъезда"
    assert due[left_out.id] == "не вывезена вчера: не вошла в план"
    assert no_waste.id not in due and came_back.id not in due


def test_a_site_missed_yesterday_but_handed_to_another_partner_since_is_no_stop_of_the_old_one(session, fleet):
    yesterday = WEDNESDAY - timedelta(days=1)
    site = add_site(session, fleet.east, 34, kind="once", on_date=yesterday)
    session.add(Pickup(uuid="00000000-0000-0000-0000-000000000034", partner_id=fleet.east, site_id=site.id,
                       day=yesterday, at=datetime(2026, 12, 1, 3, tzinfo=UTC), collected=False,
                       reason="blocked_access"))
    site.partner_id = fleet.west
    session.commit()
    assert site.id not in {d.site_id for d in due_sites(session, fleet.east, WEDNESDAY, "winter")}
    # the new partner's schedule, not the old partner's miss, brings it out (here: none, its one-off has passed)
    assert site.id not in {d.site_id for d in due_sites(session, fleet.west, WEDNESDAY, "winter")}
