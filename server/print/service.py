"""The data behind each printed document, with its barcodes already drawn (scanner.render)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from scanner.render import LabelData, barcode_svg, product_barcode
from scanner.sscc import hri, sscc_for_order, sscc_for_package
from server.carriers.registry import Carriers
from server.db import Database, in_list
from server.errors import DomainError
from server.orders.schemas import OrderOut
from server.orders.service import read_order
from server.tracking.service import tracking_url
from server.waves.schemas import WaveOut
from server.waves.service import get_wave

log = logging.getLogger("shipshape")

# A shipping label for these would send goods that must not leave.
_NO_LABEL = {"cancelled": "it was cancelled", "on_hold": "it is on hold (payment pending)"}


def order_code(order_id: int) -> str:
    """The code printed on packing slips and labels; scanning it finds the order (docs/scanning.md)."""
    return f"ORD-{order_id}"


@dataclass
class PickList:
    wave: WaveOut
    order_refs: dict[int, str]
    units: int


async def pick_list(db: Database, wave_id: int) -> PickList | None:
    wave = await get_wave(db, wave_id)
    if wave is None:
        return None
    order_ids = sorted({t.order_id for t in wave.tasks})
    refs: dict[int, str] = {}
    if order_ids:
        async with db.read() as tx:
            rows = await tx.fetch(f"SELECT id, external_ref FROM sales_order WHERE id IN {in_list(order_ids)}", *order_ids)
        refs = {r["id"]: r["external_ref"] for r in rows}
    return PickList(wave, refs, sum(t.qty for t in wave.tasks))


@dataclass
class SlipLine:
    line_no: int
    sku: str
    name: str
    qty: int
    qty_picked: int
    status: str
    barcode: str | None  # inline SVG of the product's first barcode
    barcode_text: str | None


@dataclass
class SlipPackage:
    """One package of the order, as the slip and the package labels list it."""

    id: int
    code: str
    status: str
    sealed: bool
    package_type: str
    weight_g: int
    carrier: str
    tracking_number: str


@dataclass
class PackingSlip:
    order: OrderOut
    warehouse: str
    code: str
    code_svg: str
    tracking_url: str | None  # None when no public URL is configured: no link to print
    tracking_svg: str | None
    lines: list[SlipLine]
    packages: list[SlipPackage] = field(default_factory=list)


async def _order_with_extras(db: Database, order_id: int):
    async with db.read() as tx:
        order = await read_order(tx, order_id)
        if order is None:
            return None, None, None, None
        warehouse = await tx.fetchval(
            "SELECT w.name FROM sales_order o JOIN warehouse w ON w.id = o.warehouse WHERE o.id = ?", order_id
        )
        products = await tx.fetch(
            "SELECT p.sku, p.weight_g, l.qty, l.status, "
            "(SELECT b.code FROM barcode b WHERE b.product = p.id ORDER BY b.id LIMIT 1) AS code, "
            "(SELECT b.kind FROM barcode b WHERE b.product = p.id ORDER BY b.id LIMIT 1) AS kind "
            "FROM order_line l JOIN product p ON p.id = l.product WHERE l.sales_order = ?",
            order_id,
        )
        packages = await tx.fetch(
            "SELECT id, code, status, sealed_at, package_type, weight_g, carrier, tracking_number FROM package "
            "WHERE sales_order = ? ORDER BY id",
            order_id,
        )
    return order, warehouse, products, [_slip_package(p) for p in packages]


def _slip_package(row) -> SlipPackage:
    return SlipPackage(
        row["id"],
        row["code"],
        row["status"],
        row["sealed_at"] is not None,
        row["package_type"],
        row["weight_g"],
        row["carrier"],
        row["tracking_number"],
    )


async def packing_slip(db: Database, order_id: int, public_url: str | None) -> PackingSlip | None:
    order, warehouse, products, packages = await _order_with_extras(db, order_id)
    if order is None:
        return None
    barcodes = {p["sku"]: (p["code"], p["kind"]) for p in products}
    lines = []
    for line in order.lines:
        code, kind = barcodes.get(line.sku, (None, None))
        svg = _product_svg(code, kind) if code else None
        lines.append(SlipLine(line.line_no, line.sku, line.name, line.qty, line.qty_picked, line.status, svg, code))
    url = tracking_url(public_url, order.tracking_token) if public_url else None
    code = order_code(order.id)
    return PackingSlip(
        order=order,
        warehouse=warehouse,
        code=code,
        code_svg=barcode_svg("code128", code, module_mm=0.4, height_mm=12),
        tracking_url=url,
        tracking_svg=barcode_svg("qr", url, module_mm=0.6) if url else None,
        lines=lines,
        packages=packages,
    )


def _product_svg(code: str, kind: str) -> str | None:
    """The product's barcode drawn for the slip, or None when its symbology cannot carry the code (one
    stored before barcodes were checked): the slip then shows the code as text, never fails."""
    symbology, content = product_barcode(code, kind)
    try:
        return barcode_svg(symbology, content, module_mm=0.33, height_mm=10)
    except ValueError:
        log.warning("product barcode %r cannot be drawn as %s; printed as text", code, symbology)
        return None


@dataclass
class ShippingLabel:
    order: OrderOut
    data: LabelData
    sscc_svg: str
    tracking_svg: str | None  # None when no public URL is configured (data.tracking_url is then "")


def _refuse_label(order: OrderOut, field: str) -> None:
    if order.status in _NO_LABEL:
        raise DomainError(
            f"order_{order.status}",
            f"no shipping label for order {order.external_ref}: {_NO_LABEL[order.status]}",
            field=field,
            status=409,
        )


def _label(
    order: OrderOut, warehouse: str, sscc: str, company_prefix: str, public_url: str | None, grams: int, **package: Any
) -> ShippingLabel:
    """The 4×6 label of an order, or of one of its packages (`package`: LabelData's package fields)."""
    to = order.ship_to
    data = LabelData(
        sscc=sscc,
        sscc_hri=hri(sscc, company_prefix),
        tracking_url=tracking_url(public_url, order.tracking_token) if public_url else "",
        order_ref=order.external_ref,
        order_code=order_code(order.id),
        ship_from=[warehouse],
        ship_to=[
            line for line in (order.customer.name, to.line1, to.line2, f"{to.postcode} {to.city}", to.region, to.country) if line
        ],
        weight_kg=grams / 1000 if grams else None,
        **package,
    )
    return ShippingLabel(
        order=order,
        data=data,
        # GS1 logistic label: modules at least 0.495 mm, bars at least 31.75 mm tall.
        sscc_svg=barcode_svg("gs1-128", f"(00){sscc}", module_mm=0.5, height_mm=32),
        tracking_svg=barcode_svg("qr", data.tracking_url, module_mm=0.7) if data.tracking_url else None,
    )


async def shipping_label(db: Database, order_id: int, company_prefix: str, public_url: str | None) -> ShippingLabel | None:
    order, warehouse, products, _ = await _order_with_extras(db, order_id)
    if order is None:
        return None
    _refuse_label(order, "order_id")
    grams = sum(p["weight_g"] * p["qty"] for p in products if p["status"] != "cancelled")
    try:
        sscc = sscc_for_order(order.id, company_prefix)
    except ValueError as error:  # order ids have outgrown the serial reference the prefix leaves
        raise DomainError("sscc_exhausted", str(error), field="order_id", status=409) from None
    return _label(order, warehouse, sscc, company_prefix, public_url, grams)


async def package_label(
    db: Database, code: str, company_prefix: str, public_url: str | None, carriers: Carriers
) -> ShippingLabel | None:
    """One package's label: the order's addresses, "package n of m", its own SSCC, its carrier booking."""
    async with db.read() as tx:
        order_id = await tx.fetchval("SELECT sales_order FROM package WHERE code = ?", code)
    if order_id is None:
        return None
    order, warehouse, _, packages = await _order_with_extras(db, order_id)
    assert order is not None  # a package's order is never deleted
    _refuse_label(order, "code")
    n, package = next((n, p) for n, p in enumerate(packages, start=1) if p.code == code)
    try:
        sscc = sscc_for_package(package.id, company_prefix)
    except ValueError as error:
        raise DomainError("sscc_exhausted", str(error), field="code", status=409) from None
    carrier = carriers.get(package.carrier) if package.carrier else None
    return _label(
        order,
        warehouse,
        sscc,
        company_prefix,
        public_url,
        package.weight_g if package.sealed else 0,
        package_code=package.code,
        package_of=(n, len(packages)),
        package_type=package.package_type,
        carrier=carrier.name if carrier else package.carrier,
        tracking_number=package.tracking_number,
    )


@dataclass
class LocationLabel:
    code: str
    kind: str
    zone: str
    code_svg: str
    matrix_svg: str


async def location_labels(db: Database, zone: str | None, code: str | None = None) -> list[LocationLabel]:
    sql, args = "SELECT code, kind, zone FROM location", []
    if zone:
        sql += " WHERE zone = ?"
        args.append(zone)
    elif code is not None:
        sql += " WHERE code = ?"
        args.append(code)
    async with db.read() as tx:
        rows = await tx.fetch(sql + " ORDER BY path_seq, code", *args)
    return [
        LocationLabel(
            r["code"],
            r["kind"],
            r["zone"],
            code_svg=barcode_svg("code128", r["code"], module_mm=0.38, height_mm=14),
            matrix_svg=barcode_svg("datamatrix", r["code"], module_mm=0.9),
        )
        for r in rows
    ]
