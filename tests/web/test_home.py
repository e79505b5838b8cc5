"""The start page and the health check."""

from __future__ import annotations

from engine import instances
from engine.deployment import deploy
from identity.seed import seed_demo
from tests.engine.conftest import RULES, diagram
from tests.web.worklist.support import FreshContextClient, partner_id, sign_in


def test_health_check_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_the_start_page_needs_sign_in_and_shows_only_the_users_scope(app, session):
    app.test_client_class = FreshContextClient
    seed_demo(session)
    assert app.test_client().get("/").status_code in (302, 401)
    deploy(session, diagram("debtor.bpmn"), name="t", rules=RULES)
    deploy(session, diagram("broken_script.bpmn"), name="b", rules=RULES)
    instances.start_process(session, "svc_debtor", {"debt": 5000}, business_key="ЛС-777",
                            partner_id=partner_id(session, "east"))
    instances.start_process(session, "svc_debtor", {"debt": 5000}, business_key="ЛС-запад",
                            partner_id=partner_id(session, "west"))
    instances.start_process(session, "broken_script", {"divisor": 0})

    uk = app.test_client()
    sign_in(uk, "uk_dispatcher")
    page = uk.get("/").get_data(as_text=True)
    assert "svc_debtor" in page and "ЛС-777" in page and "ЛС-запад" in page
    assert "Остановлены с ошибкой" in page and "строка 2" in page and "division by zero" in page

    partner = app.test_client()
    sign_in(partner, "partner_operator")
    page = partner.get("/").get_data(as_text=True)
    assert "ЛС-777" in page and "ЛС-запад" not in page and "division by zero" not in page
