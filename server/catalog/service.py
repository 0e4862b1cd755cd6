"""Products and their barcodes (master data)."""

from __future__ import annotations

import contextlib
from collections import defaultdict

import msgspec

from scanner import BarcodeError, classify_product_code
from server.catalog.schemas import BarcodeOut, ProductIn, ProductOut, ProductUpdate
from server.db import Database, Tx, in_list
from server.errors import DomainError

_PRODUCT_SQL = (
    "SELECT p.id, p.sku, p.name, s.code AS supplier, p.reorder_point, p.weight_g, p.length_mm, p.width_mm, p.height_mm, p.active, "
    "p.reorder_qty, p.drop_ship FROM product p LEFT JOIN supplier s ON s.id = p.supplier"
)


async def next_catalog_rev(tx: Tx) -> int:
    """Bump the catalog's revision inside the caller's write and return it: the changed product or
    location is stamped with it, and a phone's pull asks for what changed since the revision it holds.
    The counter's one row is locked until commit, so revisions commit in order."""
    return await tx.fetchval(
        "INSERT INTO catalog_rev (id, rev) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET rev = catalog_rev.rev + 1 RETURNING rev"
    )


async def _stamp(tx: Tx, product_id: int) -> None:
    await tx.execute("UPDATE product SET rev = ? WHERE id = ?", await next_catalog_rev(tx), product_id)


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
            supplier_id = await _supplier_id(tx, data.supplier)
        if data.drop_ship and supplier_id is None:
            raise DomainError("no_supplier", "a drop-ship product needs a supplier to ship it", field="drop_ship", status=422)
        for i, code in enumerate(codes):
            taken = await _owner_of(tx, code)
            if taken is not None:
                raise DomainError(
                    "duplicate_barcode", f"barcode {code.code} already belongs to {taken}", field=f"barcodes[{i}]", status=409
                )
        await tx.execute(
            "INSERT INTO product (sku, name, supplier, reorder_point, weight_g, length_mm, width_mm, height_mm, active, "
            "reorder_qty, drop_ship, rev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            data.sku,
            data.name,
            supplier_id,
            data.reorder_point,
            data.weight_g,
            data.length_mm,
            data.width_mm,
            data.height_mm,
            True,
            data.reorder_qty,
            data.drop_ship,
            await next_catalog_rev(tx),
        )
        product_id = await tx.fetchval("SELECT id FROM product WHERE sku = ?", data.sku)
        await tx.executemany(
            "INSERT INTO barcode (code, kind, gtin, product) VALUES (?, ?, ?, ?)",
            [(c.code, c.kind, c.gtin, product_id) for c in codes],
        )
    return (await find_products(db, sku=data.sku))[0]


async def _owner_of(tx: Tx, code) -> str | None:
    """The SKU a barcode already belongs to (a GTIN matches in any of its lengths), or None."""
    return await tx.fetchval(
        "SELECT p.sku FROM barcode b JOIN product p ON p.id = b.product WHERE b.code = ? OR (b.gtin IS NOT NULL AND b.gtin = ?)",
        code.code,
        code.gtin or "",
    )


async def _supplier_id(tx: Tx, code: str) -> int:
    supplier_id = await tx.fetchval("SELECT id FROM supplier WHERE code = ?", code)
    if supplier_id is None:
        raise DomainError("unknown_supplier", f"no supplier {code!r}", field="supplier", status=404)
    return supplier_id


async def _product_id(tx: Tx, sku: str) -> int:
    product_id = await tx.fetchval("SELECT id FROM product WHERE sku = ?", sku)
    if product_id is None:
        raise DomainError("unknown_product", f"no product with SKU {sku!r}", field="sku", status=404)
    return product_id


async def add_barcode(db: Database, sku: str, raw: str) -> ProductOut:
    """Attach a barcode to a product; the same rules as at creation (check digits, printable ASCII),
    and a code already on another product is a 409. Attaching a code the product has is a no-op."""
    try:
        code = classify_product_code(raw)
    except BarcodeError as error:
        raise DomainError("invalid_barcode", str(error), field="code", status=422) from None
    async with db.write() as tx:
        product_id = await _product_id(tx, sku)
        taken = await _owner_of(tx, code)
        if taken is not None and taken != sku:
            raise DomainError("duplicate_barcode", f"barcode {code.code} already belongs to {taken}", field="code", status=409)
        if taken is None:
            await tx.execute(
                "INSERT INTO barcode (code, kind, gtin, product) VALUES (?, ?, ?, ?)", code.code, code.kind, code.gtin, product_id
            )
            await _stamp(tx, product_id)
    return (await find_products(db, sku=sku))[0]


async def remove_barcode(db: Database, sku: str, raw: str) -> ProductOut:
    """Take a barcode off a product (a GTIN may be named in any of its lengths)."""
    gtin = None
    with contextlib.suppress(BarcodeError):
        gtin = classify_product_code(raw).gtin
    async with db.write() as tx:
        product_id = await _product_id(tx, sku)
        barcode_id = await tx.fetchval(
            "SELECT id FROM barcode WHERE product = ? AND (code = ? OR (gtin IS NOT NULL AND gtin = ?))",
            product_id,
            raw,
            gtin or "",
        )
        if barcode_id is None:
            raise DomainError("unknown_barcode", f"product {sku!r} has no barcode {raw!r}", field="code", status=404)
        await tx.execute("DELETE FROM barcode WHERE id = ?", barcode_id)
        await _stamp(tx, product_id)
    return (await find_products(db, sku=sku))[0]


_UPDATABLE = (
    "name",
    "reorder_point",
    "reorder_qty",
    "drop_ship",
    "supplier",
    "weight_g",
    "length_mm",
    "width_mm",
    "height_mm",
    "active",
)


async def update_product(db: Database, sku: str, data: ProductUpdate) -> ProductOut:
    """Change a product's name, measures, reorder point or whether it is active; the SKU stays."""
    changes = {name: value for name, value in msgspec.structs.asdict(data).items() if value is not None}
    async with db.write() as tx:
        product_id = await _product_id(tx, sku)
        if "supplier" in changes:  # by code; "" takes the supplier off
            changes["supplier"] = await _supplier_id(tx, changes["supplier"]) if changes["supplier"] else None
        supplier = (
            changes["supplier"]
            if "supplier" in changes
            else await tx.fetchval("SELECT supplier FROM product WHERE id = ?", product_id)
        )
        drop_ship = changes.get("drop_ship")
        if drop_ship is None:
            drop_ship = bool(await tx.fetchval("SELECT drop_ship FROM product WHERE id = ?", product_id))
        if drop_ship and supplier is None:
            raise DomainError("no_supplier", "a drop-ship product needs a supplier to ship it", field="drop_ship", status=422)
        if changes:
            names = [name for name in _UPDATABLE if name in changes]
            await tx.execute(
                f"UPDATE product SET {', '.join(f'{name} = ?' for name in names)} WHERE id = ?",
                *(changes[name] for name in names),
                product_id,
            )
            await _stamp(tx, product_id)
    return (await find_products(db, sku=sku))[0]


async def find_products(
    db: Database, sku: str | None = None, barcode: str | None = None, limit: int = 500, q: str | None = None
) -> list[ProductOut]:
    where, args = [], []
    if q:
        # A search box: part of the SKU or of the name, any case.
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append("(LOWER(p.sku) LIKE ? ESCAPE '\\' OR LOWER(p.name) LIKE ? ESCAPE '\\')")
        args += [pattern, pattern]
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
            bool(r["active"]),
            r["reorder_qty"],
            bool(r["drop_ship"]),
        )
        for r in rows
    ]
