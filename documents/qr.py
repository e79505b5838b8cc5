"""The payment QR code of a receipt: the ГОСТ Р 56042-2014 string and its image.

`ST0001` + `2` (UTF-8), then `|Key=Value` pairs; the five required fields (Name, PersonalAcc, BankName, BIC,
CorrespAcc) first, then the optional ones. Values may not contain the separator `|`.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import segno

from documents.formatting import kopecks, period_code

HEADER = "ST00012"  # format ST0001, encoding 2 = UTF-8
SEPARATOR = "|"


def payment_string(payee: Mapping, account: str, amount: Decimal, purpose: str, period: date) -> str:
    """`ST00012|Name=…|PersonalAcc=…|BankName=…|BIC=…|CorrespAcc=…|PayeeINN=…|Sum=<kopecks>|Purpose=…|PersAcc=…|
    PaymPeriod=MMYY` for a receipt's payee (a PayeeSchema mapping) and account."""
    bank = payee["bank"]
    pairs = (
        ("Name", payee["name"]),
        ("PersonalAcc", bank["account"]),
        ("BankName", bank["name"]),
        ("BIC", bank["bik"]),
        ("CorrespAcc", bank["correspondent_account"]),
        ("PayeeINN", payee["inn"]),
        ("Sum", str(kopecks(amount))),
        ("Purpose", purpose),
        ("PersAcc", account),
        ("PaymPeriod", period_code(period)),
    )
    for key, value in pairs:
        if SEPARATOR in str(value):
            raise ValueError(f"the QR field {key} may not contain {SEPARATOR!r}")
    return HEADER + "".join(f"{SEPARATOR}{key}={value}" for key, value in pairs)


def png_data_uri(content: str, scale: int = 2) -> str:
    """The QR code as a PNG `data:` URI (a raster image is cheaper for WeasyPrint to lay out than an SVG).

    Two pixels per module: the stylesheet scales the image with `image-rendering: pixelated` (sharp modules at any
    print resolution), and encoding and embedding handle fewer pixels than a smoothed larger image would need;
    one pixel per module no longer decodes from a 200 dpi raster."""
    # A fixed mask: any mask is valid, and choosing the "best" one is most of segno's time (≈ 80 ms a code).
    code = segno.make(content, error="m", encoding="utf-8", micro=False, mask=4)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=2)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
