"""The day's routes page: an SVG plot drawn by the server (no tiles, no internet), in Russian, behind sign-in, for
dispatchers and the partner's own people only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from routing.day_plan import plan_partner_day
from routing.plan import PlanSettings
from tests.routing.conftest import add_site, build_fleet
from tests.web.worklist.support import post, sign_in


@pytest.fixture
def planned(session):
    fleet = build_fleet(session)
    add_site(session, fleet.east, 50, latitude=None, longitude=None)
    session.commit()
    plan_partner_day(session, fleet.east, date(2026, 12, 2), temperature=Decimal(10),
                     settings=PlanSettings(time_limit_s=0.3))
    return fleet


def test_a_dispatcher_sees_the_routes_as_an_svg_plot_with_the_stop_lists(client, planned):
    sign_in(client, "uk_dispatcher")
    page = client.get("/routing/2026-12-02").get_data(as_text=True)
    assert "Маршруты на 02.12.2026" in page and "<svg" in page and "<polyline" in page
    assert page.count("<circle") >= 5 and "А123ВС154" in page and "Разгрузка: Полигон «Левобережный»" in page
    assert "у площадки нет координат" in page and "tile" not in page and "https://" not in page


def test_the_page_asks_for_sign_in_and_a_routing_role(client, planned):
    assert client.get("/routing/2026-12-02").status_code == 302
    sign_in(client, "uk_lawyer")
    assert client.get("/routing/2026-12-02").status_code == 403


def test_another_partner_sees_no_plan_of_ours(app, client, planned):
    sign_in(client, "west_operator")
    page = client.get("/routing/2026-12-02").get_data(as_text=True)
    assert "На этот день маршруты не построены." in page and "А123ВС154" not in page
    own = app.test_client()
    sign_in(own, "partner_operator")
    assert "А123ВС154" in own.get("/routing/?day=2026-12-02").get_data(as_text=True)


def test_in_english_the_reasons_and_the_why_of_each_stop_are_translated(client, session, planned):
    add_site(session, planned.east, 51, latitude="40.0000", longitude="30.0000")  # far outside the region
    session.commit()
    plan_partner_day(session, planned.east, date(2026, 12, 2), temperature=Decimal(10),
                     settings=PlanSettings(time_limit_s=0.3))
    sign_in(client, "uk_dispatcher")
    post(client, "/locale", {"locale": "en", "next": "/routing/2026-12-02"})
    page = client.get("/routing/2026-12-02").get_data(as_text=True)
    assert "Routes of 02.12.2026" in page and "Left out of the plan" in page
    assert "the site has no coordinates" in page and "the site's coordinates are outside the service area" in page
    assert "<td>daily</td>" in page and "у площадки нет координат" not in page and "ежедневно" not in page
