"""Load the slice of state a batch of ops needs, in a handful of set-based queries."""

from __future__ import annotations

from server.db import Tx, in_list
from sync import model as m
from sync import reads_for
from sync.purchasing import OPEN_PO_STATUSES
from sync.reads import UNBOUNDED, Reads

_CHUNK = 500


async def _fetch_in(tx: Tx, sql: str, values, *args) -> list:
    """Run `sql` (with one `{in_}` slot) for `values` in chunks; [] when there are none."""
    values = sorted(set(values), key=str)
    rows = []
    for start in range(0, len(values), _CHUNK):
        chunk = _padded(values[start : start + _CHUNK])
        rows.extend(await tx.fetch(sql.format(in_=in_list(chunk)), *args, *chunk))
    return rows


def _padded(chunk: list) -> list:
    """The chunk with its last value repeated up to the next power of two (beyond 8 values): `IN (…)`
    finds the same rows, and the statement's text repeats from batch to batch, so the database's
    statement cache prepares it once instead of once per list length."""
    size = len(chunk)
    if size <= 8:
        return chunk
    return chunk + chunk[-1:] * ((1 << (size - 1).bit_length()) - size)


def _rows(state: m.State, row_type: type[m.R], records: list) -> list[m.R]:
    """Rows built from `records`; each one's record is kept, so the writer updates only what changed."""
    rows = m.from_records(row_type, records)
    if rows and tuple(records[0].keys()) == m.columns(row_type):  # the writer reads records by position
        state.kept.append(rows)  # alive as long as the State: no other object can take one's id
        state.loaded.update(zip(map(id, rows), records, strict=True))
    return rows


def _select(row_type: type, where: str, alias: str = "") -> str:
    """`SELECT <the row type's columns> FROM <its table> [alias] WHERE …` from the model's one description."""
    table = m.table_of(row_type)
    return f"SELECT {m.select_list(row_type, alias)} FROM {table}{' ' + alias if alias else ''} WHERE {where}"


_ORDER_BY_ID = _select(m.Order, "id IN {in_}")
_LINES_OF = _select(m.Line, "sales_order IN {in_}")
_RESERVATIONS_OF = _select(m.Reservation, "l.sales_order IN {in_}", "r").replace(
    " WHERE ", " JOIN order_line l ON l.id = r.order_line WHERE "
)
_OPEN_TASKS_OF = _select(m.PickTask, "status = 'open' AND sales_order IN {in_}")
_DONE_TASKS_OF = _select(m.PickTask, "status = 'done' AND sales_order IN {in_}")
_TASKS_BY_ID = _select(m.PickTask, "id IN {in_}")
_ALL_TASKS_OF = _select(m.PickTask, "sales_order IN {in_}")
_PACKAGES_OF = _select(m.Package, "sales_order IN {in_}")
_ITEMS_OF = _select(m.PackageItem, "package IN {in_}")
_DELIVERIES_OF = _select(m.Delivery, "package IN {in_}")
_STOCK_OF_PRODUCTS = _select(m.Stock, "product IN {in_}")
_STOCK_BY_ID = _select(m.Stock, "id IN {in_}")
_PRODUCTS_BY_ID = _select(m.Product, "id IN {in_}")
_LOCATIONS_BY_CODE = _select(m.Location, "warehouse = ? AND code IN {in_}")
_LOCATIONS_BY_ID = _select(m.Location, "id IN {in_}")
_USERS_BY_NAME = _select(m.User, "username IN {in_}")
_USERS_BY_ID = _select(m.User, "id IN {in_}")
_CHANNELS_BY_CODE = _select(m.Channel, "code IN {in_}")
_EXCEPTIONS_BY_ID = _select(m.SyncException, "id IN {in_}")
_OPEN_UNPACKS_OF = _select(m.FloorTask, "kind = 'unpack' AND status = 'open' AND package IN {in_}")
_FLOOR_TASKS_BY_ID = _select(m.FloorTask, "id IN {in_}")
# The bins and SKUs of counts waiting for approval: approving one sets a bin's book as a count does.
_APPROVED_COUNT_BINS = (
    "SELECT l.code, p.sku FROM floor_task f JOIN location l ON l.id = f.location JOIN product p ON p.id = f.product "
    "WHERE f.kind = 'approve_count' AND f.id IN {in_}"
)
_OPEN_COUNTS = _select(m.FloorTask, "kind = 'cycle_count' AND status = 'open'")
_PACKAGE_TYPES_BY_CODE = _select(m.PackageType, "code IN {in_}")
_ROUTES_BY_ID = _select(m.Route, "id IN {in_}")
_STOPS_OF_ROUTES = _select(m.RouteStop, "route IN {in_}")
_POS_BY_ID = _select(m.PurchaseOrder, "id IN {in_}")
_PO_LINES_OF = _select(m.PoLine, "purchase_order IN {in_}")
_SUPPLIERS_BY_ID = _select(m.Supplier, "id IN {in_}")
_SUPPLIERS_BY_CODE = _select(m.Supplier, "code IN {in_}")
_ADDRESSES_BY_ID = _select(m.Address, "id IN {in_}")
_RMAS_BY_CODE = _select(m.Rma, "code IN {in_}")
_RMAS_BY_ID = _select(m.Rma, "id IN {in_}")
_RMAS_OF_ORDERS = _select(m.Rma, "sales_order IN {in_}")
_RMA_LINES_OF = _select(m.RmaLine, "rma IN {in_}")
_REFUNDS_OF = _select(m.Refund, "rma IN {in_}")
# Purchase orders still to be delivered: what is already on order for a product.
_OPEN_POS = tuple(sorted(OPEN_PO_STATUSES))


async def load_state(tx: Tx, submissions, actor: int | None = None) -> m.State:
    """The rows `submissions` need, and the acting user (follow-up tasks go to a picker who caused them)."""
    needs = reads_for(submissions)
    warehouse_id = await tx.fetchval("SELECT id FROM warehouse ORDER BY id LIMIT 1")
    state = m.State(warehouse_id=warehouse_id)

    for r in await _fetch_in(tx, _CHANNELS_BY_CODE, needs.channel_codes):
        channel = m.from_record(m.Channel, r)
        state.channels_by_code[channel.code] = channel
    for r in await _fetch_in(tx, _USERS_BY_NAME, needs.usernames):
        _put_user(state, r)

    order_ids = set(needs.order_ids)
    for channel_code, ref in needs.refs:
        channel_row = state.channels_by_code.get(channel_code)
        if channel_row is not None:
            found = await tx.fetchval("SELECT id FROM sales_order WHERE channel = ? AND external_ref = ?", channel_row.id, ref)
            if found is not None:
                order_ids.add(found)
    order_ids |= {r[0] for r in await _fetch_in(tx, "SELECT sales_order FROM order_line WHERE id IN {in_}", needs.line_ids)}
    order_ids |= {r[0] for r in await _fetch_in(tx, "SELECT sales_order FROM package WHERE code IN {in_}", needs.package_codes)}
    order_ids |= await _load_routes(tx, state, needs)
    order_ids |= await _load_purchase_orders(tx, state, needs)
    order_ids |= await _load_rmas(tx, state, needs)
    order_ids |= {r[0] for r in await _fetch_in(tx, "SELECT sales_order FROM pick_task WHERE id IN {in_}", needs.task_ids)}
    await _load_orders(tx, state, order_ids)
    for pick_task in _rows(state, m.PickTask, await _fetch_in(tx, _DONE_TASKS_OF, needs.picked_of)):
        state.tasks[pick_task.id] = pick_task
    for pick_task in _rows(state, m.PickTask, await _fetch_in(tx, _ALL_TASKS_OF, needs.tasks_of)):
        state.tasks.setdefault(pick_task.id, pick_task)
    if needs.task_ids:
        for pick_task in _rows(state, m.PickTask, await _fetch_in(tx, _TASKS_BY_ID, needs.task_ids - set(state.tasks))):
            state.tasks[pick_task.id] = pick_task

    for floor_task in _rows(state, m.FloorTask, await _fetch_in(tx, _FLOOR_TASKS_BY_ID, needs.floor_task_ids)):
        state.floor_tasks[floor_task.id] = floor_task
    product_ids = {line.product for line in state.lines.values()}
    product_ids |= {t.product for t in state.floor_tasks.values() if t.product is not None}
    product_ids |= {line.product for line in state.po_lines.values()}
    for r in await _fetch_in(tx, "SELECT id FROM product WHERE sku IN {in_}", needs.skus):
        product_ids.add(r["id"])

    # An approved count may lower a bin's book below what orders hold there, like a count: the orders
    # holding its units join the slice, so their reservations shrink with it.
    for r in await _fetch_in(tx, _APPROVED_COUNT_BINS, needs.floor_task_ids):
        needs.take(r["code"], r["sku"], UNBOUNDED)
    if needs.hot:
        await _load_reservation_holders(tx, state, needs, warehouse_id)
        product_ids |= {line.product for line in state.lines.values()}

    if needs.feeds and product_ids:
        waiting = await _fetch_in(
            tx,
            "SELECT DISTINCT l.sales_order FROM order_line l JOIN sales_order o ON o.id = l.sales_order "
            "WHERE l.status IN ('backordered', 'partially_allocated') "
            "AND o.status IN ('backordered', 'partially_allocated') AND l.product IN {in_}",
            product_ids,
        )
        await _load_orders(tx, state, {r[0] for r in waiting} - set(state.orders))
        product_ids |= {line.product for line in state.lines.values()}

    for product in m.from_records(m.Product, await _fetch_in(tx, _PRODUCTS_BY_ID, product_ids)):
        state.products[product.id] = product
        state.products_by_sku[product.sku] = product

    stock_ids = {r.stock for r in state.reservations.values()}
    stock_rows = await _fetch_in(tx, _STOCK_OF_PRODUCTS, product_ids)
    stock_rows += await _fetch_in(tx, _STOCK_BY_ID, stock_ids - {r["id"] for r in stock_rows})
    for stock in _rows(state, m.Stock, stock_rows):
        state.stock[stock.id] = stock

    location_rows = await _fetch_in(
        tx,
        _LOCATIONS_BY_CODE,
        needs.location_codes,
        warehouse_id,
    )
    location_ids = {s.location for s in state.stock.values()} | {t.location for t in state.floor_tasks.values() if t.location}
    location_ids -= {r["id"] for r in location_rows}
    location_rows += await _fetch_in(tx, _LOCATIONS_BY_ID, location_ids)
    for location in m.from_records(m.Location, location_rows):
        state.locations[location.id] = location
        if location.warehouse == warehouse_id:
            state.locations_by_code[location.code] = location

    picker_ids = {t.picker for t in state.tasks.values()} | {r.driver for r in state.routes.values() if r.driver}
    if actor is not None:
        picker_ids.add(actor)
    picker_ids -= set(state.users)
    for r in await _fetch_in(tx, _USERS_BY_ID, picker_ids):
        _put_user(state, r)

    for sync_exception in _rows(state, m.SyncException, await _fetch_in(tx, _EXCEPTIONS_BY_ID, needs.exception_ids)):
        state.exceptions[sync_exception.id] = sync_exception

    if needs.counts:
        for floor_task in _rows(state, m.FloorTask, await tx.fetch(_OPEN_COUNTS)):
            state.floor_tasks[floor_task.id] = floor_task
    for package_type in _rows(state, m.PackageType, await _fetch_in(tx, _PACKAGE_TYPES_BY_CODE, needs.package_type_codes)):
        state.package_types_by_code[package_type.code] = package_type
    if needs.ship_to:
        ship_to = {order.ship_to for order in state.orders.values()}
        for address in _rows(state, m.Address, await _fetch_in(tx, _ADDRESSES_BY_ID, ship_to)):
            state.addresses[address.id] = address
    return state


async def _load_routes(tx: Tx, state: m.State, needs: Reads) -> set[int]:
    """Routes the batch touches, whole: every stop of each (a stop's status and a route's end depend on
    the others). Returns the orders of the packages on those stops, which must be loaded with them."""
    route_ids = set(needs.route_ids)
    route_ids |= {r[0] for r in await _fetch_in(tx, "SELECT route FROM route_stop WHERE id IN {in_}", needs.stop_ids)}
    route_ids |= {
        r[0]
        for r in await _fetch_in(
            tx,
            "SELECT s.route FROM package p JOIN route_stop s ON s.id = p.stop WHERE p.code IN {in_}",
            needs.package_codes,
        )
    }
    for route in _rows(state, m.Route, await _fetch_in(tx, _ROUTES_BY_ID, route_ids)):
        state.routes[route.id] = route
    stops = _rows(state, m.RouteStop, await _fetch_in(tx, _STOPS_OF_ROUTES, list(state.routes)))
    for stop in stops:
        state.stops[stop.id] = stop
    rows = await _fetch_in(tx, "SELECT DISTINCT sales_order FROM package WHERE stop IN {in_}", [s.id for s in stops])
    return {r[0] for r in rows}


async def _load_purchase_orders(tx: Tx, state: m.State, needs: Reads) -> set[int]:
    """Purchase orders the batch names (or, with `open_pos_of`, every open one of its SKUs), whole,
    with their suppliers and the suppliers it names. Returns the customer orders of drop-ships."""
    po_ids = set(needs.po_ids)
    # A receipt waiting for approval counts on its PO when approved.
    po_ids |= {
        r[0]
        for r in await _fetch_in(
            tx, "SELECT purchase_order FROM floor_task WHERE purchase_order IS NOT NULL AND id IN {in_}", needs.floor_task_ids
        )
    }
    if needs.open_pos_of and needs.skus:
        rows = await _fetch_in(
            tx,
            "SELECT DISTINCT pl.purchase_order FROM po_line pl JOIN purchase_order po ON po.id = pl.purchase_order "
            f"JOIN product p ON p.id = pl.product WHERE po.status IN {in_list(_OPEN_POS)} AND p.sku IN {{in_}}",
            needs.skus,
            *_OPEN_POS,
        )
        po_ids |= {r[0] for r in rows}
    po_ids |= {r[0] for r in await _fetch_in(tx, "SELECT id FROM purchase_order WHERE sales_order IN {in_}", needs.drop_ships_of)}
    for po in _rows(state, m.PurchaseOrder, await _fetch_in(tx, _POS_BY_ID, po_ids)):
        state.purchase_orders[po.id] = po
    for po_line in _rows(state, m.PoLine, await _fetch_in(tx, _PO_LINES_OF, list(state.purchase_orders))):
        state.po_lines[po_line.id] = po_line
    supplier_rows = await _fetch_in(tx, _SUPPLIERS_BY_CODE, needs.supplier_codes)
    supplier_ids = {po.supplier for po in state.purchase_orders.values()} - {r["id"] for r in supplier_rows}
    supplier_rows += await _fetch_in(tx, _SUPPLIERS_BY_ID, supplier_ids)
    for r in supplier_rows:
        supplier = m.from_record(m.Supplier, r)
        state.suppliers[supplier.id] = supplier
        state.suppliers_by_code[supplier.code] = supplier
    order_ids = {po.sales_order for po in state.purchase_orders.values() if po.sales_order is not None}
    line_ids = [line.order_line for line in state.po_lines.values() if line.order_line is not None]
    order_ids |= {r[0] for r in await _fetch_in(tx, "SELECT sales_order FROM order_line WHERE id IN {in_}", line_ids)}
    return order_ids


async def _load_rmas(tx: Tx, state: m.State, needs: Reads) -> set[int]:
    """RMAs the batch names, and every RMA of their orders (and of the orders in `rmas_of`), with their
    lines and refunds: what an order line already expects back depends on all of them. Returns their orders."""
    if not (needs.rma_codes or needs.rma_ids or needs.rmas_of):
        return set()
    named = await _fetch_in(tx, _RMAS_BY_CODE, needs.rma_codes)
    named += await _fetch_in(tx, _RMAS_BY_ID, needs.rma_ids)
    order_ids = set(needs.rmas_of) | {r["sales_order"] for r in named}
    for rma in _rows(state, m.Rma, await _fetch_in(tx, _RMAS_OF_ORDERS, order_ids)):
        state.rmas[rma.id] = rma
        state.rmas_by_code[rma.code] = rma
    for rma_line in _rows(state, m.RmaLine, await _fetch_in(tx, _RMA_LINES_OF, list(state.rmas))):
        state.rma_lines[rma_line.id] = rma_line
    for refund in _rows(state, m.Refund, await _fetch_in(tx, _REFUNDS_OF, list(state.rmas))):
        state.refunds[refund.id] = refund
    return order_ids


async def _load_reservation_holders(tx: Tx, state: m.State, needs: Reads, warehouse_id: int) -> None:
    """Bins the batch takes units from: if other orders' reservations there could have to shrink, every
    order holding units in that bin joins the slice, so the shrink follows its rule (newest orders
    first) exactly as it would batch by batch. That is certain only when a pick takes no more than
    its own line holds in the bin, or than is free there while nothing in the batch reserves stock of
    its product."""
    rows = await _fetch_in(
        tx,
        "SELECT s.id, l.code, p.sku, s.on_hand, s.reserved FROM stock s JOIN location l ON l.id = s.location "
        "JOIN product p ON p.id = s.product WHERE l.warehouse = ? AND l.code IN {in_}",
        {code for code, _ in needs.hot},
        warehouse_id,
    )
    held: dict[int, dict[int, int]] = {}
    for reservation in state.reservations.values():
        by_line = held.setdefault(reservation.stock, {})
        by_line[reservation.order_line] = by_line.get(reservation.order_line, 0) + reservation.qty
    at_risk = []
    for stock_id, code, sku, on_hand, reserved in rows:  # by position: the SELECT above
        entry = needs.hot.get((code, sku))
        if entry is None:
            continue
        picks, other = entry
        if other[0]:
            at_risk.append(stock_id)
            continue
        own = held.get(stock_id, {})
        beyond = sum(max(0, qty - own.get(line_id, 0)) for line_id, qty in picks.items())
        allocates_here = needs.allocates or sku in needs.allocates_skus
        if beyond and (allocates_here or beyond > on_hand - reserved):
            at_risk.append(stock_id)
    holders = await _fetch_in(
        tx,
        "SELECT DISTINCT l.sales_order FROM reservation r JOIN order_line l ON l.id = r.order_line WHERE r.stock IN {in_}",
        at_risk,
    )
    await _load_orders(tx, state, {r[0] for r in holders} - set(state.orders))


def _put_user(state: m.State, r) -> None:
    user = m.from_record(m.User, r)
    state.users[user.id] = user
    state.users_by_name[user.username] = user


async def _load_orders(tx: Tx, state: m.State, order_ids: set[int]) -> None:
    rows = await _fetch_in(tx, _ORDER_BY_ID, order_ids)
    for order in _rows(state, m.Order, rows):
        state.orders[order.id] = order
        state.orders_by_ref[(order.channel, order.external_ref)] = order
    loaded = [r["id"] for r in rows]
    for line in _rows(state, m.Line, await _fetch_in(tx, _LINES_OF, loaded)):
        state.lines[line.id] = line
    for reservation in _rows(state, m.Reservation, await _fetch_in(tx, _RESERVATIONS_OF, loaded)):
        state.reservations[reservation.id] = reservation
    for pick_task in _rows(state, m.PickTask, await _fetch_in(tx, _OPEN_TASKS_OF, loaded)):
        state.tasks[pick_task.id] = pick_task
    packages = await _fetch_in(tx, _PACKAGES_OF, loaded)
    for package in _rows(state, m.Package, packages):
        state.packages[package.id] = package
        state.packages_by_code[package.code] = package
    package_ids = [r["id"] for r in packages]
    for package_item in _rows(state, m.PackageItem, await _fetch_in(tx, _ITEMS_OF, package_ids)):
        state.package_items[package_item.id] = package_item
    for delivery in _rows(state, m.Delivery, await _fetch_in(tx, _DELIVERIES_OF, package_ids)):
        state.deliveries[delivery.id] = delivery
    for floor_task in _rows(state, m.FloorTask, await _fetch_in(tx, _OPEN_UNPACKS_OF, package_ids)):
        state.floor_tasks[floor_task.id] = floor_task
