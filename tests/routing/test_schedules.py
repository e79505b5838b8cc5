"""Putting sites on the routes and taking them off, with Russian reasons for what cannot be done."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from routing.schedules import ScheduleError, add_site, remove_site
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
