"""Reading RMAs with their lines and refunds."""

from __future__ import annotations

import secrets
from collections import defaultdict

from server.db import Database, Tx, in_list, stored_time
from server.returns.schemas import RefundOut, RmaLineOut, RmaOut, RmaSummary

# Unambiguous on a label and said over a phone: no 0/O, 1/I.
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_code() -> str:
    """A fresh RMA code, `RMA-` and six letters and digits (about 10⁹ of them: the op refuses a repeat)."""
    return "RMA-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


_RMA_SQL = (
    "SELECT r.id, r.code, r.sales_order, o.external_ref, c.name AS customer, r.reason, r.note, r.status, r.created_at, "
    "r.closed_at, r.value_cents, r.currency FROM rma r JOIN sales_order o ON o.id = r.sales_order "
    "JOIN customer c ON c.id = o.customer"
)


async def get_rma(db: Database, rma_id: int) -> RmaOut | None:
    async with db.read() as tx:
        return await read_rma(tx, rma_id)


async def read_rma(tx: Tx, rma_id: int) -> RmaOut | None:
    r = await tx.fetchrow(_RMA_SQL + " WHERE r.id = ?", rma_id)
    if r is None:
        return None
    lines = await tx.fetch(
        "SELECT rl.id, rl.order_line, p.id AS product, p.sku, p.name, l.qty_picked, rl.qty_expected, rl.qty_received, "
        "rl.qty_restocked, rl.qty_scrapped FROM rma_line rl JOIN order_line l ON l.id = rl.order_line "
        "JOIN product p ON p.id = l.product WHERE rl.rma = ? ORDER BY l.line_no",
        rma_id,
    )
    barcodes = await barcodes_of(tx, [line["product"] for line in lines])
    refunds = await tx.fetch(
        "SELECT id, amount_cents, currency, method, reference, created_at FROM refund WHERE rma = ? ORDER BY id", rma_id
    )
    return RmaOut(
        id=r["id"],
        code=r["code"],
        order_id=r["sales_order"],
        order_ref=r["external_ref"],
        customer=r["customer"],
        reason=r["reason"],
        note=r["note"],
        status=r["status"],
        created_at=stored_time(r["created_at"]),
        closed_at=stored_time(r["closed_at"]),
        value_cents=r["value_cents"],
        refunded_cents=sum(f["amount_cents"] for f in refunds),
        currency=r["currency"],
        lines=[
            RmaLineOut(
                id=line["id"],
                order_line_id=line["order_line"],
                sku=line["sku"],
                name=line["name"],
                barcodes=barcodes[line["product"]],
                qty_sent=line["qty_picked"],
                qty_expected=line["qty_expected"],
                qty_received=line["qty_received"],
                qty_restocked=line["qty_restocked"],
                qty_scrapped=line["qty_scrapped"],
            )
            for line in lines
        ],
        refunds=[
            RefundOut(f["id"], f["amount_cents"], f["currency"], f["method"], f["reference"], stored_time(f["created_at"]))
            for f in refunds
        ],
    )


async def barcodes_of(tx: Tx, products: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    ids = sorted(set(products))
    if ids:
        for b in await tx.fetch(f"SELECT product, code FROM barcode WHERE product IN {in_list(ids)} ORDER BY id", *ids):
            found[b["product"]].append(b["code"])
    return found


async def list_rmas(db: Database, status: str | None, order_id: int | None, limit: int) -> list[RmaSummary]:
    """Newest first, optionally of one status or one order."""
    where: list[str] = []
    args: list[str | int] = []
    if status is not None:
        where.append("r.status = ?")
        args.append(status)
    if order_id is not None:
        where.append("r.sales_order = ?")
        args.append(order_id)
    sql = (
        "SELECT r.id, r.code, r.sales_order, o.external_ref, c.name AS customer, r.reason, r.status, r.created_at, "
        "r.value_cents, r.currency, "
        "(SELECT COALESCE(SUM(qty_expected), 0) FROM rma_line WHERE rma = r.id) AS units_expected, "
        "(SELECT COALESCE(SUM(qty_received), 0) FROM rma_line WHERE rma = r.id) AS units_received, "
        "(SELECT COALESCE(SUM(amount_cents), 0) FROM refund WHERE rma = r.id) AS refunded_cents "
        "FROM rma r JOIN sales_order o ON o.id = r.sales_order JOIN customer c ON c.id = o.customer"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY r.id DESC LIMIT ?"
    )
    async with db.read() as tx:
        rows = await tx.fetch(sql, *args, limit)
    return [
        RmaSummary(
            id=r["id"],
            code=r["code"],
            order_id=r["sales_order"],
            order_ref=r["external_ref"],
            customer=r["customer"],
            reason=r["reason"],
            status=r["status"],
            created_at=stored_time(r["created_at"]),
            units_expected=int(r["units_expected"]),
            units_received=int(r["units_received"]),
            value_cents=r["value_cents"],
            refunded_cents=int(r["refunded_cents"]),
            currency=r["currency"],
        )
        for r in rows
    ]
