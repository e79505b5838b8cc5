"""What the priced kinds share: VAT rates, the contract reference, lines priced once with their VAT and totals.

Every sum on paper is computed once, here, rounded half-up per document line (billing.money, billing.vat).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, post_load, validate

from billing.money import round_rubles
from billing.vat import add_vat, split_inclusive
from documents.parties import LineSchema, text
from texts import N_

VAT_RATES = validate.OneOf([0, 5, 7, 10, 20, 22], error=N_("Ставка НДС: 0, 5, 7, 10, 20 или 22 %"))
ZERO = Decimal("0.00")


class DocumentReference(Schema):
    """A paper named by number and date: «Договор № 15-ТКО/2026 от 10.01.2026», a payment order, an act."""

    number = text()
    date = fields.Date(required=True)


def priced(lines: Iterable[Mapping[str, Any]], vat_rate: int | None, vat_included: bool) -> dict[str, Any]:
    """Lines with amount, VAT and gross each (rounded once per line) and the document totals."""
    rows = []
    for line in lines:
        amount = round_rubles(line["quantity"] * line["price"])
        split = split_inclusive(amount, vat_rate) if vat_included else add_vat(amount, vat_rate)
        rows.append({**line, "amount": amount, "net": split.net, "vat": split.vat, "gross": split.gross})
    return {
        "lines": rows,
        "net": sum((row["net"] for row in rows), ZERO),
        "vat": sum((row["vat"] for row in rows), ZERO),
        "total": sum((row["gross"] for row in rows), ZERO),
    }


class PricedDocument(Schema):
    lines = fields.List(fields.Nested(LineSchema), required=True, validate=validate.Length(min=1))
    vat_rate = fields.Integer(load_default=None, validate=VAT_RATES)
    vat_included = fields.Boolean(load_default=False)

    @post_load
    def totals(self, data: dict, **_: Any) -> dict:
        data.update(priced(data["lines"], data["vat_rate"], data["vat_included"]))
        return data
