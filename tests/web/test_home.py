"""The start page and the health check."""

from __future__ import annotations

from engine import instances
from engine.deployment import deploy
from tests.engine.conftest import RULES, diagram


def test_health_check_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_the_start_page_lists_processes_running_and_failed_instances_in_russian(client, session):
    assert "Нет развёрнутых процессов" in client.get("/").get_data(as_text=True)
    deploy(session, diagram("debtor.bpmn"), name="t", rules=RULES)
    deploy(session, diagram("broken_script.bpmn"), name="b", rules=RULES)
    instances.start_process(session, "svc_debtor", {"debt": 5000}, business_key="ЛС-777")
    instances.start_process(session, "broken_script", {"divisor": 0})
    page = client.get("/").get_data(as_text=True)
    assert "svc_debtor" in page and "ЛС-777" in page
    assert "Остановлены с ошибкой" in page and "строка 2" in page and "division by zero" in page
