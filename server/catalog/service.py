"""Products and their barcodes (master data)."""

from __future__ import annotations

import contextlib
from collections import defaultdict

from scanner import BarcodeError, classify_product_code
from server.catalog.schemas import BarcodeOut, ProductIn, ProductOut
from server.db import Database, in_list
from server.errors import DomainError

_PRODUCT_SQL = (
    "SELECT p.id, p.sku, p.name, s.code AS supplier, p.reorder_point, p.weight_g, p.length_mm, p.width_mm, p.height_mm "
    "FROM product p LEFT JOIN supplier s ON s.id = p.supplier"
)


async def create_product(db: Database, data: ProductIn) -> ProductOut:
    codes = []
    for i, raw in enumerate(data.barcodes):
        try:
            codes.append(classify_product_code(raw))
        except BarcodeError as error:
            raise DomainError("invalid_barcode", str(error), field=f"barcodes[{i}]", status=422) from None
    if len({c.code for c in codes}) != len(codes):
        raise DomainError("duplicate_barcode", "the same barcode is listed twice", field="barcodes", status=422)
    async with db.write() as tx:
        if await tx.fetchval("SELECT id FROM product WHERE sku = ?", data.sku) is not None:
            raise DomainError("duplicate_sku", f"a product with SKU {data.sku!r} exists", field="sku", status=409)
        supplier_id = None
        if data.supplier is not None:
            supplier_id = await tx.fetchval("SELECT id FROM supplier WHERE code = ?", data.supplier)
            if supplier_id is None:
                raise DomainError("unknown_supplier", f"no supplier {data.supplier!r}", field="supplier", status=404)
        for i, code in enumerate(codes):
            taken = await tx.fetchval(
                "SELECT p.sku FROM barcode b JOIN product p ON p.id = b.product WHERE b.code = ? OR (b.gtin IS NOT NULL AND b.gtin = ?)",
                code.code,
                code.gtin or "",
            )
            if taken is not None:
                raise DomainError(
                    "duplicate_barcode", f"barcode {code.code} already belongs to {taken}", field=f"barcodes[{i}]", status=409
                )
        await tx.execute(
            "INSERT INTO product (sku, name, supplier, reorder_point, weight_g, length_mm, width_mm, height_mm, active) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            data.sku,
            data.name,
            supplier_id,
            data.reorder_point,
            data.weight_g,
            data.length_mm,
            data.width_mm,
            data.height_mm,
            True,
        )
        product_id = await tx.fetchval("SELECT id FROM product WHERE sku = ?", data.sku)
        await tx.executemany(
            "INSERT INTO barcode (code, kind, gtin, product) VALUES (?, ?, ?, ?)",
            [(c.code, c.kind, c.gtin, product_id) for c in codes],
        )
    return (await find_products(db, sku=data.sku))[0]


async def find_products(db: Database, sku: str | None = None, barcode: str | None = None, limit: int = 500) -> list[ProductOut]:
    where, args = [], []
    if sku:
        where.append("p.sku = ?")
        args.append(sku)
    if barcode:
        gtin = None
        with contextlib.suppress(BarcodeError):
            gtin = classify_product_code(barcode).gtin
        where.append("p.id IN (SELECT product FROM barcode WHERE code = ? OR gtin = ?)")
        args += [barcode, gtin or barcode]
    sql = _PRODUCT_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY p.sku LIMIT ?"
    async with db.read() as tx:
        rows = await tx.fetch(sql, *args, limit)
        ids = [r["id"] for r in rows]
        barcodes = defaultdict(list)
        if ids:
            for b in await tx.fetch(
                f"SELECT product, code, kind, gtin FROM barcode WHERE product IN {in_list(ids)} ORDER BY id", *ids
            ):
                barcodes[b["product"]].append(BarcodeOut(b["code"], b["kind"], b["gtin"]))
    return [
        ProductOut(
            r["id"],
            r["sku"],
            r["name"],
            barcodes[r["id"]],
            r["supplier"],
            r["reorder_point"],
            r["weight_g"],
            r["length_mm"],
            r["width_mm"],
            r["height_mm"],
        )
        for r in rows
    ]
