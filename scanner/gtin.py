"""Product barcodes: which kind a code is and, for GTINs, whether its check digit is right."""

from __future__ import annotations

from dataclasses import dataclass

from biip import ParseError
from biip.gtin import Gtin, GtinFormat

_KINDS = {
    GtinFormat.GTIN_8: "ean8",
    GtinFormat.GTIN_12: "upca",
    GtinFormat.GTIN_13: "ean13",
    GtinFormat.GTIN_14: "gtin14",
}


class BarcodeError(ValueError):
    """A code that looks like a GTIN but is not a valid one (the message says why)."""


@dataclass(frozen=True, slots=True)
class ProductCode:
    code: str
    kind: str  # ean8 | upca | ean13 | gtin14 | internal
    gtin: str | None  # 14 digits when the code is a GTIN


def classify_product_code(code: str) -> ProductCode:
    """All-digit codes of 8, 12, 13 or 14 digits must be valid GTINs; anything else is an internal code."""
    code = code.strip()
    if code.isdigit() and len(code) in (8, 12, 13, 14):
        try:
            gtin = Gtin.parse(code)
        except ParseError as error:
            raise BarcodeError(str(error)) from None
        return ProductCode(code, _KINDS[gtin.format], gtin.as_gtin_14())
    if code.isdigit() and len(code) < 15:
        raise BarcodeError(f"{code!r} is all digits but {len(code)} long; a GTIN has 8, 12, 13 or 14 digits")
    return ProductCode(code, "internal", None)
