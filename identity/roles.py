"""The platform's roles: they double as the candidate groups that user tasks name."""

PARTNER_ROLES = ("partner_operator", "partner_manager", "agent", "crew")
UK_ROLES = ("uk_dispatcher", "uk_accountant", "uk_lawyer", "analyst", "manager", "admin")
ROLES = PARTNER_ROLES + UK_ROLES

ROLE_TITLES = {
    "partner_operator": "Оператор партнёра",
    "partner_manager": "Руководитель партнёра",
    "agent": "Агент",
    "crew": "Экипаж",
    "uk_dispatcher": "Диспетчер УК",
    "uk_accountant": "Бухгалтер УК",
    "uk_lawyer": "Юрист УК",
    "analyst": "Аналитик процессов",
    "manager": "Менеджер",
    "admin": "Администратор",
}


def is_role(name: str) -> bool:
    """True for a known role (and so a known candidate group)."""
    return name in ROLES
