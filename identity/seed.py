"""Demo partners and users: `demo`/`demo` with every role (as Camunda's distribution has) plus one user per role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from identity.models import Partner, User, UserRole
from identity.passwords import hash_password
from identity.roles import PARTNER_ROLES, ROLE_TITLES, ROLES

DEMO_PARTNERS = (
    ("east", "ООО «Восток-Экология»", "5406123450"),
    ("west", "ООО «Западный вывоз»", "5407654327"),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    title: str
    partner: str | None


def seed_demo(session: Session) -> list[DemoLogin]:
    """Create the demo partners and users that do not exist yet; return every demo login. Idempotent."""
    partners = {}
    for code, name, inn in DEMO_PARTNERS:
        partner = session.scalar(select(Partner).where(Partner.code == code))
        if partner is None:
            partner = Partner(code=code, name=name, inn=inn)
            session.add(partner)
        partners[code] = partner
    session.flush()
    logins = [_user(session, "demo", "demo", "Демо (все роли)", ROLES, None)]
    for role in ROLES:
        partner = partners["east"] if role in PARTNER_ROLES else None
        logins.append(_user(session, role, role, ROLE_TITLES[role], (role,), partner))
    logins.append(_user(session, "west_operator", "west_operator", "Оператор партнёра (Запад)",
                        ("partner_operator",), partners["west"]))
    session.commit()
    return logins


def _user(session: Session, username: str, password: str, title: str, roles, partner: Partner | None) -> DemoLogin:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, full_name=title, password_hash=hash_password(password),
                    partner_id=partner.id if partner else None, roles=[UserRole(role=r) for r in roles])
        session.add(user)
    return DemoLogin(username, password, title, partner.name if partner else None)
