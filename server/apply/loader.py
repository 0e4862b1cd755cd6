"""Load the slice of state a batch of ops needs, in a handful of set-based queries."""

from __future__ import annotations

from sync import model as m
from sync.ops import AdjustStock, CancelOrder, IntakeOrder, MarkPaid, Op, ReleaseWave

from server.db import Tx, in_list

_CHUNK = 500


async def _fetch_in(tx: Tx, sql: str, values, *args) -> list:
    """Run `sql` (with one `{in}` slot) for `values` in chunks; [] when there are none."""
    values = sorted(set(values), key=str)
    rows = []
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        rows.extend(await tx.fetch(sql.format(in_=in_list(chunk)), *args, *chunk))
    return rows


async def load_state(tx: Tx, ops: list[Op]) -> m.State:
    skus: set[str] = set()
    location_codes: set[str] = set()
    order_ids: set[int] = set()
    channel_codes: set[str] = set()
    refs: set[tuple[str, str]] = set()
    usernames: set[str] = set()
    for op in ops:
        if isinstance(op, IntakeOrder):
            channel_codes.add(op.channel)
            refs.add((op.channel, op.external_ref))
            skus.update(line.sku for line in op.lines)
        elif isinstance(op, (CancelOrder, MarkPaid)):
            order_ids.add(op.order_id)
        elif isinstance(op, AdjustStock):
            skus.add(op.sku)
            location_codes.add(op.location)
        elif isinstance(op, ReleaseWave):
            order_ids.update(op.order_ids)
            usernames.add(op.picker)

    warehouse_id = await tx.fetchval("SELECT id FROM warehouse ORDER BY id LIMIT 1")
    state = m.State(warehouse_id=warehouse_id)

    for r in await _fetch_in(tx, "SELECT id, code FROM channel WHERE code IN {in_}", channel_codes):
        state.channels_by_code[r["code"]] = m.Channel(r["id"], r["code"])
    for r in await _fetch_in(
        tx, "SELECT id, username, role, active FROM app_user WHERE username IN {in_}", usernames
    ):
        state.users_by_name[r["username"]] = m.User(r["id"], r["username"], r["role"], bool(r["active"]))

    # Orders named by the ops: by id, or by (channel, external_ref) for idempotent intake.
    for channel, ref in refs:
        channel_row = state.channels_by_code.get(channel)
        if channel_row is not None:
            found = await tx.fetchval(
                "SELECT id FROM sales_order WHERE channel = ? AND external_ref = ?", channel_row.id, ref
            )
            if found is not None:
                order_ids.add(found)
    await _load_orders(tx, state, order_ids)

    product_ids = {line.product for line in state.lines.values()}
    for r in await _fetch_in(tx, "SELECT id, sku, name, active FROM product WHERE sku IN {in_}", skus):
        product_ids.add(r["id"])
    for r in await _fetch_in(tx, "SELECT id, sku, name, active FROM product WHERE id IN {in_}", product_ids):
        product = m.Product(r["id"], r["sku"], r["name"], bool(r["active"]))
        state.products[product.id] = product
        state.products_by_sku[product.sku] = product

    # Orders waiting for these products: stock freed or booked in this batch goes to them.
    waiting = await _fetch_in(
        tx,
        "SELECT DISTINCT l.sales_order FROM order_line l JOIN sales_order o ON o.id = l.sales_order "
        "WHERE l.status IN ('backordered', 'partially_allocated') "
        "AND o.status IN ('backordered', 'partially_allocated') AND l.product IN {in_}",
        product_ids,
    )
    await _load_orders(tx, state, {r[0] for r in waiting} - set(state.orders))

    stock_ids = {r.stock for r in state.reservations.values()}
    stock_rows = await _fetch_in(
        tx, "SELECT id, location, product, lot, expiry, on_hand, reserved FROM stock WHERE product IN {in_}", product_ids
    )
    stock_rows += await _fetch_in(
        tx, "SELECT id, location, product, lot, expiry, on_hand, reserved FROM stock WHERE id IN {in_}",
        stock_ids - {r["id"] for r in stock_rows},
    )
    for r in stock_rows:
        state.stock[r["id"]] = m.Stock(r["id"], r["location"], r["product"], r["lot"], r["expiry"], r["on_hand"], r["reserved"])

    location_rows = await _fetch_in(
        tx, "SELECT id, warehouse, code, kind, path_seq FROM location WHERE warehouse = ? AND code IN {in_}",
        location_codes, warehouse_id,
    )
    location_ids = {s.location for s in state.stock.values()} - {r["id"] for r in location_rows}
    location_rows += await _fetch_in(
        tx, "SELECT id, warehouse, code, kind, path_seq FROM location WHERE id IN {in_}", location_ids
    )
    for r in location_rows:
        location = m.Location(r["id"], r["warehouse"], r["code"], r["kind"], r["path_seq"])
        state.locations[location.id] = location
        if location.warehouse == warehouse_id:
            state.locations_by_code[location.code] = location
    return state


async def _load_orders(tx: Tx, state: m.State, order_ids: set[int]) -> None:
    rows = await _fetch_in(
        tx,
        "SELECT id, channel, external_ref, customer, ship_to, warehouse, status, payment_status, "
        "tracking_token, created_at, updated_at FROM sales_order WHERE id IN {in_}",
        order_ids,
    )
    for r in rows:
        order = m.Order(*(r[i] for i in range(11)))
        state.orders[order.id] = order
        state.orders_by_ref[(order.channel, order.external_ref)] = order
    loaded = [r["id"] for r in rows]
    for r in await _fetch_in(
        tx,
        "SELECT id, sales_order, line_no, product, qty, qty_allocated, qty_picked, status "
        "FROM order_line WHERE sales_order IN {in_}",
        loaded,
    ):
        state.lines[r["id"]] = m.Line(*(r[i] for i in range(8)))
    line_ids = [line.id for line in state.lines.values() if line.sales_order in set(loaded)]
    for r in await _fetch_in(tx, "SELECT id, order_line, stock, qty FROM reservation WHERE order_line IN {in_}", line_ids):
        state.reservations[r["id"]] = m.Reservation(r["id"], r["order_line"], r["stock"], r["qty"])
    for r in await _fetch_in(
        tx,
        "SELECT id, wave, picker, sales_order, order_line, location, product, lot, qty, qty_picked, seq, tote, status "
        "FROM pick_task WHERE status = 'open' AND sales_order IN {in_}",
        loaded,
    ):
        state.tasks[r["id"]] = m.PickTask(*(r[i] for i in range(13)))
