"""The platform's roles: they double as the candidate groups that user tasks name."""

from texts import N_

PARTNER_ROLES = ("partner_operator", "partner_manager", "agent", "crew")
UK_ROLES = ("uk_dispatcher", "uk_accountant", "uk_lawyer", "analyst", "manager", "admin")
ROLES = PARTNER_ROLES + UK_ROLES

ROLE_TITLES = {
    "partner_operator": N_("Оператор партнёра"),
    "partner_manager": N_("Руководитель партнёра"),
    "agent": N_("Агент"),
    "crew": N_("Экипаж"),
    "uk_dispatcher": N_("Диспетчер УК"),
    "uk_accountant": N_("Бухгалтер УК"),
    "uk_lawyer": N_("Юрист УК"),
    "analyst": N_("Аналитик процессов"),
    "manager": N_("Менеджер"),
    "admin": N_("Администратор"),
}


def is_role(name: str) -> bool:
    """True for a known role (and so a known candidate group)."""
    return name in ROLES
