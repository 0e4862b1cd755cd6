"""Load the slice of state a batch of ops needs, in a handful of set-based queries."""

from __future__ import annotations

from server.db import Tx, in_list
from sync import model as m
from sync import reads_for
from sync.reads import Reads

_CHUNK = 500


async def _fetch_in(tx: Tx, sql: str, values, *args) -> list:
    """Run `sql` (with one `{in_}` slot) for `values` in chunks; [] when there are none."""
    values = sorted(set(values), key=str)
    rows = []
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        rows.extend(await tx.fetch(sql.format(in_=in_list(chunk)), *args, *chunk))
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
_OPEN_COUNTS = _select(m.FloorTask, "kind = 'cycle_count' AND status = 'open'")
_PACKAGE_TYPES_BY_CODE = _select(m.PackageType, "code IN {in_}")
_ROUTES_BY_ID = _select(m.Route, "id IN {in_}")
_STOPS_OF_ROUTES = _select(m.RouteStop, "route IN {in_}")


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
    order_ids |= {r[0] for r in await _fetch_in(tx, "SELECT sales_order FROM pick_task WHERE id IN {in_}", needs.task_ids)}
    await _load_orders(tx, state, order_ids)
    for pick_task in m.from_records(m.PickTask, await _fetch_in(tx, _DONE_TASKS_OF, needs.picked_of)):
        state.tasks[pick_task.id] = pick_task
    for pick_task in m.from_records(m.PickTask, await _fetch_in(tx, _ALL_TASKS_OF, needs.tasks_of)):
        state.tasks.setdefault(pick_task.id, pick_task)
    if needs.task_ids:
        for pick_task in m.from_records(m.PickTask, await _fetch_in(tx, _TASKS_BY_ID, needs.task_ids - set(state.tasks))):
            state.tasks[pick_task.id] = pick_task

    for floor_task in m.from_records(m.FloorTask, await _fetch_in(tx, _FLOOR_TASKS_BY_ID, needs.floor_task_ids)):
        state.floor_tasks[floor_task.id] = floor_task
    product_ids = {line.product for line in state.lines.values()}
    product_ids |= {t.product for t in state.floor_tasks.values() if t.product is not None}
    for r in await _fetch_in(tx, "SELECT id FROM product WHERE sku IN {in_}", needs.skus):
        product_ids.add(r["id"])

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

    for r in await _fetch_in(tx, _PRODUCTS_BY_ID, product_ids):
        product = m.from_record(m.Product, r)
        state.products[product.id] = product
        state.products_by_sku[product.sku] = product

    stock_ids = {r.stock for r in state.reservations.values()}
    stock_rows = await _fetch_in(tx, _STOCK_OF_PRODUCTS, product_ids)
    stock_rows += await _fetch_in(tx, _STOCK_BY_ID, stock_ids - {r["id"] for r in stock_rows})
    for stock in m.from_records(m.Stock, stock_rows):
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
    for r in location_rows:
        location = m.from_record(m.Location, r)
        state.locations[location.id] = location
        if location.warehouse == warehouse_id:
            state.locations_by_code[location.code] = location

    picker_ids = {t.picker for t in state.tasks.values()} | {r.driver for r in state.routes.values() if r.driver}
    if actor is not None:
        picker_ids.add(actor)
    picker_ids -= set(state.users)
    for r in await _fetch_in(tx, _USERS_BY_ID, picker_ids):
        _put_user(state, r)

    for sync_exception in m.from_records(m.SyncException, await _fetch_in(tx, _EXCEPTIONS_BY_ID, needs.exception_ids)):
        state.exceptions[sync_exception.id] = sync_exception

    if needs.counts:
        for floor_task in m.from_records(m.FloorTask, await tx.fetch(_OPEN_COUNTS)):
            state.floor_tasks[floor_task.id] = floor_task
    for package_type in m.from_records(m.PackageType, await _fetch_in(tx, _PACKAGE_TYPES_BY_CODE, needs.package_type_codes)):
        state.package_types_by_code[package_type.code] = package_type
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
    for route in m.from_records(m.Route, await _fetch_in(tx, _ROUTES_BY_ID, route_ids)):
        state.routes[route.id] = route
    stops = m.from_records(m.RouteStop, await _fetch_in(tx, _STOPS_OF_ROUTES, list(state.routes)))
    for stop in stops:
        state.stops[stop.id] = stop
    rows = await _fetch_in(tx, "SELECT DISTINCT sales_order FROM package WHERE stop IN {in_}", [s.id for s in stops])
    return {r[0] for r in rows}


async def _load_reservation_holders(tx: Tx, state: m.State, needs: Reads, warehouse_id: int) -> None:
    """Bins the batch takes units from: if other orders' reservations there could have to shrink, every
    order holding units in that bin joins the slice, so the shrink follows its rule (newest orders
    first) exactly as it would batch by batch. That is certain only when a pick takes no more than
    its own line holds in the bin, or than is free there while nothing in the batch reserves stock."""
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
    for r in rows:
        entry = needs.hot.get((r["code"], r["sku"]))
        if entry is None:
            continue
        picks, other = entry
        if other[0]:
            at_risk.append(r["id"])
            continue
        own = held.get(r["id"], {})
        beyond = sum(max(0, qty - own.get(line_id, 0)) for line_id, qty in picks.items())
        if beyond and (needs.allocates or beyond > r["on_hand"] - r["reserved"]):
            at_risk.append(r["id"])
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
    for order in m.from_records(m.Order, rows):
        state.orders[order.id] = order
        state.orders_by_ref[(order.channel, order.external_ref)] = order
    loaded = [r["id"] for r in rows]
    for line in m.from_records(m.Line, await _fetch_in(tx, _LINES_OF, loaded)):
        state.lines[line.id] = line
    for reservation in m.from_records(m.Reservation, await _fetch_in(tx, _RESERVATIONS_OF, loaded)):
        state.reservations[reservation.id] = reservation
    for pick_task in m.from_records(m.PickTask, await _fetch_in(tx, _OPEN_TASKS_OF, loaded)):
        state.tasks[pick_task.id] = pick_task
    packages = await _fetch_in(tx, _PACKAGES_OF, loaded)
    for package in m.from_records(m.Package, packages):
        state.packages[package.id] = package
        state.packages_by_code[package.code] = package
    package_ids = [r["id"] for r in packages]
    for package_item in m.from_records(m.PackageItem, await _fetch_in(tx, _ITEMS_OF, package_ids)):
        state.package_items[package_item.id] = package_item
    for delivery in m.from_records(m.Delivery, await _fetch_in(tx, _DELIVERIES_OF, package_ids)):
        state.deliveries[delivery.id] = delivery
    for floor_task in m.from_records(m.FloorTask, await _fetch_in(tx, _OPEN_UNPACKS_OF, package_ids)):
        state.floor_tasks[floor_task.id] = floor_task
