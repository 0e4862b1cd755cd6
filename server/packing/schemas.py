"""Wire types for package types."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

PackageTypeCode = Annotated[
    str, Meta(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$", description="letters, digits, . _ / -")
]
Name = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"\S", description="not blank")]
Millimetres = Annotated[int, Meta(ge=0, le=10_000, description="0: not measured")]
Grams = Annotated[int, Meta(ge=0, le=1_000_000, description="0: no limit")]


class PackageTypeIn(Struct, forbid_unknown_fields=True, kw_only=True):
    code: PackageTypeCode
    name: Name
    length_mm: Millimetres = 0
    width_mm: Millimetres = 0
    height_mm: Millimetres = 0
    max_weight_g: Grams = 0


class PackageTypeUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """The fields to change; the code stays (sealed packages keep naming their type by it)."""

    name: Name | None = None
    length_mm: Millimetres | None = None
    width_mm: Millimetres | None = None
    height_mm: Millimetres | None = None
    max_weight_g: Grams | None = None
    active: bool | None = None


class PackageTypeOut(Struct):
    id: int
    code: str
    name: str
    length_mm: int
    width_mm: int
    height_mm: int
    max_weight_g: int
    active: bool
