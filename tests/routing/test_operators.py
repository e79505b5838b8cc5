"""The routing operators as a diagram calls them: through the registry, with validated inputs."""

from __future__ import annotations

import uuid

from engine.operators import registry

DAY = "2026-12-02"


def test_the_five_routing_topics_are_registered(app):
    assert {"routing.plan_day", "routing.add_site", "routing.remove_site", "routing.record_pickups",
            "routing.missed_pickups"} <= set(registry.topics())


def test_a_diagram_puts_a_site_on_the_routes_plans_the_day_and_takes_it_off(session, fleet):
    site = fleet.west_site.id
    added = registry.call("routing.add_site", {"site_id": site, "kind": "once", "on_date": DAY})
    assert registry.call("routing.add_site", {"site_id": site, "kind": "once", "on_date": DAY}) == added
    planned = registry.call("routing.plan_day", {"partner_id": fleet.east, "day": DAY, "temperature": "8",
                                                 "time_limit_s": 0.3})
    assert planned["plan_trucks"] == 1 and planned["plan_unplanned"] == []
    assert planned["plan_landfill_visits"] >= 1
    assert registry.call("routing.remove_site", {"site_id": site}) == {"schedules_ended": 2}
    assert registry.call("routing.remove_site", {"site_id": site}) == {"schedules_ended": 0}


def test_missed_pickups_feed_a_task(session, fleet):
    items = [{"uuid": str(uuid.uuid4()), "site_id": fleet.sites[0].id, "collected": False,
              "reason": "blocked_access", "at": "2026-12-02T10:00:00+07:00"},
             {"uuid": "not-a-uuid", "site_id": fleet.sites[0].id, "collected": True, "containers": 1,
              "at": "2026-12-02T10:00:00+07:00"}]
    recorded = registry.call("routing.record_pickups", {"partner_id": fleet.east, "items": items})
    assert recorded["pickups_recorded"] == 1
    assert recorded["pickup_errors"] == [{"index": 1, "uuid": "not-a-uuid",
                                          "errors": {"uuid": ["нужен UUID, созданный телефоном"]}}]
    missed = registry.call("routing.missed_pickups", {"day": DAY, "partner_id": fleet.east})
    assert missed["missed_count"] == 1 and missed["missed_pickups"][0]["reason_text"] == "нет подъезда"
