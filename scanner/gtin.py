"""Product barcodes: which kind a code is and, for GTINs, whether its check digit is right."""

from __future__ import annotations

import re
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


# What an internal code may hold: it is printed as Code 128, whose characters are ASCII (Latin-1 only
# through FNC4, which scanners turn into whatever their code page says), and a control character or a
# bidirectional override would print as nothing, or as a lie, under the bars.
_PRINTABLE_ASCII = re.compile(r"[ -~]+")


def classify_product_code(code: str) -> ProductCode:
    """All-digit codes of 8, 12, 13 or 14 digits must be valid GTINs (EAN-8, UPC-A, EAN-13, GTIN-14,
    check digit included); anything else is an internal code, printed as Code 128: printable ASCII."""
    code = code.strip()
    if not _PRINTABLE_ASCII.fullmatch(code):
        bad = next((c for c in code if not _PRINTABLE_ASCII.fullmatch(c)), "")
        where = f"{bad!r} (U+{ord(bad):04X}) at position {code.index(bad) + 1}" if bad else "nothing"
        raise BarcodeError(
            f"an internal code is printed as Code 128, which carries printable ASCII only (space to ~); got {where}"
        )
    if code.isdigit() and len(code) in (8, 12, 13, 14):
        try:
            gtin = Gtin.parse(code)
        except ParseError as error:
            raise BarcodeError(f"{_KIND_NAMES[len(code)]}: {error}") from None
        return ProductCode(code, _KINDS[gtin.format], gtin.as_gtin_14())
    if code.isdigit() and len(code) < 15:
        raise BarcodeError(f"{code!r} is all digits but {len(code)} long; a GTIN has 8, 12, 13 or 14 digits")
    return ProductCode(code, "internal", None)


_KIND_NAMES = {8: "an EAN-8", 12: "a UPC-A", 13: "an EAN-13", 14: "a GTIN-14"}
