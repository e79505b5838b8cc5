"""The clients registry: create with requisites validation and duplicate detection, find duplicates, merge.

Services take a session and own their transaction, and the caller's `scope` (db.scope.PartnerScope): a row
of another partner does not exist for the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from clients.models import CLIENT_KINDS, Client, ClientObject, Contact, Contract
from clients.requisites import validate_requisites
from db.scope import PartnerScope

# Legal-form words and quotes do not tell two clients apart: «ООО "Ромашка"» is ООО Ромашка is ромашка.
_LEGAL_FORMS = re.compile(r"\b(ооо|оао|зао|пао|ао|ип|нко|ано|муп|гуп|тсж|жск)\b")
_ADDRESS_WORDS = re.compile(r"\b(г|гор|город|ул|улица|д|дом|кв|квартира|пр|пр-т|проспект|пер|обл|область|р-н)\b")
_NON_WORD = re.compile(r"[^\w]+")


class ClientError(Exception):
    """Base of the registry's refusals; `message` is Russian, for the user."""


class InvalidClient(ClientError):
    """Field errors: {field: [messages]}."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("Проверьте заполнение полей")
        self.errors = errors


class ClientNotFound(ClientError):
    pass


class DuplicateClient(ClientError):
    """Possible duplicates exist; the caller may confirm creation with `allow_duplicate`."""

    def __init__(self, duplicates: list[Duplicate]) -> None:
        super().__init__("Похожий клиент уже есть в реестре")
        self.duplicates = duplicates


@dataclass(frozen=True)
class Duplicate:
    client_id: int
    name: str
    inn: str | None
    reason: str  # "inn" or "name_address"


def normalize_name(name: str) -> str:
    """Lower case, no quotes, no legal form, single spaces: the key two spellings of one client share."""
    text = _LEGAL_FORMS.sub(" ", name.lower().replace("ё", "е"))
    return " ".join(_NON_WORD.sub(" ", text).split())


def normalize_address(address: str) -> str:
    """Lower case without the abbreviations of street, house, flat: «г. Новосибирск, ул. Ленина, д. 1» → words."""
    text = _ADDRESS_WORDS.sub(" ", _NON_WORD.sub(" ", address.lower().replace("ё", "е")))
    return " ".join(text.split())


def find_duplicates(session: Session, scope: PartnerScope, *, inn: str | None = None, name: str = "",
                    address: str = "", exclude_id: int | None = None) -> list[Duplicate]:
    """Live clients with the same ИНН, or the same normalized name and address, visible to the caller."""
    query = _duplicate_query(inn, name, address)
    if query is None:
        return []
    if exclude_id is not None:
        query = query.where(Client.id != exclude_id)
    return _duplicates(session, scope.restrict(query, Client.partner_id), inn)


def _duplicate_query(inn: str | None, name: str, address: str) -> Select | None:
    """Live clients with the same ИНН or the same normalized name and address; None when nothing identifies one."""
    conditions = []
    if inn:
        conditions.append(Client.inn == inn)
    name_key, address_key = normalize_name(name), normalize_address(address)
    if name_key and address_key:
        conditions.append((Client.name_key == name_key) & (Client.address_key == address_key))
    if not conditions:
        return None
    return select(Client.id, Client.name, Client.inn).where(or_(*conditions), Client.merged_into_id.is_(None))


def _duplicates(session: Session, query: Select, inn: str | None) -> list[Duplicate]:
    return [Duplicate(row.id, row.name, row.inn, "inn" if inn and row.inn == inn else "name_address")
            for row in session.execute(query.order_by(Client.id))]


def create_client(session: Session, partner_id: int, data: dict[str, Any], *,
                  allow_duplicate: bool = False) -> Client:
    """Validate requisites, refuse a likely duplicate unless confirmed, store the client with its contacts."""
    kind = data.get("kind")
    if kind not in CLIENT_KINDS:
        raise InvalidClient({"kind": ["Тип клиента: ФЛ, ЮЛ или ИП"]})
    requisites, errors = validate_requisites(kind, {name: data.get(name) for name in (
        "inn", "kpp", "ogrn", "ogrnip", "snils", "bik", "bank_account", "correspondent_account")})
    if not (data.get("name") or "").strip():
        errors["name"] = ["Укажите наименование или ФИО клиента"]
    if errors:
        raise InvalidClient(errors)
    name, address = data["name"].strip(), (data.get("address") or "").strip()
    query = _duplicate_query(requisites.get("inn"), name, address)
    if query is not None and not allow_duplicate:
        # A duplicate is one of the owner's own clients, whoever registers it (a УК user registers for a partner).
        duplicates = _duplicates(session, query.where(Client.partner_id == partner_id), requisites.get("inn"))
        if duplicates:
            raise DuplicateClient(duplicates)
    client = Client(
        partner_id=partner_id, kind=kind, name=name, name_key=normalize_name(name),
        inn=requisites.get("inn"), kpp=requisites.get("kpp"),
        ogrn=requisites.get("ogrn") or requisites.get("ogrnip"), snils=requisites.get("snils"),
        bik=requisites.get("bik"), bank_account=requisites.get("bank_account"),
        correspondent_account=requisites.get("correspondent_account"),
        address=address, address_key=normalize_address(address),
        contacts=[Contact(kind=c["kind"], value=c["value"], person=c.get("person", ""))
                  for c in data.get("contacts") or ()],
    )
    session.add(client)
    session.commit()
    return client


def get_client(session: Session, scope: PartnerScope, client_id: int) -> Client:
    """The client if the caller may see it; ClientNotFound otherwise (another partner's client does not exist)."""
    client = session.get(Client, client_id)
    if client is None or not scope.allows(client.partner_id):
        raise ClientNotFound(f"Клиент {client_id} не найден")
    return client


def merge_clients(session: Session, scope: PartnerScope, keep_id: int, duplicate_id: int) -> Client:
    """Move the duplicate's objects, contracts and contacts to `keep_id`; the duplicate stays, marked merged."""
    keep = get_client(session, scope, keep_id)
    duplicate = get_client(session, scope, duplicate_id)
    if keep.id == duplicate.id or keep.partner_id != duplicate.partner_id:
        raise InvalidClient({"duplicate_id": ["Объединять можно только разных клиентов одного партнёра"]})
    if duplicate.merged_into_id == keep.id:
        return keep  # already merged: idempotent
    for model in (ClientObject, Contract, Contact):
        session.execute(update(model).where(model.client_id == duplicate.id).values(client_id=keep.id))
    # Accounts keep their history under the surviving client (billing refers to the client by id).
    from_billing = Client.metadata.tables.get("billing_account")
    if from_billing is not None:
        session.execute(update(from_billing).where(from_billing.c.client_id == duplicate.id)
                        .values(client_id=keep.id))
    duplicate.merged_into_id = keep.id
    session.commit()
    session.expire_all()
    return keep
