"""Managing partners and users (the admin page and `reglament create-user` call these)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from clients.requisites import RequisiteError, validate_inn
from identity.models import Partner, User, UserRole
from identity.passwords import hash_password
from identity.roles import PARTNER_ROLES, ROLES
from texts import N_, Text

USERNAME = re.compile(r"[A-Za-z0-9_.\-@]{2,80}")
MIN_PASSWORD = 8


class AdminError(ValueError):
    """A rejected change: `field` names the form field, `message` says why in Russian."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def create_user(session: Session, username: str, password: str, roles: Iterable[str], *, full_name: str = "",
                email: str | None = None, partner_id: int | None = None) -> User:
    """A new active user; the first admin is created with `reglament create-user NAME --role admin`."""
    username = username.strip()
    if not USERNAME.fullmatch(username):
        raise AdminError("username", N_("Имя пользователя: 2–80 латинских букв, цифр или знаков _ . - @"))
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AdminError("username", N_("Такой пользователь уже есть"))
    _check_password(password)
    user = User(username=username, password_hash=hash_password(password))
    session.add(user)
    _apply(session, user, roles=roles, full_name=full_name, email=email, partner_id=partner_id, active=True)
    session.commit()
    return user


def update_user(session: Session, user_id: int, *, roles: Iterable[str], full_name: str, email: str | None,
                partner_id: int | None, active: bool, password: str | None = None) -> User:
    """Change a user's roles, partner, name, e-mail, activity and (when given) password."""
    user = session.get(User, user_id)
    if user is None:
        raise AdminError("id", N_("Пользователь не найден"))
    if password:
        _check_password(password)
        user.password_hash = hash_password(password)
    _apply(session, user, roles=roles, full_name=full_name, email=email, partner_id=partner_id, active=active)
    session.commit()
    return user


def partner_ids(session: Session) -> list[int]:
    """Every partner of the network, for the regulations each of them runs (per-partner timer start events)."""
    return list(session.scalars(select(Partner.id).order_by(Partner.id)))


def partner_of(session: Session, username: str) -> int | None:
    """The partner `username` works for; None for the УК's users and for a name that is no platform user."""
    return session.scalar(select(User.partner_id).where(User.username == username))


def save_partner(session: Session, code: str, name: str, inn: str | None, partner_id: int | None = None) -> Partner:
    """Create (partner_id None) or change a partner; the ИНН is checked by its checksum."""
    code, name = code.strip(), name.strip()
    if not re.fullmatch(r"[a-z0-9_\-]{2,40}", code):
        raise AdminError("code", N_("Код: 2–40 строчных латинских букв, цифр, _ или -"))
    if not name:
        raise AdminError("name", N_("Укажите название"))
    try:
        inn = validate_inn(inn, field="inn") if inn and inn.strip() else None
    except RequisiteError as error:
        raise AdminError("inn", error.message) from error
    clash = session.scalar(select(Partner.id).where(Partner.code == code))
    if clash is not None and clash != partner_id:
        raise AdminError("code", N_("Партнёр с таким кодом уже есть"))
    partner = Partner() if partner_id is None else session.get(Partner, partner_id)
    if partner is None:
        raise AdminError("id", N_("Партнёр не найден"))
    partner.code, partner.name, partner.inn = code, name, inn
    session.add(partner)
    session.commit()
    return partner


def _apply(session: Session, user: User, *, roles: Iterable[str], full_name: str, email: str | None,
           partner_id: int | None, active: bool) -> None:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise AdminError("roles", Text("Неизвестные роли: %(roles)s", roles=", ".join(unknown)))
    if not roles:
        raise AdminError("roles", N_("Выберите хотя бы одну роль"))
    if partner_id is not None:
        if session.get(Partner, partner_id) is None:
            raise AdminError("partner_id", N_("Партнёр не найден"))
        if any(r not in PARTNER_ROLES for r in roles):
            raise AdminError("roles", N_("Сотруднику партнёра доступны только роли партнёра"))
    elif any(r in PARTNER_ROLES for r in roles) and not set(roles) - set(PARTNER_ROLES):
        raise AdminError("partner_id", N_("Для ролей партнёра выберите партнёра"))
    if email and not re.fullmatch(r"[^\s@]+@[^\s@]+\.[^\s@]+", email.strip()):
        raise AdminError("email", N_("Неверный адрес электронной почты"))
    user.full_name = full_name.strip()[:200]
    user.email = email.strip() if email and email.strip() else None
    user.partner_id = partner_id
    user.active = active
    current = {r.role: r for r in user.roles}
    user.roles = [current.get(r) or UserRole(role=r) for r in roles]


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AdminError("password", Text("Пароль не короче %(least)s символов", least=MIN_PASSWORD))
