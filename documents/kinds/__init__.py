"""Kinds of documents: each names its template and declares the data it needs as a marshmallow schema.

The schemas live by family (accounting papers, claims and court, contracts, logistics); a schema's `post_load` adds
the derived amounts so that templates only print. `KINDS` is the one registry the renderer and operators read.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema

from documents.kinds.accounting import (
    ActData,
    InvoiceData,
    ReceiptData,
    ReconciliationData,
    UpdData,
    VatInvoiceData,
)
from documents.kinds.claims import ClaimData, CourtOrderData
from documents.kinds.contracts import ContractData
from documents.kinds.logistics import ContainerInstallationData, RouteSheetData

__all__ = ["KINDS", "Kind"]


@dataclass(frozen=True)
class Kind:
    """A kind of document: its template, its data schema, and whether it takes a number from the sequence."""

    name: str
    title: str
    template: str
    schema: type[Schema]
    numbered: bool = True
    number_format: str = "{number}"
    serif: bool = False  # legal prose (contracts, claims) is set in PT Serif and hyphenated
    landscape: bool = False

    def display_number(self, number: int | None, year: int) -> str | None:
        return None if number is None else self.number_format.format(number=number, year=year, yy=year % 100)


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("invoice", "Счёт на оплату", "invoice.html", InvoiceData),
    Kind("act", "Акт оказанных услуг", "act.html", ActData),
    Kind("upd", "Универсальный передаточный документ", "upd.html", UpdData, landscape=True),
    Kind("vat_invoice", "Счёт-фактура", "vat_invoice.html", VatInvoiceData, landscape=True),
    Kind("reconciliation", "Акт сверки взаимных расчётов", "reconciliation.html", ReconciliationData),
    Kind("receipt", "Квитанция", "receipt.html", ReceiptData, numbered=False),
    Kind("claim", "Претензия", "claim.html", ClaimData, number_format="{number}-П/{yy}", serif=True),
    Kind("court_order", "Заявление о выдаче судебного приказа", "court_order.html", CourtOrderData,
         number_format="{number}-СП/{yy}", serif=True),
    Kind("contract", "Договор на оказание услуг по обращению с ТКО", "contract.html", ContractData,
         number_format="{number}-ТКО/{year}", serif=True),
    Kind("route_sheet", "Маршрутный лист", "route_sheet.html", RouteSheetData, landscape=True),
    Kind("container_installation", "Акт установки контейнеров", "container_installation.html",
         ContainerInstallationData, number_format="{number}-КУ/{yy}"),
)}
