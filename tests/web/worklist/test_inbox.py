"""/inbox: tabs and counters, columns, filters, sort, paging, claim (single and bulk), saved filters, htmx."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import event, select, update

from db import utcnow
from engine import instances
from engine.clock import BUSINESS_TZ
from engine.models import HumanTask
from identity.administration import create_user
from tests.web.worklist.support import (
    REMINDER,
    deploy_contractor_check,
    partner_id,
    post,
    sign_in,
    start_contractor_check,
    start_debtor,
)
from web.extensions import db


def _set(session, task_id: str, **values) -> None:
    """Give a task of the projection the due time, priority or creation time a test needs."""
    session.execute(update(HumanTask).where(HumanTask.id == task_id).values(**values))
    session.commit()


def _keys(client, query: str) -> list[str]:
    return [task["business_key"] for task in client.get(f"/inbox.json?{query}").json["tasks"]]


def _badges(page: str) -> dict[str, str]:
    """Business key → the SLA badge its row shows ('' without one)."""
    rows = re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", page, re.S)
    badges = {}
    for row in rows:
        key = re.search(r"(ЛС|КП)-\d+", row).group(0)
        badge = re.search(r'<span class="badge sla-\w+">([^<]+)</span>', row)
        badges[key] = badge.group(1) if badge else ""
    return badges


def test_the_group_tab_shows_the_partner_tasks_of_my_roles_with_counters(client, session, regulation):
    start_debtor(session, "east", "ЛС-1", REMINDER)
    start_debtor(session, "west", "ЛС-2", REMINDER)
    start_debtor(session, "east", "ЛС-3")  # a lawyer's task, not an operator's
    sign_in(client, "partner_operator")
    page = client.get("/inbox?tab=group").get_data(as_text=True)
    assert "Напомнить клиенту о долге" in page and "ЛС-1" in page
    assert "ЛС-2" not in page and "ЛС-3" not in page
    assert 'Задачи группы <span class="count">1</span>' in page
    assert 'Мои задачи <span class="count">0</span>' in page


def test_claiming_moves_a_task_to_my_tab_and_others_see_it_taken(client, session, regulation):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    assert post(client, f"/tasks/{task_id}/claim", {"then": "inbox"}).status_code == 302
    mine = client.get("/inbox").get_data(as_text=True)
    assert "ЛС-1" in mine and 'Мои задачи <span class="count">1</span>' in mine
    post(client, "/logout")
    sign_in(client, "partner_manager")
    everything = client.get("/inbox?tab=all").get_data(as_text=True)
    assert "ЛС-1" in everything and "Оператор партнёра" in everything and 'class="taken"' in everything


def test_bulk_claim_takes_what_is_free_and_reports_the_rest(client, session, regulation):
    first = start_debtor(session, "east", "ЛС-1", REMINDER)
    second = start_debtor(session, "east", "ЛС-2", REMINDER)
    session.execute(update(HumanTask).where(HumanTask.id == second).values(assignee="agent"))
    session.commit()
    sign_in(client, "partner_operator")
    response = post(client, "/inbox/claim", {"task_id": [first, second]}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Взята в работу 1 задача" in page and "не удалось" in page
    session.expire_all()
    assert session.get(HumanTask, first).assignee == "partner_operator"
    assert session.get(HumanTask, second).assignee == "agent"


def test_returning_a_task_from_its_page_puts_it_back_on_the_group_tab(client, session, regulation):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    post(client, f"/tasks/{task_id}/claim")
    assert "Вернуть в группу" in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    returned = post(client, f"/tasks/{task_id}/unclaim", follow_redirects=True)
    page = returned.get_data(as_text=True)
    assert returned.request.path == f"/tasks/{task_id}"
    assert "Задача возвращена в группу" in page and "Взять в работу" in page
    assert session.scalar(select(HumanTask.assignee).where(HumanTask.id == task_id)) is None
    inbox = client.get("/inbox?tab=group").get_data(as_text=True)
    assert "ЛС-1" in inbox and 'Мои задачи <span class="count">0</span>' in inbox


def test_a_manager_returns_a_colleagues_task_and_another_colleague_may_not(app, client, session, regulation):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    create_user(session, "east_operator", "east_operator", ["partner_operator"], partner_id=partner_id(session, "east"))
    sign_in(client, "partner_operator")
    post(client, f"/tasks/{task_id}/claim")
    colleague = app.test_client()
    sign_in(colleague, "east_operator")
    refused = post(colleague, f"/tasks/{task_id}/unclaim", follow_redirects=True).get_data(as_text=True)
    assert "Вернуть в группу может только исполнитель или руководитель" in refused
    assert session.scalar(select(HumanTask.assignee).where(HumanTask.id == task_id)) == "partner_operator"
    manager = app.test_client()
    sign_in(manager, "partner_manager")
    returned = post(manager, f"/tasks/{task_id}/unclaim", {"then": "inbox"}, follow_redirects=True)
    assert returned.request.path == "/inbox" and "Задача возвращена в группу" in returned.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(HumanTask.assignee).where(HumanTask.id == task_id)) is None


def test_a_user_outside_the_candidate_groups_cannot_claim(client, session, regulation):
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "crew")
    post(client, f"/tasks/{task_id}/claim")
    session.expire_all()
    assert session.get(HumanTask, task_id).assignee is None


def test_overdue_tasks_get_their_own_tab_and_the_sla_badge(client, session, regulation):
    late = start_debtor(session, "east", "ЛС-1", REMINDER)
    start_debtor(session, "east", "ЛС-2", REMINDER)
    session.execute(update(HumanTask).where(HumanTask.id == late).values(due_at=utcnow() - timedelta(days=2)))
    session.commit()
    sign_in(client, "partner_operator")
    page = client.get("/inbox?tab=overdue").get_data(as_text=True)
    assert "ЛС-1" in page and "ЛС-2" not in page and "просрочено" in page
    assert 'Просроченные <span class="count">1</span>' in page


def test_a_task_turns_overdue_when_its_due_time_passes(client, session, regulation):
    """The inbox keeps its statements built; the moment is bound on each request, so the same view moves on."""
    task_id = start_debtor(session, "east", "ЛС-1", REMINDER)
    due = utcnow() + timedelta(hours=3)
    session.execute(update(HumanTask).where(HumanTask.id == task_id).values(due_at=due))
    session.commit()
    sign_in(client, "partner_operator")
    assert "ЛС-1" not in client.get("/inbox?tab=overdue").get_data(as_text=True)
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        page = client.get("/inbox?tab=overdue").get_data(as_text=True)
        listed = client.get("/inbox.json?tab=overdue").get_json()
    assert "ЛС-1" in page and 'Просроченные <span class="count">1</span>' in page
    assert [task["business_key"] for task in listed["tasks"]] == ["ЛС-1"] and listed["total"] == 1


def test_filters_sort_and_paging(client, session, regulation):
    for number in range(30):
        start_debtor(session, "east", f"ЛС-{number:03d}", REMINDER)
    sign_in(client, "partner_manager")
    first = client.get("/inbox?tab=all&sort=-name").get_data(as_text=True)
    assert "Страница 1 из 2" in first
    second = client.get("/inbox.json?tab=all&page=2").json
    assert second["total"] == 30 and second["page"] == 2 and len(second["tasks"]) == 5
    past_the_end = client.get("/inbox.json?tab=all&page=9").json  # the last page, with the same total
    assert past_the_end["total"] == 30 and past_the_end["page"] == 2 and len(past_the_end["tasks"]) == 5
    found = client.get("/inbox.json?tab=all&q=ЛС-007").json
    assert found["total"] == 1 and found["tasks"][0]["business_key"] == "ЛС-007"
    assert client.get("/inbox.json?tab=all&process=nope").json["total"] == 0
    assert client.get("/inbox.json?tab=all&priority_min=90").json["total"] == 0
    today = utcnow().date()
    ranged = client.get(f"/inbox.json?tab=all&due_from={today}&due_to={today + timedelta(days=5)}").json
    assert ranged["total"] == 30


def test_each_sort_orders_the_rows_by_its_column_both_ways(app, client, session, regulation):
    deploy_contractor_check(session, app)
    start = utcnow()
    reminder = start_debtor(session, "east", "ЛС-1", REMINDER)  # «Напомнить клиенту о долге»
    claim = start_debtor(session, "east", "ЛС-2")  # «Подготовить претензию»
    check = start_contractor_check(session, "east", "КП-3")  # «Проверить реквизиты клиента»
    _set(session, reminder, created_at=start, due_at=start + timedelta(days=5), priority=50)
    _set(session, claim, created_at=start + timedelta(hours=1), due_at=start + timedelta(days=1), priority=70)
    _set(session, check, created_at=start + timedelta(hours=2), due_at=None, priority=90)
    sign_in(client, "partner_manager")
    orders = {"name": ["ЛС-1", "ЛС-2", "КП-3"], "-name": ["КП-3", "ЛС-2", "ЛС-1"],
              "due": ["ЛС-2", "ЛС-1", "КП-3"], "-due": ["ЛС-1", "ЛС-2", "КП-3"],  # no due date: last either way
              "priority": ["ЛС-1", "ЛС-2", "КП-3"], "-priority": ["КП-3", "ЛС-2", "ЛС-1"],
              "created": ["ЛС-1", "ЛС-2", "КП-3"], "-created": ["КП-3", "ЛС-2", "ЛС-1"]}
    for sort, keys in orders.items():
        assert _keys(client, f"tab=all&sort={sort}") == keys, sort
    assert _keys(client, "tab=all") == orders["due"]  # the default: the nearest due first
    page = client.get("/inbox?tab=all&sort=-name").get_data(as_text=True)
    assert page.index("КП-3") < page.index("ЛС-2") < page.index("ЛС-1")
    assert 'class="sort active">Задача ↓</a>' in page and "sort=name" in page  # a click sorts the other way


def test_the_process_and_priority_filters_keep_the_matching_tasks(app, client, session, regulation):
    deploy_contractor_check(session, app)
    start_debtor(session, "east", "ЛС-1", REMINDER)  # priority 50
    start_debtor(session, "east", "ЛС-2")  # priority 70
    start_contractor_check(session, "east", "КП-3")  # priority 70
    sign_in(client, "partner_manager")
    assert sorted(_keys(client, "tab=all&process=debtor_claim")) == ["ЛС-1", "ЛС-2"]
    assert _keys(client, "tab=all&process=contractor_check") == ["КП-3"]
    assert sorted(_keys(client, "tab=all&priority_min=70")) == ["КП-3", "ЛС-2"]
    assert sorted(_keys(client, "tab=all&priority_min=50")) == ["КП-3", "ЛС-1", "ЛС-2"]
    assert _keys(client, "tab=all&process=debtor_claim&priority_min=70") == ["ЛС-2"]
    page = client.get("/inbox?tab=all&process=contractor_check").get_data(as_text=True)
    assert '<option value="contractor_check" selected>Проверка контрагента</option>' in page
    assert "КП-3" in page and "ЛС-1" not in page and "ЛС-2" not in page


def test_the_sla_badge_says_overdue_today_soon_or_on_time_by_the_novosibirsk_day(client, session, regulation,
                                                                              time_machine):
    now = datetime(2026, 12, 10, 16, 0, tzinfo=BUSINESS_TZ)  # 09:00 in UTC
    time_machine.move_to(now, tick=False)
    dues = {"ЛС-1": now - timedelta(minutes=1), "ЛС-2": now.replace(hour=23, minute=59),
            "ЛС-3": now.replace(day=11, hour=0, minute=30),  # still 10 December in UTC, tomorrow in Novosibirsk
            "ЛС-4": now + timedelta(days=2), "ЛС-5": now + timedelta(days=2, minutes=1)}
    for key, due in dues.items():
        _set(session, start_debtor(session, "east", key, REMINDER), due_at=due.astimezone(UTC))
    sign_in(client, "partner_manager")
    page = client.get("/inbox?tab=all").get_data(as_text=True)
    assert _badges(page) == {"ЛС-1": "просрочено", "ЛС-2": "сегодня", "ЛС-3": "скоро", "ЛС-4": "скоро",
                             "ЛС-5": "в срок"}


def test_the_search_escapes_like_wildcards(client, session, regulation):
    start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_manager")
    assert client.get("/inbox.json?tab=all&q=%25").json["total"] == 0


def test_htmx_requests_get_only_the_results(client, session, regulation):
    start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    fragment = client.get("/inbox?tab=group", headers={"HX-Request": "true", "HX-Target": "inbox-results"})
    text = fragment.get_data(as_text=True)
    assert "ЛС-1" in text and "<html" not in text


def test_the_process_names_of_the_rows_are_read_once_per_process_version(app, client, session, regulation):
    start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    htmx = {"HX-Request": "true", "HX-Target": "inbox-results"}
    assert "Работа с дебитором" in client.get("/inbox?tab=group", headers=htmx).get_data(as_text=True)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fragment = client.get("/inbox?tab=group", headers=htmx).get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert "Работа с дебитором" in fragment
    assert not [s for s in statements if "FROM process_definition" in s]


def test_saved_filters_belong_to_their_user(client, session, regulation):
    sign_in(client, "partner_operator")
    post(client, "/inbox/filters", {"name": "Срочные", "query": "tab=group&priority_min=70"})
    page = client.get("/inbox").get_data(as_text=True)
    assert "Срочные" in page and "tab=group&amp;priority_min=70" in page
    post(client, "/logout")
    sign_in(client, "west_operator")
    assert "Срочные" not in client.get("/inbox").get_data(as_text=True)


def test_a_saved_filter_is_deleted_by_its_owner_only(client, session, regulation, app):
    sign_in(client, "partner_operator")
    post(client, "/inbox/filters", {"name": "Срочные", "query": "tab=group&priority_min=70"})
    page = client.get("/inbox").get_data(as_text=True)
    delete = re.search(r'action="(/inbox/filters/\d+/delete)"', page).group(1)
    other = app.test_client()
    sign_in(other, "west_operator")
    assert post(other, delete).status_code == 404  # not his filter: as if there were none, nothing deleted
    assert "Срочные" in client.get("/inbox").get_data(as_text=True)
    deleted = post(client, delete, follow_redirects=True).get_data(as_text=True)
    assert "Фильтр удалён" in deleted and "Срочные" not in deleted


def test_only_managers_have_the_all_tasks_tab(client, session, regulation):
    sign_in(client, "partner_operator")
    assert client.get("/inbox?tab=all").status_code == 200  # falls back to «Мои задачи»
    assert "Все задачи" not in client.get("/inbox").get_data(as_text=True)


def test_the_inbox_fits_a_phone(client, session, regulation):
    sign_in(client, "partner_operator")
    page = client.get("/inbox").get_data(as_text=True)
    assert 'name="viewport" content="width=device-width' in page
    tasks = session.scalars(select(HumanTask)).all()
    assert tasks == []


def test_a_task_offered_to_a_user_by_name_is_on_his_group_tab_and_he_can_claim_it(app, client, session, regulation):
    deploy_contractor_check(session, app)
    record = instances.start_process(session, "site_visit", {}, business_key="КП-7",
                                     partner_id=partner_id(session, "east"))
    task_id = session.scalar(select(HumanTask.id).where(HumanTask.instance_id == record.id))
    sign_in(client, "partner_operator")  # neither named nor in a candidate group
    assert "КП-7" not in client.get("/inbox?tab=group").get_data(as_text=True)
    post(client, "/logout")
    sign_in(client, "agent")
    page = client.get("/inbox?tab=group").get_data(as_text=True)
    assert "КП-7" in page and 'Задачи группы <span class="count">1</span>' in page
    assert post(client, f"/tasks/{task_id}/claim", {"then": "inbox"}).status_code == 302
    assert session.scalar(select(HumanTask.assignee).where(HumanTask.id == task_id)) == "agent"
    assert 'Мои задачи <span class="count">1</span>' in client.get("/inbox").get_data(as_text=True)


def test_the_search_finds_tasks_by_client_name_address_and_contract_number(client, session, regulation):
    client_fields = {"client_name": "ООО «Ромашка»", "address": "г. Новосибирск, ул. Ленина, 5",
                     "contract_number": "Д-2026/117"}
    start_debtor(session, "east", "ЛС-1", {**REMINDER, **client_fields})
    start_debtor(session, "east", "ЛС-2", {**REMINDER, "client_name": "ИП Васильев"})
    start_debtor(session, "west", "ЛС-3", {**REMINDER, **client_fields})  # another partner's client
    sign_in(client, "partner_manager")
    for text in ("ромашк", "УЛ. ЛЕНИНА", "2026/117"):
        found = client.get("/inbox.json", query_string={"tab": "all", "q": text}).json
        assert [t["business_key"] for t in found["tasks"]] == ["ЛС-1"], text
    assert client.get("/inbox.json?tab=all&q=Васильев").json["total"] == 1
    assert client.get("/inbox.json?tab=all&q=Сидоров").json["total"] == 0


def test_the_header_counts_the_tasks_that_appeared_since_i_last_opened_the_inbox(client, session, regulation):
    first = start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    assert "появилась 1 задача" in client.get("/inbox").get_data(as_text=True)
    assert 'class="count new"' not in client.get(f"/tasks/{first}").get_data(as_text=True)
    start_debtor(session, "east", "ЛС-2", REMINDER)
    start_debtor(session, "east", "ЛС-3", REMINDER)
    start_debtor(session, "west", "ЛС-4", REMINDER)  # not on my tabs
    start_debtor(session, "east", "ЛС-5")  # a lawyer's task: not on my tabs either
    assert '<span class="count new"' in client.get(f"/tasks/{first}").get_data(as_text=True)
    assert ">+2</span>" in client.get(f"/tasks/{first}").get_data(as_text=True)
    assert "появилось задач: 2" in client.get("/inbox?tab=group").get_data(as_text=True)
    assert 'class="count new"' not in client.get(f"/tasks/{first}").get_data(as_text=True)
    assert "появил" not in client.get("/inbox").get_data(as_text=True)


def test_two_first_visits_at_once_both_open_the_inbox(app, client, session, regulation):
    """Two tabs opened together: both requests find no visit yet and write one at the same moment."""
    start_debtor(session, "east", "ЛС-1", REMINDER)
    other = app.test_client()
    for each in (client, other):
        sign_in(each, "partner_operator")
    meeting, met = threading.Barrier(2, timeout=10), set()

    def meet_before_writing(_conn, _cursor, statement, *_args) -> None:
        writes = "inbox_visit" in statement and not statement.lstrip().startswith("SELECT")  # mark_seen's upsert
        if writes and threading.get_ident() not in met:
            met.add(threading.get_ident())
            meeting.wait()  # each visit has read «nothing seen yet»; now both write

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", meet_before_writing)
    try:
        with ThreadPoolExecutor(2) as pool:
            visits = [pool.submit(each.get, "/inbox") for each in (client, other)]
            statuses = [visit.result(timeout=30).status_code for visit in visits]  # a failed visit raises here
    finally:
        event.remove(engine, "before_cursor_execute", meet_before_writing)
    assert statuses == [200, 200] and len(met) == 2
    assert "появил" not in client.get("/inbox").get_data(as_text=True)
