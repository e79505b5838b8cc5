"""/admin: an admin creates partners and users, changes roles and partners, deactivates a user and resets a
password; invalid input is refused field by field in Russian and changes nothing; a post without the CSRF token is
refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from identity.models import Partner, User
from identity.seed import seed_demo
from tests.web.worklist.support import partner_id, post, sign_in

INN = "7707083893"  # a real ИНН: its check digit is right
WRONG = "Неверное имя пользователя или пароль"


@pytest.fixture
def admin(client, session):
    """The demo users, and the client signed in as `admin`."""
    seed_demo(session)
    sign_in(client, "admin")
    return client


def _user(session, username: str) -> User | None:
    session.expire_all()
    return session.scalar(select(User).where(User.username == username))


def _partners(session) -> list[tuple[str, str, str | None]]:
    session.expire_all()
    return list(session.execute(select(Partner.code, Partner.name, Partner.inn).order_by(Partner.code)))


def _new_user(**fields) -> dict:
    return {"username": "ivanova", "full_name": "Иванова Мария", "email": "ivanova@example.ru",
            "password": "пароль-Ивановой", "roles": ["partner_operator", "partner_manager"], **fields}


def test_an_admin_creates_a_partner_and_renames_it(admin, session):
    created = post(admin, "/admin/partners", {"code": "north", "name": "ООО «Северный вывоз»", "inn": INN},
                   follow_redirects=True)
    page = created.get_data(as_text=True)
    assert created.status_code == 200 and "Партнёр сохранён" in page and "ООО «Северный вывоз»" in page
    assert ("north", "ООО «Северный вывоз»", INN) in _partners(session)
    north = partner_id(session, "north")
    post(admin, "/admin/partners", {"id": north, "code": "north", "name": "ООО «Север»", "inn": ""})
    assert ("north", "ООО «Север»", None) in _partners(session)
    users_page = admin.get("/admin/users").get_data(as_text=True)
    assert "ООО «Север»" in users_page  # offered to new users


def test_an_admin_creates_a_partner_employee_who_signs_in_to_his_partner_tasks(admin, session):
    east = partner_id(session, "east")
    created = post(admin, "/admin/users", _new_user(partner_id=east), follow_redirects=True)
    page = created.get_data(as_text=True)
    assert "Пользователь ivanova создан" in page
    row = page.split("<strong>ivanova</strong>", 1)[1].split("</tr>", 1)[0]
    assert "Иванова Мария" in row and "ООО «Восток-Экология»" in row
    assert "Оператор партнёра" in row and "Руководитель партнёра" in row
    user = _user(session, "ivanova")
    assert user.partner_id == east and user.role_names == {"partner_operator", "partner_manager"}
    assert user.email == "ivanova@example.ru" and user.active
    post(admin, "/logout")
    assert sign_in(admin, "ivanova", "пароль-Ивановой").headers["Location"] == "/inbox"
    assert "Все задачи" in admin.get("/inbox").get_data(as_text=True)  # a partner manager's tab


def test_an_admin_changes_roles_and_the_user_sees_it_on_his_next_request(admin, session, app):
    operator = _user(session, "partner_operator")
    other = app.test_client()
    sign_in(other, "partner_operator")
    assert "Все задачи" not in other.get("/inbox").get_data(as_text=True)
    edit = admin.get(f"/admin/users/{operator.id}").get_data(as_text=True)
    assert 'value="partner_operator" checked' in edit and 'name="active" checked' in edit
    saved = post(admin, f"/admin/users/{operator.id}", {
        "full_name": "Оператор Восток", "email": "", "partner_id": operator.partner_id,
        "roles": ["partner_operator", "partner_manager"], "active": "on"}, follow_redirects=True)
    assert "Изменения сохранены" in saved.get_data(as_text=True)
    assert _user(session, "partner_operator").role_names == {"partner_operator", "partner_manager"}
    assert "Все задачи" in other.get("/inbox").get_data(as_text=True)


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in_again(admin, session, app):
    lawyer = _user(session, "uk_lawyer")
    theirs = app.test_client()
    sign_in(theirs, "uk_lawyer")
    assert theirs.get("/inbox").status_code == 200
    post(admin, f"/admin/users/{lawyer.id}", {"full_name": lawyer.full_name, "partner_id": "",
                                              "roles": ["uk_lawyer"]})  # «Активен» unchecked
    assert not _user(session, "uk_lawyer").active
    assert 'class="inactive"' in admin.get("/admin/users").get_data(as_text=True)
    assert theirs.get("/inbox").status_code == 302  # the open session ended
    refused = sign_in(theirs, "uk_lawyer")
    assert refused.status_code == 401 and WRONG in refused.get_data(as_text=True)


def test_a_reset_password_replaces_the_old_one_and_a_blank_one_keeps_it(admin, session, app):
    lawyer = _user(session, "uk_lawyer")
    form = {"full_name": lawyer.full_name, "partner_id": "", "roles": ["uk_lawyer"], "active": "on"}
    theirs = app.test_client()
    sign_in(theirs, "uk_lawyer")
    post(admin, f"/admin/users/{lawyer.id}", {**form, "password": "новый-пароль-юриста"})
    assert theirs.get("/inbox").status_code == 302  # a changed password ends the other sessions
    assert sign_in(theirs, "uk_lawyer").status_code == 401
    assert sign_in(theirs, "uk_lawyer", "новый-пароль-юриста").headers["Location"] == "/inbox"
    post(admin, f"/admin/users/{lawyer.id}", {**form, "full_name": "Юрист", "password": ""})
    assert _user(session, "uk_lawyer").full_name == "Юрист"
    assert theirs.get("/inbox").status_code == 200  # the password did not change


@pytest.mark.parametrize("fields, message", [
    ({"password": "short"}, "Пароль не короче 8 символов"),
    ({"username": "Иванова"}, "Имя пользователя: 2–80 латинских букв, цифр или знаков _ . - @"),
    ({"username": "demo"}, "Такой пользователь уже есть"),
    ({"roles": []}, "Выберите хотя бы одну роль"),
    ({"roles": ["superuser"]}, "Неизвестные роли: superuser"),
    ({}, "Для ролей партнёра выберите партнёра"),
    ({"partner_id": "{east}", "roles": ["uk_lawyer"]}, "Сотруднику партнёра доступны только роли партнёра"),
    ({"partner_id": "{east}", "email": "ivanova@"}, "Неверный адрес электронной почты"),
])
def test_an_invalid_new_user_is_refused_in_russian_and_nothing_is_written(admin, session, fields, message):
    east = str(partner_id(session, "east"))
    users = len(session.scalars(select(User)).all())
    form = _new_user(**{name: value.format(east=east) if isinstance(value, str) else value
                        for name, value in fields.items()})
    refused = post(admin, "/admin/users", form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and f'<p class="error" role="alert">{message}</p>' in page
    assert f'name="username" value="{form["username"]}"' in page  # what was typed is kept
    assert len(session.scalars(select(User)).all()) == users and _user(session, "ivanova") is None


def test_an_invalid_change_of_a_user_is_refused_and_changes_nothing(admin, session):
    operator = _user(session, "partner_operator")
    refused = post(admin, f"/admin/users/{operator.id}", {
        "full_name": "Переименован", "partner_id": operator.partner_id, "roles": ["uk_accountant"],
        "active": "on", "password": "new-password"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Сотруднику партнёра доступны только роли партнёра" in page
    after = _user(session, "partner_operator")
    assert after.role_names == {"partner_operator"} and after.full_name == operator.full_name
    assert after.password_hash == operator.password_hash


@pytest.mark.parametrize("fields, message", [
    ({"code": "North"}, "Код: 2–40 строчных латинских букв, цифр, _ или -"),
    ({"name": " "}, "Укажите название"),
    ({"inn": "7707083894"}, "Неверная контрольная сумма ИНН"),
    ({"code": "east"}, "Партнёр с таким кодом уже есть"),
])
def test_an_invalid_partner_is_refused_in_russian_and_nothing_is_written(admin, session, fields, message):
    before = _partners(session)
    form = {"code": "north", "name": "ООО «Север»", "inn": INN, **fields}
    refused = post(admin, "/admin/partners", form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and f'<p class="error" role="alert">{message}</p>' in page
    assert f'name="code" value="{form["code"]}" required' in page  # the new partner's form keeps what was typed
    assert _partners(session) == before


def test_admin_posts_without_the_csrf_token_are_refused_and_change_nothing(admin, session):
    lawyer = _user(session, "uk_lawyer")
    partners = _partners(session)
    for path, form in (("/admin/partners", {"code": "north", "name": "Север"}),
                       ("/admin/users", _new_user(partner_id=partner_id(session, "east"))),
                       (f"/admin/users/{lawyer.id}", {"roles": ["admin"], "active": "on"})):
        refused = admin.post(path, data=form)
        assert refused.status_code == 400 and "Форма устарела" in refused.get_data(as_text=True), path
    assert _partners(session) == partners and _user(session, "ivanova") is None
    assert _user(session, "uk_lawyer").role_names == {"uk_lawyer"}
