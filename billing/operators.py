"""Service-task operators of billing: the one module of billing/ that knows a workflow engine exists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from marshmallow import Schema, fields, validate

from billing.penalty import individual_penalty, legal_entity_penalty
from engine.operators import operator

CLIENT_TYPES = ("ФЛ", "ЮЛ", "ИП")


class PenaltyInputs(Schema):
    client_type = fields.String(required=True, validate=validate.OneOf(CLIENT_TYPES))
    debt = fields.Decimal(required=True, places=2, validate=validate.Range(min=Decimal("0.01")))
    due_date = fields.Date(required=True)
    until = fields.Date(required=True)


@operator("billing.compute_penalty", inputs=PenaltyInputs, synchronous=True)
def compute_penalty(client_type: str, debt: Decimal, due_date: date, until: date) -> dict:
    """Penalty on one debt: ЖК РФ 155.14 for ФЛ, 1/130 for ЮЛ/ИП; the total, the rate and the calculation lines."""
    calculate = individual_penalty if client_type == "ФЛ" else legal_entity_penalty
    result = calculate(debt, due_date, until)
    return {
        "penalty": result.total,
        "penalty_rate": result.rate,
        "penalty_lines": [
            {"start": line.start, "end": line.end, "days": line.days, "base": line.base,
             "fraction": f"{line.fraction.numerator}/{line.fraction.denominator}", "amount": line.amount}
            for line in result.lines
        ],
    }
