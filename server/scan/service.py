"""What a scan means in this warehouse: the pure interpretation (`scanner.interpret`) checked against
the database, in a fixed order (docs/scanning.md):

1. an SSCC → the package whose code is that SSCC, else the order or package whose shipping label
   carries it;
2. a GTIN (plain, or inside GS1 data) → the product with that barcode, in any GTIN length;
3. the scanned text itself → a location code, a product's barcode as printed, a SKU, a package
   code, an order's external reference;
4. our conventions → `TOTE-…` is a tote, `ORD-<id>` an order, a `/track/<token>` link an order.

Exact text comes before conventions so that registered data always wins, and it is tried even for
a code that is invalid as a barcode: an all-digit SKU or order number need not carry a GTIN check
digit. Nothing found: a valid code is `unknown`; an invalid one keeps its kind and says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from scanner import Scan, interpret
from scanner.sscc import order_of_sscc, package_of_sscc
from server.db import Database, Tx
from server.scan.schemas import LocationRef, OrderRef, PackageRef, ProductRef, ScanOut

_TRACK_PATH = re.compile(r"/track/([A-Za-z0-9_-]{8,32})/?")
_PACKAGE_SQL = "SELECT pk.code, pk.status, pk.sales_order FROM package pk WHERE pk.code IN "
_ORDER_SQL = "SELECT id, external_ref, status FROM sales_order WHERE "
_MAX_ID = 2_147_483_647  # row ids are 32-bit; a bigger number names no row (and PostgreSQL would refuse it)


@dataclass(frozen=True, slots=True)
class _Found:
    kind: str
    product: ProductRef | None = None
    location: LocationRef | None = None
    order: OrderRef | None = None
    package: PackageRef | None = None
    tote: str | None = None
    note: str | None = None


async def resolve(db: Database, raw: str, company_prefix: str) -> ScanOut:
    """Interpret a scan and find what it names here."""
    scan = interpret(raw)
    async with db.read() as tx:
        found = await _classify(tx, scan, company_prefix)
    return _answer(scan, found)


async def _classify(tx: Tx, scan: Scan, company_prefix: str) -> _Found | None:
    if scan.valid and scan.sscc:
        found = await _package(tx, scan.sscc, "00" + scan.sscc)
        if found is None:
            order_id = order_of_sscc(scan.sscc, company_prefix)
            found = await _order(tx, "id = ?", order_id) if order_id else None
        if found is None:
            package_id = package_of_sscc(scan.sscc, company_prefix)
            if package_id and package_id <= _MAX_ID:
                code = await tx.fetchval("SELECT code FROM package WHERE id = ?", package_id)
                found = await _package(tx, code) if code is not None else None
        if found:
            return found
    if scan.valid and scan.gtin:
        row = await tx.fetchrow(
            "SELECT p.sku, p.name FROM barcode b JOIN product p ON p.id = b.product WHERE b.gtin = ? OR b.code = ? "
            "ORDER BY b.id LIMIT 1",
            scan.gtin,
            scan.text,
        )
        if row:
            return _Found("product", product=ProductRef(row["sku"], row["name"]))
    if scan.text:
        found = await _by_text(tx, scan.text)
        if found:
            return found
    if scan.kind == "tote":
        return _Found("tote", tote=scan.code)
    if scan.kind == "order_like":
        return await _order(tx, "id = ?", scan.order_id)
    if scan.kind == "url":
        track = _TRACK_PATH.search(urlsplit(scan.text).path)
        if track:
            return await _order(tx, "tracking_token = ?", track.group(1))
    return None


async def _by_text(tx: Tx, text: str) -> _Found | None:
    """Registered codes that equal the scanned text exactly, in the documented order."""
    row = await tx.fetchrow("SELECT code, kind FROM location WHERE code = ? ORDER BY id LIMIT 1", text)
    if row:
        return _Found("location", location=LocationRef(row["code"], row["kind"]))
    row = await tx.fetchrow(
        "SELECT p.sku, p.name FROM barcode b JOIN product p ON p.id = b.product WHERE b.code = ?", text
    ) or await tx.fetchrow("SELECT sku, name FROM product WHERE sku = ?", text)
    if row:
        return _Found("product", product=ProductRef(row["sku"], row["name"]))
    found = await _package(tx, text)
    if found:
        return found
    rows = await tx.fetch(_ORDER_SQL + "external_ref = ? ORDER BY id LIMIT 3", text)
    if len(rows) == 1:
        return _Found("order", order=_order_ref(rows[0]))
    if rows:
        ids = ", ".join(f"ORD-{r['id']}" for r in rows)
        return _Found("unknown", note=f"{text!r} is the reference of several orders ({ids}); scan the packing slip's ORD code")
    return None


async def _package(tx: Tx, *codes: str) -> _Found | None:
    row = await tx.fetchrow(_PACKAGE_SQL + "(" + ", ".join("?" * len(codes)) + ") ORDER BY pk.id LIMIT 1", *codes)
    if row is None:
        return None
    order = await tx.fetchrow(_ORDER_SQL + "id = ?", row["sales_order"])
    return _Found(
        "package",
        package=PackageRef(row["code"], row["status"], row["sales_order"]),
        order=_order_ref(order),
    )


async def _order(tx: Tx, where: str, value: int | str | None) -> _Found | None:
    if isinstance(value, int) and not 0 < value <= _MAX_ID:
        return None
    row = await tx.fetchrow(_ORDER_SQL + where, value)
    return _Found("order", order=_order_ref(row)) if row else None


def _order_ref(row) -> OrderRef:
    return OrderRef(row["id"], row["external_ref"], row["status"])


def _answer(scan: Scan, found: _Found | None) -> ScanOut:
    if found is not None:
        kind, valid, error = found.kind, True, found.note
    elif scan.valid:
        kind, valid, error = "unknown", True, None
    else:
        kind, valid, error = scan.kind, False, scan.error
    found = found or _Found(kind)
    return ScanOut(
        kind=kind,
        valid=valid,
        code=scan.code or scan.text or None,
        gtin=scan.gtin,
        sscc=scan.sscc,
        lot=scan.lot,
        expiry=scan.expiry,
        best_before=scan.best_before,
        serial=scan.serial,
        count=scan.count,
        weight_kg=scan.weight_kg,
        product=found.product,
        location=found.location,
        order=found.order,
        package=found.package,
        tote=found.tote,
        error=error,
    )
