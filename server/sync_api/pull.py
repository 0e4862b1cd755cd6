"""Pull: the device's work in scope, as a delta since its cursor (or a full snapshot), read in one snapshot."""

from __future__ import annotations

import base64
import datetime as dt
from collections import defaultdict

from server.apply import positions
from server.db import Database, in_list, record_to, stored_time
from server.live.backlog import record_seen
from server.ops import epoch as epochs
from server.receiving import service as receiving
from server.sync_api.refusal import SyncRefused
from server.sync_api.schemas import (
    PullBin,
    PullBinStock,
    PullException,
    PullFloorTask,
    PullOut,
    PullPackage,
    PullPackageType,
    PullPackLine,
    PullPackOrder,
    PullPackPackage,
    PullProduct,
    PullRma,
    PullRmaLine,
    PullRoute,
    PullStop,
    PullTask,
    Removed,
)

_TASK_SQL = (
    "SELECT t.id, t.wave, t.seq, t.status, l.code, l.path_seq, p.sku, p.name, t.product, t.lot, t.qty, t.qty_picked, t.tote, "
    "o.id AS order_id, o.external_ref, o.status AS order_status, ol.id AS line_id, ol.qty AS line_qty, "
    "ol.qty_picked AS line_picked, ol.status AS line_status, t.picker, t.version "
    "FROM pick_task t JOIN location l ON l.id = t.location JOIN product p ON p.id = t.product "
    "JOIN order_line ol ON ol.id = t.order_line JOIN sales_order o ON o.id = t.sales_order"
)
_FLOOR_TASK_SQL = (
    "SELECT f.id, f.kind, f.status, f.assignee, l.code AS location, p.sku, COALESCE(p.name, '') AS product_name, f.product, "
    "f.lot, f.qty, f.tote, f.note, f.created_at FROM floor_task f LEFT JOIN location l ON l.id = f.location "
    "LEFT JOIN product p ON p.id = f.product"
)
_EXCEPTION_SQL = (
    "SELECT id, kind, code, message, status, device_id, seq, sales_order AS order_id, people, created_at FROM sync_exception"
)


async def pull(db: Database, user_id: int, role: str, device_id: str, cursor: str | None, pending: int | None = None) -> PullOut:
    """`pending`: the ops the device holds unsent, as it reports them (recorded for the live floor)."""
    since, catalog_since, cursor_epoch = decode_cursor(cursor) if cursor else (0, None, None)
    # PostgreSQL: the ledger's end is read before the snapshot, below every id still being committed.
    safe_end = await positions.end(db)
    async with db.read() as tx:
        device = await tx.fetchrow(
            "SELECT owner, revoked_at, pending_reported, last_seen_at FROM device WHERE device_id = ?", device_id
        )
        if device is None or device["owner"] != user_id:
            raise SyncRefused(403, "not_your_device", "pull with a device registered to you")
        if device["revoked_at"] is not None:
            raise SyncRefused(403, "device_revoked", "this device was revoked")
        # Every ledger id up to the watermark is in this snapshot or will never exist; changes after it
        # may be in it too, and are sent again by the next pull (a device applies rows, not deltas).
        if safe_end is None:  # SQLite: one writer, ids in commit order
            watermark = await tx.fetchval("SELECT COALESCE(MAX(id), 0) FROM ledger")
        else:
            watermark = safe_end
        catalog_rev = await tx.fetchval("SELECT COALESCE(MAX(rev), 0) FROM catalog_rev")
        # A cursor of another history (the database was restored since it was given out) is never a
        # delta's starting point: its ledger ids may have been handed out again.
        current = await epochs.current(tx)
        same_epoch = current.epoch == cursor_epoch if cursor_epoch is not None else current.id == epochs.FIRST_EPOCH_ID
        if not same_epoch:
            since, catalog_since = 0, None
        reset = since == 0 or since > watermark
        # A cursor from before the catalog was pulled (v1), or from a catalog that is not this one: all of it.
        catalog_all = reset or catalog_since is None or catalog_since > catalog_rev
        out = PullOut(
            cursor=encode_cursor(max(watermark, since), catalog_rev, current.epoch),
            reset=reset,
            epoch=current.epoch,
            scope=role,
            server_time=dt.datetime.now(dt.UTC),
        )
        if reset:
            since = 0
        if role in ("picker", "packer"):
            await _catalog(tx, out, None if catalog_all else catalog_since)
        if role == "picker":
            await _bin_stock(tx, out, None if catalog_all else since)
            await _picker(tx, out, user_id, since, reset)
        elif role == "driver":
            await _driver(tx, out, user_id, since, reset)
        elif role in ("supervisor", "admin"):
            await _supervisor(tx, out, since, reset)
        elif role == "packer":
            await _packer(tx, out, since, reset)
        if role in ("picker", "packer"):  # floor staff receive goods too
            out.receipts, left = await receiving.pulled(tx, since, reset)
            out.removed += [Removed("purchase_order", po_id) for po_id in left]
            out.summary = {**out.summary, "not_bins": await receiving.not_bins(tx)}
    _drop_contradictions(out)
    await record_seen(db, device, device_id, pending, out.server_time)
    return out


async def _picker(tx, out: PullOut, user_id: int, since: int, reset: bool) -> None:
    if reset:
        rows = await tx.fetch(_TASK_SQL + " WHERE t.picker = ? AND t.status = 'open' ORDER BY t.wave, t.seq", user_id)
    else:
        # A task shows its order's status and its line's progress too: when those change, every open
        # task of that order is sent again, not only the task whose own row changed.
        rows = await tx.fetch(
            _TASK_SQL + " WHERE t.picker = ? AND (t.version > ? OR (t.status = 'open' AND t.sales_order IN ("
            "SELECT sales_order FROM pick_task WHERE version > ? UNION SELECT sales_order FROM order_event WHERE ledger_id > ?)))"
            " ORDER BY t.wave, t.seq",
            user_id,
            since,
            since,
            since,
        )
        exits = await tx.fetch(
            "SELECT entity, entity_id FROM scope_exit WHERE scope = ? AND version > ?", f"picker:{user_id}", since
        )
        out.removed += [Removed(r["entity"], r["entity_id"]) for r in exits]
    # Follow-up tasks assigned to this picker (a count a supervisor ordered, units to put back); done
    # or handed to someone else, they leave (their version moved, or a scope exit says so).
    if reset:
        floor = await tx.fetch(_FLOOR_TASK_SQL + " WHERE f.assignee = ? AND f.status = 'open' ORDER BY f.id", user_id)
    else:
        floor = await tx.fetch(_FLOOR_TASK_SQL + " WHERE f.assignee = ? AND f.version > ? ORDER BY f.id", user_id, since)
    products = sorted({r["product"] for r in rows} | {r["product"] for r in floor if r["product"] is not None})
    barcodes = defaultdict(list)
    if products:
        for b in await tx.fetch(f"SELECT product, code FROM barcode WHERE product IN {in_list(products)} ORDER BY id", *products):
            barcodes[b["product"]].append(b["code"])
    for r in rows:
        if r["status"] != "open" or r["picker"] != user_id:
            out.removed.append(Removed("pick_task", r["id"]))
            continue
        out.tasks.append(
            PullTask(
                r["id"],
                r["wave"],
                r["seq"],
                r["status"],
                r["code"],
                r["path_seq"],
                r["sku"],
                r["name"],
                barcodes[r["product"]],
                r["lot"],
                r["qty"],
                r["qty_picked"],
                r["tote"],
                r["order_id"],
                r["external_ref"],
                r["order_status"],
                r["line_id"],
                r["line_qty"],
                r["line_picked"],
                r["line_status"],
            )
        )

    for r in floor:
        if r["status"] != "open":
            out.removed.append(Removed("floor_task", r["id"]))
            continue
        out.floor_tasks.append(
            PullFloorTask(
                r["id"],
                r["kind"],
                r["status"],
                r["location"],
                r["sku"],
                r["product_name"],
                barcodes[r["product"]] if r["product"] is not None else [],
                r["lot"],
                r["qty"],
                r["tote"],
                r["note"],
                _utc(r["created_at"]),
            )
        )


async def _catalog(tx, out: PullOut, since: int | None) -> None:
    """Products with every code that names them, and the location codes: what a phone needs to know
    a scan with no network. `since`: the catalog revision the phone holds (None: send it all)."""
    if since is None:
        products = await tx.fetch("SELECT id, sku, name, active FROM product WHERE active ORDER BY id")
        bins = await tx.fetch("SELECT id, code, kind FROM location ORDER BY id")
    else:
        products = await tx.fetch("SELECT id, sku, name, active FROM product WHERE rev > ? ORDER BY id", since)
        bins = await tx.fetch("SELECT id, code, kind FROM location WHERE rev > ? ORDER BY id", since)
    codes: dict[int, list[str]] = defaultdict(list)
    if products:
        if since is None:  # every active product: joined, not listed (an IN list of every id is too long)
            barcodes = await tx.fetch(
                "SELECT b.product, b.code, b.gtin FROM barcode b JOIN product p ON p.id = b.product WHERE p.active ORDER BY b.id"
            )
        else:
            ids = [r["id"] for r in products]
            barcodes = await tx.fetch(
                f"SELECT product, code, gtin FROM barcode WHERE product IN {in_list(ids)} ORDER BY id", *ids
            )
        for b in barcodes:
            known = codes[b["product"]]
            known += [c for c in (b["code"], b["gtin"]) if c and c not in known]
    out.catalog = [PullProduct(r["id"], r["sku"], r["name"], codes[r["id"]], bool(r["active"])) for r in products]
    out.bins = [PullBin(r["id"], r["code"], r["kind"]) for r in bins]


_BIN_STOCK_SQL = "SELECT s.id, l.code, p.sku, s.lot, s.on_hand FROM stock s JOIN location l ON l.id = s.location JOIN product p ON p.id = s.product"


async def _bin_stock(tx, out: PullOut, since: int | None) -> None:
    """What the book holds in each bin (for a count's "the book has these too"): all of it, or the
    rows whose units changed since the ledger position `since` (their stock movements say which)."""
    if since is None:
        rows = await tx.fetch(_BIN_STOCK_SQL + " WHERE s.on_hand > 0 ORDER BY s.id")
    else:
        rows = await tx.fetch(
            _BIN_STOCK_SQL + " JOIN (SELECT DISTINCT location, product, lot FROM stock_movement WHERE ledger_id > ?) m "
            "ON m.location = s.location AND m.product = s.product AND m.lot = s.lot ORDER BY s.id",
            since,
        )
    out.bin_stock = [PullBinStock(r["id"], r["code"], r["sku"], r["lot"], r["on_hand"]) for r in rows]


def _drop_contradictions(out: PullOut) -> None:
    """A row sent in this delta is in scope now, whatever tombstones older changes left for it."""
    sent = (
        {("pick_task", t.id) for t in out.tasks}
        | {("package", p.id) for p in out.packages}
        | {("exception", e.id) for e in out.exceptions}
        | {("route", r.id) for r in out.routes}
        | {("route_stop", s.id) for s in out.stops}
        | {("pack_order", o.id) for o in out.pack_orders}
        | {("floor_task", f.id) for f in out.floor_tasks}
        | {("purchase_order", r.id) for r in out.receipts}
        | {("rma", r.id) for r in out.rmas}
    )
    out.removed = [r for r in dict.fromkeys(out.removed) if (r.entity, r.id) not in sent]


# Routes stay on the driver's phone through their day (done included), so the round can be reviewed.
_DRIVER_ROUTES = "r.driver = ? AND (r.status != 'done' OR r.day >= ?)"
_ROUTE_SQL = (
    "SELECT r.id, r.code, r.day, r.status, r.area, r.driver, w.name AS depot, w.lat AS depot_lat, w.lon AS depot_lon "
    "FROM route r JOIN warehouse w ON w.id = r.warehouse"
)
_STOP_SQL = (
    "SELECT s.id, s.route, s.seq, s.status, s.version, c.name, c.phone, a.line1, a.line2, a.city, a.postcode, a.country, "
    "a.lat, a.lon FROM route_stop s JOIN route r ON r.id = s.route JOIN address a ON a.id = s.address "
    "JOIN customer c ON c.id = a.customer"
)
_DRIVER_PACKAGE_SQL = (
    "SELECT pk.id, pk.code, pk.status, pk.tracking_number, s.id AS stop_id, s.route AS route_id, o.id AS order_id, "
    "o.external_ref, c.name, a.line1, a.city, a.postcode "
    "FROM package pk JOIN route_stop s ON s.id = pk.stop JOIN route r ON r.id = s.route "
    "JOIN sales_order o ON o.id = pk.sales_order JOIN customer c ON c.id = o.customer JOIN address a ON a.id = o.ship_to"
)


async def _driver(tx, out: PullOut, user_id: int, since: int, reset: bool) -> None:
    """The driver's routes (today's and any still open), their stops in order and the packages for each."""
    today = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)  # yesterday's late rounds too, across time zones
    mine = (user_id, today)
    if reset:
        routes = await tx.fetch(_ROUTE_SQL + f" WHERE {_DRIVER_ROUTES} ORDER BY r.day, r.id", *mine)
        stops = await tx.fetch(_STOP_SQL + f" WHERE {_DRIVER_ROUTES} ORDER BY s.route, s.seq", *mine)
        packages = await tx.fetch(_DRIVER_PACKAGE_SQL + f" WHERE {_DRIVER_ROUTES} ORDER BY pk.id", *mine)
    else:
        routes = await tx.fetch(_ROUTE_SQL + f" WHERE {_DRIVER_ROUTES} AND r.version > ? ORDER BY r.id", *mine, since)
        stops = await tx.fetch(_STOP_SQL + f" WHERE {_DRIVER_ROUTES} AND s.version > ? ORDER BY s.route, s.seq", *mine, since)
        packages = await tx.fetch(
            _DRIVER_PACKAGE_SQL + f" WHERE {_DRIVER_ROUTES} AND pk.version > ? ORDER BY pk.id", *mine, since
        )
        exits = await tx.fetch(
            "SELECT entity, entity_id FROM scope_exit WHERE scope = ? AND version > ?", f"driver:{user_id}", since
        )
        out.removed += [Removed(r["entity"], r["entity_id"]) for r in exits]
    for r in routes:
        out.routes.append(
            PullRoute(r["id"], r["code"], r["day"], r["status"], r["area"], r["depot"], r["depot_lat"], r["depot_lon"])
        )
    for r in stops:
        out.stops.append(
            PullStop(
                id=r["id"],
                route_id=r["route"],
                seq=r["seq"],
                status=r["status"],
                customer=r["name"],
                phone=r["phone"],
                line1=r["line1"],
                line2=r["line2"],
                city=r["city"],
                postcode=r["postcode"],
                country=r["country"],
                lat=r["lat"],
                lon=r["lon"],
            )
        )
    for r in packages:
        out.packages.append(
            PullPackage(
                id=r["id"],
                code=r["code"],
                status=r["status"],
                order_id=r["order_id"],
                order_ref=r["external_ref"],
                customer=r["name"],
                address=f"{r['line1']}, {r['postcode']} {r['city']}",
                route_id=r["route_id"],
                stop_id=r["stop_id"],
                tracking_number=r["tracking_number"],
            )
        )


# At the pack bench: picked orders, packed ones until they leave, oldest promise first.
_PACKING = "o.status IN ('picked', 'packed')"
_PACK_ORDER_SQL = (
    "SELECT o.id, o.external_ref, o.status, o.promised_at, o.created_at, c.name FROM sales_order o "
    "JOIN customer c ON c.id = o.customer"
)


async def _packer(tx, out: PullOut, since: int, reset: bool) -> None:
    """Orders at the pack bench with their lines, totes and packages so far, and the package types to choose from."""
    if reset:
        orders = await tx.fetch(_PACK_ORDER_SQL + f" WHERE {_PACKING}")
    else:
        orders = await tx.fetch(
            _PACK_ORDER_SQL + " WHERE o.id IN (SELECT sales_order FROM order_event WHERE ledger_id > ? "
            "UNION SELECT sales_order FROM package WHERE version > ?)",
            since,
            since,
        )
    in_scope = [r for r in orders if r["status"] in ("picked", "packed", "cancelled", "on_hold")]
    # An order that left the bench by being cancelled or held is sent once more, so the packer sees
    # why (a card: unpack it); one that was shipped simply leaves.
    if reset:
        in_scope = [r for r in in_scope if r["status"] in ("picked", "packed")]
    out.removed += [Removed("pack_order", r["id"]) for r in orders if r not in in_scope]
    ids = [r["id"] for r in in_scope]
    lines: dict[int, list] = defaultdict(list)
    packages: dict[int, list] = defaultdict(list)
    items: dict[int, dict[str, int]] = defaultdict(dict)
    packed: dict[int, int] = defaultdict(int)
    totes: dict[int, set[str]] = defaultdict(set)
    barcodes: dict[int, list[str]] = defaultdict(list)
    if ids:
        marks = in_list(ids)
        for r in await tx.fetch(
            "SELECT l.id, l.sales_order, l.line_no, l.product, l.qty, l.qty_picked, l.status, l.totes, p.sku, p.name "
            f"FROM order_line l JOIN product p ON p.id = l.product WHERE l.sales_order IN {marks} ORDER BY l.line_no",
            *ids,
        ):
            lines[r["sales_order"]].append(r)
            # The tote codes the picker scanned: what the packer scans to find the order.
            totes[r["sales_order"]].update(code for code in r["totes"].split(",") if code)
        products = sorted({r["product"] for rows in lines.values() for r in rows})
        if products:
            for b in await tx.fetch(
                f"SELECT product, code FROM barcode WHERE product IN {in_list(products)} ORDER BY id", *products
            ):
                barcodes[b["product"]].append(b["code"])
        for r in await tx.fetch(
            f"SELECT id, code, sales_order, status, sealed_at, package_type, weight_g, tracking_number FROM package "
            f"WHERE sales_order IN {marks} ORDER BY id",
            *ids,
        ):
            packages[r["sales_order"]].append(r)
        for r in await tx.fetch(
            "SELECT i.package, i.order_line, i.qty FROM package_item i JOIN package p ON p.id = i.package "
            f"WHERE p.sales_order IN {marks}",
            *ids,
        ):
            items[r["package"]][str(r["order_line"])] = r["qty"]
            packed[r["order_line"]] += r["qty"]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    for r in sorted(in_scope, key=lambda r: (_utc(r["promised_at"]) or far, _utc(r["created_at"]), r["id"])):
        out.pack_orders.append(
            PullPackOrder(
                id=r["id"],
                external_ref=r["external_ref"],
                status=r["status"],
                promised_at=_utc(r["promised_at"]),
                created_at=_utc(r["created_at"]),
                customer=r["name"],
                totes=sorted(totes[r["id"]]),
                lines=[
                    PullPackLine(
                        l["id"],
                        l["line_no"],
                        l["sku"],
                        l["name"],
                        barcodes[l["product"]],
                        l["qty"],
                        l["qty_picked"],
                        packed[l["id"]],
                        l["status"],
                    )
                    for l in lines[r["id"]]
                ],
                packages=[
                    PullPackPackage(
                        p["code"],
                        p["status"],
                        p["sealed_at"] is not None,
                        p["package_type"],
                        p["weight_g"],
                        p["tracking_number"],
                        items[p["id"]],
                    )
                    for p in packages[r["id"]]
                ],
            )
        )
    types = await tx.fetch(
        "SELECT id, code, name, length_mm, width_mm, height_mm, max_weight_g, active FROM package_type ORDER BY code"
    )
    out.package_types = [record_to(PullPackageType, r) for r in types if r["active"]]
    out.removed += [Removed("package_type", r["id"]) for r in types if not r["active"]]
    out.summary = {"to_pack": sum(1 for r in in_scope if r["status"] == "picked")}
    await _packer_rmas(tx, out, since, reset)


# Returns the bench may receive: an RMA leaves the phones once every expected unit is in, or it is closed.
_RMA_OPEN = ("requested", "receiving")
_PULL_RMA_SQL = (
    "SELECT r.id, r.code, r.sales_order, r.reason, r.status, o.external_ref, c.name FROM rma r "
    "JOIN sales_order o ON o.id = r.sales_order JOIN customer c ON c.id = o.customer"
)


async def _packer_rmas(tx, out: PullOut, since: int, reset: bool) -> None:
    """Open RMAs with their lines, SKUs, names and barcodes (a wrong item is caught offline) and the
    order's package codes and tracking numbers (the returned parcel's label finds its RMA)."""
    if reset:
        rows = await tx.fetch(_PULL_RMA_SQL + f" WHERE r.status IN {in_list(_RMA_OPEN)} ORDER BY r.id", *_RMA_OPEN)
    else:
        rows = await tx.fetch(_PULL_RMA_SQL + " WHERE r.version > ? ORDER BY r.id", since)
    out.removed += [Removed("rma", r["id"]) for r in rows if r["status"] not in _RMA_OPEN]
    rows = [r for r in rows if r["status"] in _RMA_OPEN]
    if not rows:
        return
    ids = [r["id"] for r in rows]
    orders = sorted({r["sales_order"] for r in rows})
    lines: dict[int, list] = defaultdict(list)
    for r in await tx.fetch(
        "SELECT rl.id, rl.rma, p.id AS product, p.sku, p.name, rl.qty_expected, rl.qty_received FROM rma_line rl "
        f"JOIN order_line l ON l.id = rl.order_line JOIN product p ON p.id = l.product WHERE rl.rma IN {in_list(ids)} "
        "ORDER BY l.line_no",
        *ids,
    ):
        lines[r["rma"]].append(r)
    products = sorted({r["product"] for rows_ in lines.values() for r in rows_})
    barcodes: dict[int, list[str]] = defaultdict(list)
    for b in await tx.fetch(f"SELECT product, code FROM barcode WHERE product IN {in_list(products)} ORDER BY id", *products):
        barcodes[b["product"]].append(b["code"])
    codes: dict[int, list[str]] = defaultdict(list)
    for p in await tx.fetch(
        f"SELECT sales_order, code, tracking_number FROM package WHERE sales_order IN {in_list(orders)} ORDER BY id", *orders
    ):
        codes[p["sales_order"]] += [c for c in (p["code"], p["tracking_number"]) if c]
    for r in rows:
        out.rmas.append(
            PullRma(
                id=r["id"],
                code=r["code"],
                order_id=r["sales_order"],
                order_ref=r["external_ref"],
                customer=r["name"],
                reason=r["reason"],
                status=r["status"],
                package_codes=codes[r["sales_order"]],
                lines=[
                    PullRmaLine(l["id"], l["sku"], l["name"], barcodes[l["product"]], l["qty_expected"], l["qty_received"])
                    for l in lines[r["id"]]
                ],
            )
        )


_utc = stored_time  # one conversion for every stored timestamp (server/db.py)


async def _supervisor(tx, out: PullOut, since: int, reset: bool) -> None:
    if reset:
        rows = await tx.fetch(_EXCEPTION_SQL + " WHERE status = 'open' ORDER BY id")
    else:
        rows = await tx.fetch(_EXCEPTION_SQL + " WHERE version > ? ORDER BY id", since)
    for r in rows:
        if r["status"] == "open":
            out.exceptions.append(record_to(PullException, r))
        else:
            out.removed.append(Removed("exception", r["id"]))
    by_status = {r[0]: r[1] for r in await tx.fetch("SELECT status, COUNT(*) FROM sales_order GROUP BY status")}
    out.summary = {
        "orders_by_status": by_status,
        "open_exceptions": await tx.fetchval("SELECT COUNT(*) FROM sync_exception WHERE status = 'open'"),
        "open_floor_tasks": await tx.fetchval("SELECT COUNT(*) FROM floor_task WHERE status = 'open'"),
    }


def encode_cursor(version: int, catalog_rev: int, epoch: str) -> str:
    """The ledger position the device has seen, the catalog revision it holds, and the sync epoch
    (server/ops/epoch.py) both belong to."""
    return base64.urlsafe_b64encode(f"v3:{epoch}:{version}:{catalog_rev}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int | None, str | None]:
    """(ledger position, catalog revision, epoch). A v1 cursor (from before the catalog was pulled) has
    no catalog revision: it stays valid, and its next pull sends the whole catalog. v1 and v2 cursors
    (from before epochs) have no epoch: they belong to the first one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, *values = raw.split(":")
        if prefix == "v1" and len(values) == 1:
            return int(values[0]), None, None
        if prefix == "v2" and len(values) == 2:
            return int(values[0]), int(values[1]), None
        if prefix == "v3" and len(values) == 3 and values[0]:
            return int(values[1]), int(values[2]), values[0]
        raise ValueError
    except (ValueError, UnicodeDecodeError):
        raise SyncRefused(
            400, "bad_cursor", "cursor is not one this server gave out; pull without a cursor for a full snapshot", field="cursor"
        ) from None
