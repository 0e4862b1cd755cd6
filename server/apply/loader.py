"""Load the slice of state a batch of ops needs, in a handful of set-based queries."""

from __future__ import annotations

from sync import model as m
from sync import ops as o

from server.db import Tx, in_list

_CHUNK = 500
# Ops that can free or add stock, so waiting (backordered) orders must be in the slice.
_FEEDS_BACKORDERS = (o.CancelOrder, o.AdjustStock, o.Receive, o.Count, o.Move, o.ReturnReceive)

_ORDER_COLS = "id, channel, external_ref, customer, ship_to, warehouse, status, payment_status, tracking_token, created_at, updated_at"
_LINE_COLS = "id, sales_order, line_no, product, qty, qty_allocated, qty_picked, status"
_TASK_COLS = "id, wave, picker, sales_order, order_line, location, product, lot, qty, qty_picked, seq, tote, status, version"
_STOCK_COLS = "id, location, product, lot, expiry, on_hand, reserved"


async def _fetch_in(tx: Tx, sql: str, values, *args) -> list:
    """Run `sql` (with one `{in_}` slot) for `values` in chunks; [] when there are none."""
    values = sorted(set(values), key=str)
    rows = []
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        rows.extend(await tx.fetch(sql.format(in_=in_list(chunk)), *args, *chunk))
    return rows


_UNBOUNDED = 1 << 40


class _Needs:
    def _take(self, location: str, sku: str, qty: int, line_id: int | None = None) -> None:
        """Units the batch may take from a bin's book: by a pick of `line_id`, or by anything else."""
        picks, other = self.hot.setdefault((location, sku), ({}, [0]))
        if line_id is None:
            other[0] += qty
        else:
            picks[line_id] = picks.get(line_id, 0) + qty

    def __init__(self, submissions) -> None:
        self.skus: set[str] = set()
        self.location_codes: set[str] = set()
        self.order_ids: set[int] = set()
        self.line_ids: set[int] = set()
        self.package_codes: set[str] = set()
        self.usernames: set[str] = set()
        self.task_ids: set[int] = set()
        self.exception_ids: set[int] = set()
        self.refs: set[tuple[str, str]] = set()
        self.channel_codes: set[str] = set()
        # (location code, sku) → ({line id: units picked for it}, [units taken by other ops])
        self.hot: dict[tuple[str, str], tuple[dict[int, int], list[int]]] = {}
        self.allocates = False  # the batch may reserve stock (so "free" units may not stay free)
        self.counts: set[tuple[str, str]] = set()
        self.feeds = False
        for submission in submissions:
            op = getattr(submission, "op", submission)
            self.add(op)

    def add(self, op) -> None:
        if isinstance(op, _FEEDS_BACKORDERS):
            self.feeds = True
        if isinstance(op, (o.IntakeOrder, o.MarkPaid, o.PickShort) + _FEEDS_BACKORDERS):
            self.allocates = True
        if isinstance(op, o.IntakeOrder):
            self.channel_codes.add(op.channel)
            self.refs.add((op.channel, op.external_ref))
            self.skus.update(line.sku for line in op.lines)
        elif isinstance(op, (o.CancelOrder, o.MarkPaid)):
            self.order_ids.add(op.order_id)
        elif isinstance(op, o.ReleaseWave):
            self.order_ids.update(op.order_ids)
            self.usernames.add(op.picker)
        elif isinstance(op, o.ResolveException):
            self.exception_ids.add(op.exception_id)
        elif isinstance(op, o.ReassignTask):
            self.task_ids.add(op.task_id)
            self.usernames.add(op.picker)
        elif isinstance(op, (o.Pick, o.PickShort)):
            self.line_ids.add(op.order_line_id)
            self.skus.add(op.sku)
            self.location_codes.add(op.location)
            if isinstance(op, o.Pick):
                self._take(op.location, op.sku, op.qty, op.order_line_id)
            elif op.reason == "empty":  # the whole bin is written off
                self._take(op.location, op.sku, _UNBOUNDED)
            else:  # the missing units come off the line's own reservation there first, like a pick
                self._take(op.location, op.sku, op.qty_short, op.order_line_id)
        elif isinstance(op, o.Pack):
            self.line_ids.add(op.order_line_id)
            self.skus.add(op.sku)
            self.package_codes.add(op.package)
        elif isinstance(op, (o.Ship, o.Deliver, o.DeliverFailed)):
            self.package_codes.add(op.package)
        elif isinstance(op, (o.AdjustStock, o.Receive, o.Count)):
            self.skus.add(op.sku)
            self.location_codes.add(op.location)
            if isinstance(op, o.Count):
                self.counts.add((op.location, op.sku))
                self._take(op.location, op.sku, _UNBOUNDED)
            elif isinstance(op, o.AdjustStock) and op.qty_delta < 0:
                self._take(op.location, op.sku, -op.qty_delta)
        elif isinstance(op, o.Move):
            self.skus.add(op.sku)
            self.location_codes.update((op.from_location, op.to_location))
            self._take(op.from_location, op.sku, op.qty)
        elif isinstance(op, o.ReturnReceive):
            self.order_ids.add(op.order_id)
            self.skus.add(op.sku)
            self.location_codes.add(op.location)


async def load_state(tx: Tx, submissions) -> m.State:
    needs = _Needs(submissions)
    warehouse_id = await tx.fetchval("SELECT id FROM warehouse ORDER BY id LIMIT 1")
    state = m.State(warehouse_id=warehouse_id)

    for r in await _fetch_in(tx, "SELECT id, code FROM channel WHERE code IN {in_}", needs.channel_codes):
        state.channels_by_code[r["code"]] = m.Channel(r["id"], r["code"])
    for r in await _fetch_in(tx, "SELECT id, username, role, active FROM app_user WHERE username IN {in_}", needs.usernames):
        _put_user(state, r)

    order_ids = set(needs.order_ids)
    for channel, ref in needs.refs:
        channel_row = state.channels_by_code.get(channel)
        if channel_row is not None:
            found = await tx.fetchval("SELECT id FROM sales_order WHERE channel = ? AND external_ref = ?", channel_row.id, ref)
            if found is not None:
                order_ids.add(found)
    order_ids |= {r[0] for r in await _fetch_in(tx, "SELECT sales_order FROM order_line WHERE id IN {in_}", needs.line_ids)}
    order_ids |= {r[0] for r in await _fetch_in(tx, "SELECT sales_order FROM package WHERE code IN {in_}", needs.package_codes)}
    order_ids |= {r[0] for r in await _fetch_in(tx, "SELECT sales_order FROM pick_task WHERE id IN {in_}", needs.task_ids)}
    await _load_orders(tx, state, order_ids)
    if needs.task_ids:
        for r in await _fetch_in(tx, f"SELECT {_TASK_COLS} FROM pick_task WHERE id IN {{in_}}", needs.task_ids - set(state.tasks)):
            state.tasks[r["id"]] = m.PickTask(*r)

    product_ids = {line.product for line in state.lines.values()}
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

    for r in await _fetch_in(tx, "SELECT id, sku, name, active FROM product WHERE id IN {in_}", product_ids):
        product = m.Product(r["id"], r["sku"], r["name"], bool(r["active"]))
        state.products[product.id] = product
        state.products_by_sku[product.sku] = product

    stock_ids = {r.stock for r in state.reservations.values()}
    stock_rows = await _fetch_in(tx, f"SELECT {_STOCK_COLS} FROM stock WHERE product IN {{in_}}", product_ids)
    stock_rows += await _fetch_in(tx, f"SELECT {_STOCK_COLS} FROM stock WHERE id IN {{in_}}", stock_ids - {r["id"] for r in stock_rows})
    for r in stock_rows:
        state.stock[r["id"]] = m.Stock(*r)

    location_rows = await _fetch_in(
        tx, "SELECT id, warehouse, code, kind, path_seq FROM location WHERE warehouse = ? AND code IN {in_}",
        needs.location_codes, warehouse_id,
    )
    location_ids = {s.location for s in state.stock.values()} - {r["id"] for r in location_rows}
    location_rows += await _fetch_in(tx, "SELECT id, warehouse, code, kind, path_seq FROM location WHERE id IN {in_}", location_ids)
    for r in location_rows:
        location = m.Location(r["id"], r["warehouse"], r["code"], r["kind"], r["path_seq"])
        state.locations[location.id] = location
        if location.warehouse == warehouse_id:
            state.locations_by_code[location.code] = location

    picker_ids = {t.picker for t in state.tasks.values()} - set(state.users)
    for r in await _fetch_in(tx, "SELECT id, username, role, active FROM app_user WHERE id IN {in_}", picker_ids):
        _put_user(state, r)

    for r in await _fetch_in(
        tx, "SELECT id, kind, code, message, status, device_id, seq, ledger_id, sales_order, order_line, location, product, "
        "qty, people, created_at, version FROM sync_exception WHERE id IN {in_}", needs.exception_ids,
    ):
        state.exceptions[r["id"]] = m.SyncException(*r)

    if needs.counts:
        for r in await tx.fetch(
            "SELECT id, kind, status, location, product, lot, qty, tote, sales_order, package, note, ledger_id, created_at "
            "FROM floor_task WHERE kind = 'cycle_count' AND status = 'open'"
        ):
            state.floor_tasks[r["id"]] = m.FloorTask(*r)
    return state


async def _load_reservation_holders(tx: Tx, state: m.State, needs: _Needs, warehouse_id: int) -> None:
    """Bins the batch takes units from: if other orders' reservations there could have to shrink, every
    order holding units in that bin joins the slice, so the shrink follows its rule (newest orders
    first) exactly as it would batch by batch. That is certain only when a pick takes no more than
    its own line holds in the bin, or than is free there while nothing in the batch reserves stock."""
    rows = await _fetch_in(
        tx,
        "SELECT s.id, l.code, p.sku, s.on_hand, s.reserved FROM stock s JOIN location l ON l.id = s.location "
        "JOIN product p ON p.id = s.product WHERE l.warehouse = ? AND l.code IN {in_}",
        {code for code, _ in needs.hot}, warehouse_id,
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
        tx, "SELECT DISTINCT l.sales_order FROM reservation r JOIN order_line l ON l.id = r.order_line WHERE r.stock IN {in_}",
        at_risk,
    )
    await _load_orders(tx, state, {r[0] for r in holders} - set(state.orders))


def _put_user(state: m.State, r) -> None:
    user = m.User(r["id"], r["username"], r["role"], bool(r["active"]))
    state.users[user.id] = user
    state.users_by_name[user.username] = user


async def _load_orders(tx: Tx, state: m.State, order_ids: set[int]) -> None:
    rows = await _fetch_in(tx, f"SELECT {_ORDER_COLS} FROM sales_order WHERE id IN {{in_}}", order_ids)
    for r in rows:
        order = m.Order(*r)
        state.orders[order.id] = order
        state.orders_by_ref[(order.channel, order.external_ref)] = order
    loaded = [r["id"] for r in rows]
    for r in await _fetch_in(tx, f"SELECT {_LINE_COLS} FROM order_line WHERE sales_order IN {{in_}}", loaded):
        state.lines[r["id"]] = m.Line(*r)
    for r in await _fetch_in(
        tx, "SELECT r.id, r.order_line, r.stock, r.qty FROM reservation r JOIN order_line l ON l.id = r.order_line "
        "WHERE l.sales_order IN {in_}", loaded,
    ):
        state.reservations[r["id"]] = m.Reservation(*r)
    for r in await _fetch_in(tx, f"SELECT {_TASK_COLS} FROM pick_task WHERE status = 'open' AND sales_order IN {{in_}}", loaded):
        state.tasks[r["id"]] = m.PickTask(*r)
    packages = await _fetch_in(
        tx, "SELECT id, code, sales_order, status, carrier, created_at, version FROM package WHERE sales_order IN {in_}", loaded
    )
    for r in packages:
        package = m.Package(*r)
        state.packages[package.id] = package
        state.packages_by_code[package.code] = package
    package_ids = [r["id"] for r in packages]
    for r in await _fetch_in(tx, "SELECT id, package, order_line, qty FROM package_item WHERE package IN {in_}", package_ids):
        state.package_items[r["id"]] = m.PackageItem(*r)
    for r in await _fetch_in(
        tx, "SELECT id, package, outcome, recipient, reason, signature, photo, lat, lon, device_at, evidence, ledger_id "
        "FROM delivery WHERE package IN {in_}", package_ids,
    ):
        state.deliveries[r["id"]] = m.Delivery(*tuple(r)[:10], bool(r["evidence"]), r["ledger_id"])
