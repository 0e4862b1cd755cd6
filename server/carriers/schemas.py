"""Wire types for booking a package with a carrier."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct


class ShipmentIn(Struct, forbid_unknown_fields=True, kw_only=True):
    carrier: Annotated[str, Meta(min_length=1, max_length=32, description='"own_fleet" or a configured carrier\'s code')] = (
        "own_fleet"
    )


class ShipmentOut(Struct):
    package: str
    carrier: str
    tracking_number: str
    tracking_url: str | None  # the carrier's own tracking page, when it has one
    label_format: str | None  # of the carrier's label: zpl | pdf | html; None: print ours
    label_url: str  # what to print on the package: the carrier's label, else our own 4×6 label
