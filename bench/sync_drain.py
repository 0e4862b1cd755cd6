"""Sync drain on SQLite: a 10,000-op mixed backlog over HTTP vs. plain `sqlite3` (G8; the bar is in docs/benchmarks.md).

Run:  .venv/bin/python bench/sync_drain.py            (about 1-1.5 minutes on 2 vCPU)

What one run does:

1. Seed (not timed). A fresh SQLite file in a temporary directory; migrations through
   `python -m server.cli migrate`, then - in process, through the op engine (`server.apply.run_ops`)
   as `server/demo.py` does - 10 pickers (+ 1 picker kept for the online-scan test), 2 packers,
   2 drivers, a supervisor; 200 products; 400 bins; two stock rows per product (the bin earlier on
   the pick path holds 20-60 units, the other 300, so about half the lines are allocated from each
   bin and some are split over both); 520 orders of 1-3 lines per picker (5,400 orders in all),
   released in waves of at most 200 orders; that gives ~10,300 open pick tasks (~9,900 for the 10
   pickers). (About 2,500 orders of 1-3 lines would give only ~5,000 tasks, too few for a
   10,000-op backlog made mostly of picks.)

2. The backlog: 10,000 ops on 14 devices, built from the pick tasks in the database (task order =
   walking order), each device numbering its own seqs 1, 2, 3, ...:
   - picker devices (10): a pick per task with the task's qty (~85%), a `pick_short` of the whole
     task (reason `damaged`: the units are written off) for 300 tasks (3%), 60 re-scans of an already picked single-task line (over-pick ->
     `adjusted/over_pick`), and the picks of 40 orders that a supervisor cancels through
     `POST /api/orders/{id}/cancel` after the backlog is built and before it is pushed
     (-> `adjusted/order_cancelled`);
   - packer devices (2): every line of 300 fully picked orders packed into a package per order,
     plus 20 packs of lines nobody picked (-> `rejected/not_picked`);
   - driver devices (2): the 300 packages shipped, 250 of them delivered, and 20 second deliveries
     of a delivered package to a different recipient (-> `rejected/conflicting_delivery`).
   Pushes go phase by phase (pickers, then packers, then drivers: packing needs the picks acked,
   shipping needs the packs), round-robin over the devices of a phase, each device's backlog in
   batches of `max_ops` from `GET /api/sync/limits` (500), over one keep-alive HTTP connection.
   Request bodies are encoded before the clock starts and responses decoded after it stops, so the
   client costs as little as possible of the shared CPU. Shipshape ops/s = 10,000 / (first push
   -> last ack). Afterwards every op must have exactly one result (not replayed) and the ledger must
   hold exactly one row per (device, seq); statuses and codes are counted and printed.

3. Baseline: plain `sqlite3`, in process, on copies of the seeded file made before the server
   started (same schema, indexes, CHECK and foreign-key constraints, data), WAL,
   `synchronous=NORMAL`, `foreign_keys=ON`, one `BEGIN IMMEDIATE ... COMMIT` per push batch (the same
   batches, <= 500 ops). Per batch it reads what it needs with a few `IN (...)` queries (order
   lines, reservations, open pick tasks, stock rows, packages, lines of orders being packed with
   their packed quantities), decides each op in Python, and writes per-op statements batched with
   `executemany`:
   - pick / pick_short (the brief's five writes): UPDATE stock (on_hand, reserved), DELETE or
     UPDATE the reservation, UPDATE order_line (qty_picked / qty_allocated, status), UPDATE
     pick_task (qty_picked, status), INSERT ledger;
   - pack: INSERT package (first time a code is seen), INSERT package_item, INSERT ledger, and when
     the order's last line is packed UPDATE sales_order + INSERT order_event; a pack of an unpicked
     line: INSERT ledger (rejected) + INSERT sync_exception;
   - ship: UPDATE package, UPDATE sales_order, INSERT order_event, INSERT ledger;
   - deliver: INSERT delivery, UPDATE package, UPDATE sales_order, INSERT order_event, INSERT
     ledger; a conflicting second delivery: INSERT delivery (evidence), INSERT ledger (rejected),
     INSERT sync_exception;
   - per batch: UPDATE device last_seq.
   It does not write the order timeline on picks, floor tasks or exceptions for adjusted picks,
   which Shipshape does, so the comparison errs against Shipshape. The baseline runs 3 times on
   fresh copies, 2 before and 1 after the drain (the machine is noisy); the fastest run is the one
   compared (again erring against Shipshape). For calibration the same recorded writes are also
   replayed with every parameter precomputed ("writes only": no reads, decisions or JSON), and a
   CPU-time view is printed (server process CPU seconds vs baseline CPU seconds), which a busy
   machine disturbs less than wall-clock time; neither changes the ratio.

4. Online scans: after the drain, 300 single-op pushes (one pick each, preceded by 20 unmeasured
   warm-up pushes) from one device, sequentially, taking turns between two keep-alive clients: the
   standard library's `http.client` (what the push costs, with the least client work in the round
   trip) and httpx (whose own work adds 0.8-1.3 ms to each round trip on this machine); median and
   p99 of the round trip in ms for each, and the server's own time for the request (its access line's
   `duration_ms`: from the request's arrival to the answer's last byte).

The last line is `ratio: 0.NN` = Shipshape ops/s / plain sqlite3 ops/s, both wall-clock (bar >= 0.25,
goal >= 0.50).
Loopback only; the server process is stopped in `finally`; everything lives in a temp directory
(`--keep` keeps it).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import gc
import http.client
import json
import os
import random
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support import LiveServer  # noqa: E402  (the one live-server helper, shared with the tests)

PASSWORD = "bench-password-1"
N_PRODUCTS = 200
N_BINS = 400
PICKERS = [f"picker{n:02d}" for n in range(1, 11)]
ONLINE_PICKER = "picker-online"
PACKERS = ["packer1", "packer2"]
DRIVERS = ["driver1", "driver2"]
SUPERVISOR = "boss"
WAVE_MAX = 200


def log(message: str) -> None:
    print(message, flush=True)


# -- seeding (not timed) ----------------------------------------------------------------------------


def _migrate(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "server.cli", "migrate"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


async def _seed(db_path: Path, rng: random.Random, orders_per_picker: int, online_orders: int) -> str:
    from server.accounts.service import create_user
    from server.apply import run_ops
    from server.catalog.schemas import ProductIn
    from server.catalog.service import create_product
    from server.db import Database
    from server.inventory.schemas import LocationIn
    from server.inventory.service import create_location
    from server.settings import DatabaseConfig
    from sync.ops import AddressArgs, AdjustStock, CustomerArgs, IntakeOrder, LineArgs, ReleaseWave

    db = Database(DatabaseConfig("sqlite", path=str(db_path)))
    await db.start()
    try:
        users = {}
        for name in PICKERS + [ONLINE_PICKER]:
            users[name] = await create_user(db, name, "picker", PASSWORD)
        for name in PACKERS:
            users[name] = await create_user(db, name, "packer", PASSWORD)
        for name in DRIVERS:
            users[name] = await create_user(db, name, "driver", PASSWORD)
        users[SUPERVISOR] = await create_user(db, SUPERVISOR, "supervisor", PASSWORD)
        boss = users[SUPERVISOR].id

        skus = [f"SKU-{n:04d}" for n in range(1, N_PRODUCTS + 1)]
        for n, sku in enumerate(skus, start=1):
            await create_product(db, ProductIn(sku=sku, name=f"Bench product {n}", reorder_point=5, weight_g=250))
        bins = []  # (code, path_seq): 10 aisles x 10 racks x 4 levels, walked as a serpentine
        for a, aisle in enumerate("ABCDEFGHJK"):
            racks = range(1, 11) if a % 2 == 0 else range(10, 0, -1)
            for r_pos, rack in enumerate(racks):
                for level in range(1, 5):
                    bins.append((f"{aisle}-{rack:02d}-{level:02d}", (a * 10 + r_pos) * 10 + level))
        for code, path_seq in bins:
            await create_location(db, LocationIn(code=code, kind="bin", zone=code[0], path_seq=path_seq))

        shuffled = bins[:]
        rng.shuffle(shuffled)
        adjustments = []
        for n, sku in enumerate(skus):
            first, second = sorted(shuffled[2 * n : 2 * n + 2], key=lambda b: b[1])
            adjustments.append(AdjustStock(location=first[0], sku=sku, qty_delta=rng.randint(20, 60), reason="opening stock"))
            adjustments.append(AdjustStock(location=second[0], sku=sku, qty_delta=300, reason="opening stock"))
        await run_ops(db, adjustments, actor=boss)

        def order(n: int) -> IntakeOrder:
            k = rng.choices((1, 2, 3), weights=(35, 40, 25))[0]
            lines = [LineArgs(sku=sku, qty=rng.choices((1, 2, 3), weights=(60, 25, 15))[0]) for sku in rng.sample(skus, k)]
            return IntakeOrder(
                channel="manual",
                external_ref=f"BENCH-{n:06d}",
                customer=CustomerArgs(name=f"Customer {n}", email=f"c{n}@example.com"),
                ship_to=AddressArgs(line1=f"{n} Bench Street", city="Leeds", postcode="LS1 1AA", country="GB"),
                lines=lines,
                tracking_token=secrets.token_urlsafe(12),
            )

        total = orders_per_picker * len(PICKERS) + online_orders
        order_ids = []
        for start in range(0, total, 250):
            outcomes = await run_ops(db, [order(n) for n in range(start, min(total, start + 250))], actor=boss)
            order_ids += [o.result["order_id"] for o in outcomes]
        async with db.read() as tx:
            allocated = {r[0] for r in await tx.fetch("SELECT id FROM sales_order WHERE status = 'allocated'")}
        order_ids = [i for i in order_ids if i in allocated]
        online_ids, order_ids = order_ids[-online_orders:], order_ids[:-online_orders]
        per_picker = {p: order_ids[i :: len(PICKERS)] for i, p in enumerate(PICKERS)}
        per_picker[ONLINE_PICKER] = online_ids
        waves = 0
        for picker, ids in per_picker.items():
            size = -(-len(ids) // -(-len(ids) // WAVE_MAX))  # even waves of at most WAVE_MAX orders
            ops = [ReleaseWave(order_ids=ids[i : i + size], picker=picker) for i in range(0, len(ids), size)]
            for outcome in await run_ops(db, ops, actor=boss):
                assert outcome.status == "applied", (outcome.code, outcome.message)
            waves += len(ops)
        return (
            f"{len(skus)} products, {len(bins)} bins, {len(adjustments)} stock rows, {total} orders "
            f"({total - len(allocated)} not fully allocated), {waves} waves to {len(PICKERS)} pickers + {ONLINE_PICKER}"
        )
    finally:
        await db.close()


# -- the backlog ------------------------------------------------------------------------------------


class Plan:
    """Every device's ops as (type, args) in device order; what is expected of them."""

    def __init__(self) -> None:
        self.ops: dict[str, list[tuple[str, dict]]] = {}
        self.phases: list[list[str]] = []
        self.cancel_orders: list[int] = []
        self.expected: collections.Counter = collections.Counter()  # (status, code) for the deliberate conflicts
        self.online: list[tuple[str, dict]] = []

    def total(self) -> int:
        return sum(len(v) for v in self.ops.values())


def build_plan(db_path: Path, rng: random.Random, n_ops: int, n_single: int) -> Plan:
    con = sqlite3.connect(db_path)
    tasks = con.execute(
        "SELECT t.id, u.username, t.wave, t.seq, t.sales_order, t.order_line, l.code, p.sku, t.qty, "
        "       s.on_hand - s.reserved AS slack "
        "FROM pick_task t JOIN app_user u ON u.id = t.picker JOIN location l ON l.id = t.location "
        "JOIN product p ON p.id = t.product JOIN stock s ON s.location = t.location AND s.product = t.product AND s.lot = t.lot "
        "WHERE t.status = 'open' ORDER BY u.username, t.wave, t.seq"
    ).fetchall()
    lines = {
        r[0]: r[1:]
        for r in con.execute("SELECT ol.id, ol.sales_order, ol.qty, p.sku FROM order_line ol JOIN product p ON p.id = ol.product")
    }
    con.close()
    Task = collections.namedtuple("Task", "id picker wave seq order line location sku qty slack")
    tasks = [Task(*t) for t in tasks]
    by_picker = collections.defaultdict(list)
    for t in tasks:
        by_picker[t.picker].append(t)
    tasks_of_line = collections.Counter(t.line for t in tasks)
    tasks_of_order = collections.defaultdict(list)
    for t in tasks:
        tasks_of_order[t.order].append(t)
    lines_of_order = collections.defaultdict(list)
    for line_id, (order_id, qty, sku) in lines.items():
        lines_of_order[order_id].append((line_id, qty, sku))

    n_packed, n_delivered, n_conflicting, n_bad_packs = 300, 250, 20, 20
    n_shorts, n_overpicks, n_cancelled = n_ops * 3 // 100, 60, 40
    if n_ops < 10_000:  # smaller smoke runs scale the extras down
        scale = n_ops / 10_000
        n_packed, n_delivered, n_conflicting, n_bad_packs, n_overpicks, n_cancelled = (
            max(2, int(x * scale)) for x in (n_packed, n_delivered, n_conflicting, n_bad_packs, n_overpicks, n_cancelled)
        )
    plan = Plan()

    # Packed orders: early in a picker's walk (all their tasks well inside the part that gets picked).
    early = int(n_ops * 0.8 / len(PICKERS))
    last_position = {}
    for p in PICKERS:
        for position, t in enumerate(by_picker[p]):
            last_position[t.order] = position
    candidates = {p: sorted({t.order for t in by_picker[p] if last_position[t.order] < early}) for p in PICKERS}
    packed: list[int] = []
    for i in range(n_packed):
        pool = candidates[PICKERS[i % len(PICKERS)]]
        packed.append(pool.pop(rng.randrange(len(pool))))
    packed_set = set(packed)
    n_packs = sum(len(lines_of_order[o]) for o in packed)
    n_driver_ops = n_packed + n_delivered + n_conflicting
    picker_ops = n_ops - n_packs - n_bad_packs - n_driver_ops
    consumed_total = picker_ops - n_overpicks
    share = [consumed_total // len(PICKERS) + (1 if i < consumed_total % len(PICKERS) else 0) for i in range(len(PICKERS))]
    consumed: dict[str, list] = {}
    for picker, n in zip(PICKERS, share, strict=False):
        if n > len(by_picker[picker]):
            raise SystemExit(f"{picker} has {len(by_picker[picker])} open tasks, the backlog needs {n}: seed more orders")
        consumed[picker] = by_picker[picker][:n]
    consumed_ids = {t.id for p in PICKERS for t in consumed[p]}
    for o in packed:
        assert all(t.id in consumed_ids for t in tasks_of_order[o]), "a packed order has unpicked tasks"

    consumed_flat = [t for p in PICKERS for t in consumed[p]]
    shorts = {t.id for t in rng.sample([t for t in consumed_flat if t.order not in packed_set], n_shorts)}
    orders_with_short = {t.order for t in consumed_flat if t.id in shorts}
    cancellable = sorted({t.order for t in consumed_flat} - packed_set - orders_with_short)
    plan.cancel_orders = rng.sample(cancellable, n_cancelled)
    cancelled = set(plan.cancel_orders)
    overpick_pool = [
        t
        for t in consumed_flat
        if t.id not in shorts
        and t.order not in cancelled
        and t.order not in packed_set
        and tasks_of_line[t.line] == 1
        and t.slack >= 20
    ]
    overpicks = {t.id for t in rng.sample(overpick_pool, n_overpicks)}

    for picker in PICKERS:
        ops: list[tuple[str, dict]] = []
        rescans: list[list] = []  # [countdown, op]
        for t in consumed[picker]:
            if t.id in shorts:
                ops.append(
                    (
                        "pick_short",
                        {"order_line_id": t.line, "location": t.location, "sku": t.sku, "qty_short": t.qty, "reason": "damaged"},
                    )
                )
            else:
                pick = ("pick", {"order_line_id": t.line, "location": t.location, "sku": t.sku, "qty": t.qty, "tote": "T1"})
                ops.append(pick)
                if t.order in cancelled:
                    plan.expected["adjusted", "order_cancelled"] += 1
                if t.id in overpicks:
                    rescans.append([rng.randint(1, 15), pick])
                    plan.expected["adjusted", "over_pick"] += 1
            for r in rescans:
                r[0] -= 1
            ops += [r[1] for r in rescans if r[0] <= 0]
            rescans = [r for r in rescans if r[0] > 0]
        ops += [r[1] for r in rescans]
        plan.ops[picker] = ops

    # Packers: each packed order's lines into one package; some packs of lines nobody picked.
    picked_lines = {t.line for t in consumed_flat}
    unpicked = [l for l in lines if l not in picked_lines and lines[l][0] not in cancelled]
    bad = rng.sample(unpicked, n_bad_packs)
    plan.expected["rejected", "not_picked"] += n_bad_packs
    for name in PACKERS:
        plan.ops[name] = []
    for i, o in enumerate(packed):
        for line_id, qty, sku in lines_of_order[o]:
            plan.ops[PACKERS[i % 2]].append(("pack", {"order_line_id": line_id, "sku": sku, "qty": qty, "package": f"PKG-{o}"}))
    for i, line_id in enumerate(bad):
        order_id, qty, sku = lines[line_id]
        ops = plan.ops[PACKERS[i % 2]]
        ops.insert(
            rng.randrange(len(ops) + 1),
            ("pack", {"order_line_id": line_id, "sku": sku, "qty": qty, "package": f"PKG-{order_id}"}),
        )

    # Drivers: load (ship) their packages, then deliver them; some second deliveries disagree.
    for name in DRIVERS:
        plan.ops[name] = []
    delivered = []
    for i, o in enumerate(packed):
        plan.ops[DRIVERS[i % 2]].append(("ship", {"package": f"PKG-{o}"}))
    for i, o in enumerate(packed[:n_delivered]):
        plan.ops[DRIVERS[i % 2]].append(
            ("deliver", {"package": f"PKG-{o}", "recipient": f"Customer at order {o}", "signature": f"sig-{o}"})
        )
        delivered.append((i % 2, o))
    for d, o in rng.sample(delivered, n_conflicting):
        plan.ops[DRIVERS[d]].append(("deliver", {"package": f"PKG-{o}", "recipient": "Someone Else", "signature": f"sig-x{o}"}))
    plan.expected["rejected", "conflicting_delivery"] += n_conflicting

    plan.phases = [PICKERS, PACKERS, DRIVERS]
    assert plan.total() == n_ops, plan.total()

    online = by_picker[ONLINE_PICKER]
    if len(online) < n_single + 20:
        raise SystemExit(f"{ONLINE_PICKER} has {len(online)} tasks; {n_single + 20} needed")
    plan.online = [
        ("pick", {"order_line_id": t.line, "location": t.location, "sku": t.sku, "qty": t.qty, "tote": "T1"})
        for t in online[: n_single + 20]
    ]
    return plan


def batches_of(plan: Plan, max_ops: int) -> list[tuple[str, int, list]]:
    """(device, first seq, ops): phase by phase, round-robin over the phase's devices."""
    out = []
    for phase in plan.phases:
        chunks = {d: [(i + 1, plan.ops[d][i : i + max_ops]) for i in range(0, len(plan.ops[d]), max_ops)] for d in phase}
        for round_ in range(max(len(c) for c in chunks.values())):
            for d in phase:
                if round_ < len(chunks[d]):
                    seq, ops = chunks[d][round_]
                    out.append((d, seq, ops))
    return out


# -- baseline: plain sqlite3 --------------------------------------------------------------------------


def _in(values) -> str:
    return "(" + ",".join("?" * len(values)) + ")"


def _baseline_connection(db_path: Path, actors: dict[str, int]) -> tuple[sqlite3.Connection, dict[str, str]]:
    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("PRAGMA foreign_keys = ON")
    device_ids = {name: f"baseline-{name}" for name in actors}
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO device (device_id, owner, name, last_seq, registered_at) VALUES (?, ?, ?, 0, ?)",
        [(device_ids[n], actors[n], n, dt.datetime.now(dt.UTC).isoformat()) for n in actors],
    )
    con.execute("COMMIT")
    return con, device_ids


def run_baseline(db_path: Path, batches, actors: dict[str, int], record: list | None = None) -> float:
    """The hand-written plain-sqlite3 drain; returns seconds. `record` collects every batch's writes."""
    con, device_ids = _baseline_connection(db_path, actors)
    at = "2026-11-26T10:02:03.120Z"
    writes: list = []

    def write(sql: str, rows: list) -> None:
        con.executemany(sql, rows)
        writes.append((sql, rows))

    started = time.perf_counter()
    location_id = dict(con.execute("SELECT code, id FROM location"))
    product_id = dict(con.execute("SELECT sku, id FROM product"))
    package_ids: dict[str, list] = {}  # code -> [id, sales_order, status, recipient]
    for name, first_seq, ops in batches:
        device = device_ids[name]
        actor = actors[name]
        now = dt.datetime.now(dt.UTC).isoformat()
        con.execute("BEGIN IMMEDIATE")
        writes = []
        line_ids = sorted({a["order_line_id"] for t, a in ops if "order_line_id" in a})
        pick_lines = sorted({a["order_line_id"] for t, a in ops if t in ("pick", "pick_short")})
        products = sorted({product_id[a["sku"]] for t, a in ops if t in ("pick", "pick_short")})
        lines, reservations, tasks, stock, packed, order_lines = (
            {},
            {},
            collections.defaultdict(list),
            {},
            {},
            collections.defaultdict(list),
        )
        if line_ids:
            for r in con.execute(
                f"SELECT id, sales_order, qty, qty_allocated, qty_picked, status FROM order_line WHERE id IN {_in(line_ids)}",
                line_ids,
            ):
                lines[r[0]] = list(r)
        if pick_lines:
            for r in con.execute(
                f"SELECT id, order_line, stock, qty FROM reservation WHERE order_line IN {_in(pick_lines)}", pick_lines
            ):
                reservations[(r[1], r[2])] = [r[0], r[3]]
            for r in con.execute(
                f"SELECT id, order_line, location, qty, qty_picked, status FROM pick_task "
                f"WHERE status = 'open' AND order_line IN {_in(pick_lines)}",
                pick_lines,
            ):
                tasks[r[1]].append(list(r))
            for r in con.execute(
                f"SELECT id, location, product, on_hand, reserved FROM stock WHERE lot = '' AND product IN {_in(products)}",
                products,
            ):
                stock[(r[1], r[2])] = [r[0], r[3], r[4]]
        pack_orders = sorted({lines[a["order_line_id"]][1] for t, a in ops if t == "pack"})
        if pack_orders:
            for r in con.execute(
                f"SELECT id, sales_order, qty FROM order_line WHERE sales_order IN {_in(pack_orders)}", pack_orders
            ):
                order_lines[r[1]].append((r[0], r[2]))
            all_lines = [l for o in pack_orders for l, _ in order_lines[o]]
            packed = dict(
                con.execute(
                    f"SELECT order_line, SUM(qty) FROM package_item WHERE order_line IN {_in(all_lines)} GROUP BY order_line",
                    all_lines,
                )
            )
        codes = sorted({a["package"] for t, a in ops if "package" in a} - set(package_ids))
        if codes:
            for r in con.execute(f"SELECT id, code, sales_order, status FROM package WHERE code IN {_in(codes)}", codes):
                package_ids[r[1]] = [r[0], r[2], r[3], None]

        stock_up, res_up, res_del, line_up, task_up = [], [], [], [], []
        item_ins, order_up, event_ins, delivery_ins, package_up, exc_ins, ledger_ins = [], [], [], [], [], [], []
        for i, (op_type, a) in enumerate(ops):
            seq = first_seq + i
            status, code, message, result = "applied", None, None, {}
            if op_type in ("pick", "pick_short"):
                line = lines[a["order_line_id"]]
                loc, prod = location_id[a["location"]], product_id[a["sku"]]
                srow = stock[(loc, prod)]
                res = reservations.get((line[0], srow[0]))
                qty = a["qty"] if op_type == "pick" else a["qty_short"]
                fill = min(qty, line[2] - line[4]) if op_type == "pick" else 0
                use = min(fill if op_type == "pick" else qty, res[1] if res else 0)
                srow[1] -= min(qty, srow[1])
                srow[2] = min(srow[2] - use, srow[1])
                stock_up.append((srow[1], srow[2], srow[0]))
                if res:
                    res[1] -= use
                    if res[1] == 0:
                        res_del.append((res[0],))
                        del reservations[(line[0], srow[0])]
                    else:
                        res_up.append((res[1], res[0]))
                if op_type == "pick":
                    line[4] += fill
                    line[5] = "picked" if line[4] >= line[2] else line[5]
                    result = {"picked": fill, "put_away": qty - fill, "line_qty_picked": line[4]}
                else:
                    line[3] -= use
                    line[5] = "partially_allocated" if line[3] else "backordered"
                    result = {"replaced": 0, "backordered": use}
                line_up.append((line[3], line[4], line[5], line[0]))
                for task in tasks[line[0]]:
                    if task[2] == loc and task[5] == "open":
                        if op_type == "pick":
                            task[4] = min(task[3], task[4] + fill)
                            task[5] = "done" if task[4] >= task[3] else "open"
                        else:
                            task[5] = "short"
                        task_up.append((task[4], task[5], task[0]))
                        break
            elif op_type == "pack":
                line = lines[a["order_line_id"]]
                done = packed.get(line[0], 0)
                if done + a["qty"] > line[4]:
                    status, code, message = "rejected", "not_picked", f"line {line[0]} has {line[4]} picked and {done} packed"
                    exc_ins.append(("rejected_op", code, message, "open", device, seq, line[1], line[0], None, now))
                else:
                    package = package_ids.get(a["package"])
                    if package is None:
                        sql = "INSERT INTO package (code, sales_order, status, carrier, created_at, version) VALUES (?, ?, 'open', '', ?, 0)"
                        cur = con.execute(sql, (a["package"], line[1], now))
                        writes.append((sql, [(a["package"], line[1], now)]))
                        package = package_ids[a["package"]] = [cur.lastrowid, line[1], "open", None]
                    item_ins.append((package[0], line[0], a["qty"]))
                    packed[line[0]] = done + a["qty"]
                    if all(packed.get(l, 0) >= q for l, q in order_lines[line[1]]):
                        order_up.append(("packed", now, line[1]))
                        event_ins.append((line[1], "packed", now, ""))
                    result = {"package_id": package[0], "packed": done + a["qty"]}
            elif op_type == "ship":
                package = package_ids[a["package"]]
                package[2] = "shipped"
                package_up.append(("shipped", "own_fleet", package[0]))
                order_up.append(("shipped", now, package[1]))
                event_ins.append((package[1], "shipped", now, ""))
                result = {"package_id": package[0], "duplicate": False}
            elif op_type == "deliver":
                package = package_ids[a["package"]]
                if package[2] == "delivered" and package[3] != a["recipient"]:
                    status, code, message = "rejected", "conflicting_delivery", f"package {a['package']} was already delivered"
                    delivery_ins.append((package[0], a["recipient"], a.get("signature", ""), at, True))
                    exc_ins.append(("rejected_op", code, message, "open", device, seq, package[1], None, None, now))
                else:
                    package[2], package[3] = "delivered", a["recipient"]
                    delivery_ins.append((package[0], a["recipient"], a.get("signature", ""), at, False))
                    package_up.append(("delivered", "own_fleet", package[0]))
                    order_up.append(("delivered", now, package[1]))
                    event_ins.append((package[1], "delivered", now, ""))
                result = {"package_id": package[0], "duplicate": False}
            ledger_ins.append(
                (
                    device,
                    seq,
                    actor,
                    op_type,
                    1,
                    json.dumps(a, separators=(",", ":")),
                    at,
                    now,
                    status,
                    code,
                    message,
                    json.dumps(result, separators=(",", ":")),
                )
            )

        write("UPDATE stock SET on_hand = ?, reserved = ? WHERE id = ?", stock_up)
        write("UPDATE reservation SET qty = ? WHERE id = ?", res_up)
        write("DELETE FROM reservation WHERE id = ?", res_del)
        write("UPDATE order_line SET qty_allocated = ?, qty_picked = ?, status = ? WHERE id = ?", line_up)
        write("UPDATE pick_task SET qty_picked = ?, status = ? WHERE id = ?", task_up)
        write("INSERT INTO package_item (package, order_line, qty) VALUES (?, ?, ?)", item_ins)
        write("UPDATE package SET status = ?, carrier = ? WHERE id = ?", package_up)
        write(
            "INSERT INTO delivery (package, outcome, recipient, signature, device_at, evidence) VALUES (?, 'delivered', ?, ?, ?, ?)",
            delivery_ins,
        )
        write("UPDATE sales_order SET status = ?, updated_at = ? WHERE id = ?", order_up)
        write("INSERT INTO order_event (sales_order, status, at, note) VALUES (?, ?, ?, ?)", event_ins)
        write(
            "INSERT INTO sync_exception (kind, code, message, status, device_id, seq, sales_order, order_line, location, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            exc_ins,
        )
        write(
            "INSERT INTO ledger (device_id, seq, actor, op_type, op_version, args, device_at, committed_at, status, code, message, result) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ledger_ins,
        )
        write("UPDATE device SET last_seq = ?, last_push_at = ? WHERE device_id = ?", [(first_seq + len(ops) - 1, now, device)])
        con.execute("COMMIT")
        if record is not None:
            record.append(writes)
    elapsed = time.perf_counter() - started
    rows = con.execute("SELECT COUNT(*) FROM ledger WHERE device_id LIKE 'baseline-%'").fetchone()[0]
    con.close()
    assert rows == sum(len(b[2]) for b in batches), rows
    return elapsed


def replay_writes(db_path: Path, recorded: list, actors: dict[str, int]) -> float:
    """The same writes with every parameter precomputed: no reads, no decisions, no JSON (a floor for
    what sqlite3 itself costs here, for calibration; not what the ratio compares with)."""
    con, _ = _baseline_connection(db_path, actors)
    started = time.perf_counter()
    for writes in recorded:
        con.execute("BEGIN IMMEDIATE")
        for sql, rows in writes:
            con.executemany(sql, rows)
        con.execute("COMMIT")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def _envelope(seq: int, op_type: str, args: dict, at: str) -> dict:
    return {"seq": seq, "type": op_type, "version": 1, "at": at, "args": args}


def drain(client: httpx.Client, plan: Plan, batches, devices: dict, headers: dict) -> tuple[float, dict, list[float]]:
    """Push every batch; returns (seconds, {device: [results]}, per-push seconds)."""
    at = "2026-11-26T10:02:03.120Z"
    bodies = [
        (
            name,
            json.dumps(
                {"device_id": devices[name], "ops": [_envelope(seq + i, t, a, at) for i, (t, a) in enumerate(ops)]}
            ).encode(),
        )
        for name, seq, ops in batches
    ]
    responses, per_push = [], []
    started = time.perf_counter()
    for (name, body), (_, seq, ops) in zip(bodies, batches, strict=False):
        t0 = time.perf_counter()
        response = client.post("/api/sync/push", content=body, headers={**headers[name], "content-type": "application/json"})
        if response.status_code != 200:  # 413 -> halve (docs/sync-protocol.md); 503 -> retry; both re-encode, rare by design
            responses += [(name, c) for c in _push_slowly(client, devices[name], headers[name], seq, ops, at, response)]
        else:
            responses.append((name, response.content))
        per_push.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    results = collections.defaultdict(list)
    for name, content in responses:
        results[name] += json.loads(content)["results"]
    return elapsed, results, per_push


def _push_slowly(client, device_id, headers, seq, ops, at, response) -> list[bytes]:
    out, size, i, tries = [], len(ops), 0, 0
    while i < len(ops):
        if response is None:
            chunk = ops[i : i + size]
            body = {"device_id": device_id, "ops": [_envelope(seq + i + k, t, a, at) for k, (t, a) in enumerate(chunk)]}
            response = client.post("/api/sync/push", json=body, headers=headers)
        if response.status_code == 413 and size > 1:
            size //= 2
        elif response.status_code == 503 and tries < 5:
            tries += 1
            time.sleep(1)
        elif response.status_code == 200:
            out.append(response.content)
            i = json.loads(response.content)["acked_through"] - seq + 1
        else:
            raise RuntimeError(f"push failed: {response.status_code} {response.text[:500]}")
        response = None
    return out


def verify(plan: Plan, results: dict, db_path: Path, devices: dict) -> collections.Counter:
    statuses: collections.Counter = collections.Counter()
    codes: collections.Counter = collections.Counter()
    for name, ops in plan.ops.items():
        got = results.get(name, [])
        seqs = [r["seq"] for r in got]
        if sorted(seqs) != list(range(1, len(ops) + 1)):
            raise SystemExit(
                f"FAIL: {name} sent {len(ops)} ops, got {len(got)} results (seqs {min(seqs, default=None)}..{max(seqs, default=None)})"
            )
        if any(r["replayed"] for r in got):
            raise SystemExit(f"FAIL: {name} got replayed results on first push")
        for r in got:
            statuses[r["status"]] += 1
            if r["code"]:
                codes[r["status"], r["code"]] += 1
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    ids = list(devices.values())
    rows = con.execute(
        f"SELECT COUNT(*), COUNT(DISTINCT device_id || ':' || seq) FROM ledger WHERE device_id IN {_in(ids)}", ids
    ).fetchone()
    con.close()
    if rows != (plan.total(), plan.total()):
        raise SystemExit(f"FAIL: the ledger holds {rows[0]} rows ({rows[1]} distinct) for {plan.total()} ops")
    log(f"verified: {plan.total()} ops, {sum(statuses.values())} results, exactly one per (device, seq); ledger rows: {rows[0]}")
    log("statuses: " + ", ".join(f"{s} {statuses[s]}" for s in ("applied", "adjusted", "rejected")))
    log("codes: " + ", ".join(f"{s}/{c} {n}" for (s, c), n in sorted(codes.items())))
    for key, n in sorted(plan.expected.items()):
        if codes[key] != n:
            log(f"note: planned {n} × {key[0]}/{key[1]}, got {codes[key]}")
    return statuses


# -- main ---------------------------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _profiler(directory: str | None, name: str, pid: int) -> subprocess.Popen | None:
    """py-spy sampling the server (all threads, idle included) into DIR/name.txt, or None without --profile."""
    if directory is None:
        return None
    Path(directory).mkdir(parents=True, exist_ok=True)
    out = Path(directory, f"{name}.txt")
    command = [os.environ.get("PY_SPY", "py-spy"), "record", "--pid", str(pid), "--format", "raw", "--rate", "1000"]
    profiler = subprocess.Popen(
        [*command, "--threads", "--idle", "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(1)  # attached before the clock starts
    return profiler


def _stop_profiler(profiler: subprocess.Popen | None) -> None:
    if profiler is not None:
        profiler.send_signal(2)  # SIGINT: py-spy writes its file and exits
        profiler.wait(30)


def _served_ms(log_path: Path, start: int) -> list[float]:
    """`duration_ms` of each push's access line written after byte `start` of the server's log, in order."""
    out = []
    with open(log_path, "rb") as lines:
        lines.seek(start)
        for line in lines:
            if b"/api/sync/push" in line and line.startswith(b"{"):
                duration = json.loads(line).get("duration_ms")
                if duration is not None:
                    out.append(float(duration))
    return out


def _code_state() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "server", "sync"], cwd=ROOT, capture_output=True, text=True
        ).stdout.split("\n")
        changed = [line[3:] for line in dirty if line.strip()]
        return head + (f" + uncommitted changes in {', '.join(changed)}" if changed else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", type=int, default=10_000, help="backlog size (default 10000)")
    parser.add_argument("--orders-per-picker", type=int, default=520)
    parser.add_argument("--single", type=int, default=300, help="single-op pushes for the latency figures")
    parser.add_argument(
        "--baseline-runs", type=int, default=3, help="plain sqlite3 runs, split before and after the drain; the best counts"
    )
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (databases, server log)")
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="sample the server with py-spy (PY_SPY or py-spy on PATH) during the drain and the single pushes; "
        "writes DIR/drain.txt and DIR/single.txt (collapsed stacks) - the figures of a profiled run are not comparable",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)

    tmp = Path(tempfile.mkdtemp(prefix="shipshape-drain-"))
    db_path = tmp / "shipshape.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "SHIPSHAPE_LOGIN_RATE_LIMIT": "1000"}
    env.pop("SHIPSHAPE_DEBUG", None)
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    server = None
    try:
        log(f"code: {_code_state()}; python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs")
        t0 = time.perf_counter()
        _migrate(env)
        online_orders = max(200, (args.single + 20) // 2 + 40)
        summary = asyncio.run(_seed(db_path, rng, args.orders_per_picker, online_orders))
        log(f"seeded in {time.perf_counter() - t0:.0f} s: {summary}")
        plan = build_plan(db_path, rng, args.ops, args.single)
        mix = collections.Counter(t for ops in plan.ops.values() for t, _ in ops)
        log(
            f"backlog: {plan.total()} ops on {len(plan.ops)} devices: "
            + ", ".join(f"{t} {n} ({100 * n / plan.total():.1f}%)" for t, n in mix.most_common())
            + f"; deliberate conflicts: {sum(plan.expected.values())} + picks of {len(plan.cancel_orders)} orders cancelled before the push"
        )

        # Copies of the seeded file for the baseline, taken before the server touches it.
        source = sqlite3.connect(db_path)
        actors = dict(
            source.execute(f"SELECT username, id FROM app_user WHERE username IN {_in(list(plan.ops))}", list(plan.ops))
        )
        copies = []
        for n in range(args.baseline_runs + 1):
            copy = tmp / f"baseline-{n}.db"
            target = sqlite3.connect(copy)
            source.backup(target)
            target.close()
            copies.append(copy)
        source.close()
        from server.sync_api.schemas import MAX_OPS  # what /api/sync/limits advertises; checked below

        baseline_batches = batches_of(plan, MAX_OPS)
        base_times, base_cpu, recorded = [], [], []

        def baseline_run() -> None:
            copy = copies.pop(0)
            c0 = time.process_time()
            base_times.append(run_baseline(copy, baseline_batches, actors, recorded if not recorded else None))
            base_cpu.append(time.process_time() - c0)
            for path in tmp.glob(copy.name + "*"):
                path.unlink()

        before = (args.baseline_runs + 1) // 2
        for _ in range(before):
            baseline_run()
        copy = copies.pop()
        replay = replay_writes(copy, recorded, actors)
        for path in tmp.glob(copy.name + "*"):
            path.unlink()

        server = LiveServer(env=env, log_path=tmp / "server.log", startup_timeout=60)
        url = server.url
        with httpx.Client(base_url=url, timeout=300) as client:
            headers, devices = {}, {}
            for name in list(plan.ops) + [ONLINE_PICKER, SUPERVISOR]:
                r = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
                r.raise_for_status()
                headers[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
                if name == SUPERVISOR:
                    continue
                r = client.post("/api/devices", json={"name": f"{name}'s handheld"}, headers=headers[name])
                r.raise_for_status()
                devices[name] = r.json()["device_id"]
            max_ops = client.get("/api/sync/limits", headers=headers[PICKERS[0]]).json()["max_ops"]
            if max_ops != MAX_OPS:
                log(f"note: the server advertises max_ops {max_ops}, the baseline used transactions of {MAX_OPS}")
            for order_id in plan.cancel_orders:
                r = client.post(
                    f"/api/orders/{order_id}/cancel", json={"reason": "customer cancelled"}, headers=headers[SUPERVISOR]
                )
                r.raise_for_status()
            log(
                f"server on {url}; {len(devices)} devices registered; max_ops {max_ops}; "
                f"{len(plan.cancel_orders)} orders cancelled after the backlog was built"
            )

            batches = batches_of(plan, max_ops)
            profiler = _profiler(args.profile, "drain", server.process.pid)
            cpu0 = _cpu_seconds(server.process.pid)
            elapsed, results, per_push = drain(client, plan, batches, devices, headers)
            server_cpu = _cpu_seconds(server.process.pid) - cpu0
            _stop_profiler(profiler)
            ship_ops = plan.total() / elapsed
            per_push_ms = sorted(1000 * s for s in per_push)
            log(
                f"shipshape drain: {plan.total()} ops in {len(batches)} pushes in {elapsed:.2f} s = {ship_ops:,.0f} ops/s "
                f"(push of <= {max_ops} ops: median {statistics.median(per_push_ms):.0f} ms, max {per_push_ms[-1]:.0f} ms; "
                f"server CPU {server_cpu:.2f} s = {plan.total() / server_cpu:,.0f} ops per CPU-second)"
            )
            verify(plan, results, db_path, devices)

            device, online_headers = devices[ONLINE_PICKER], {**headers[ONLINE_PICKER], "content-type": "application/json"}
            lean = http.client.HTTPConnection("127.0.0.1", server.port)
            timings: dict[str, list[float]] = {"http.client": [], "httpx": []}
            statuses = collections.Counter()
            log_mark = (tmp / "server.log").stat().st_size
            profiler = _profiler(args.profile, "single", server.process.pid)
            gc.collect()
            gc.disable()  # the bench's own collections (it holds the whole backlog) are not the server's latency
            for seq, (t, a) in enumerate(plan.online, start=1):
                body = json.dumps({"device_id": device, "ops": [_envelope(seq, t, a, "2026-11-26T11:00:00.000Z")]}).encode()
                if seq % 2:
                    t0 = time.perf_counter()
                    response = client.post("/api/sync/push", content=body, headers=online_headers)
                    timings["httpx"].append(time.perf_counter() - t0)
                    response.raise_for_status()
                    answer = response.content
                else:
                    t0 = time.perf_counter()
                    lean.request("POST", "/api/sync/push", body=body, headers=online_headers)
                    answered = lean.getresponse()
                    answer = answered.read()
                    timings["http.client"].append(time.perf_counter() - t0)
                    if answered.status != 200:
                        raise SystemExit(f"FAIL: single push answered {answered.status}: {answer[:200]!r}")
                statuses[json.loads(answer)["results"][0]["status"]] += 1
            gc.enable()
            _stop_profiler(profiler)
            lean.close()
            for name, seconds in timings.items():
                measured = sorted(1000 * s for s in seconds[10:])
                p99 = statistics.quantiles(measured, n=100, method="inclusive")[98]
                log(
                    f"single-op push, {name} ({len(measured)} of {len(plan.online)} sequential, keep-alive, after 20 warm-up): "
                    f"median {statistics.median(measured):.2f} ms, p99 {p99:.2f} ms, max {measured[-1]:.2f} ms"
                )
            served = sorted(_served_ms(tmp / "server.log", log_mark)[20:])
            if served:
                log(
                    f"single-op push, server's own time (access log, {len(served)} pushes): median "
                    f"{statistics.median(served):.2f} ms, p99 {statistics.quantiles(served, n=100, method='inclusive')[98]:.2f} ms; "
                    f"statuses {dict(statuses)}"
                )
        server.stop()

        while copies:
            baseline_run()
        best = min(range(len(base_times)), key=base_times.__getitem__)
        base_ops = plan.total() / base_times[best]
        log(
            f"sqlite3 baseline: {', '.join(f'{plan.total() / s:,.0f}' for s in base_times)} ops/s "
            f"({before} before, {len(base_times) - before} after the drain) in {len(baseline_batches)} transactions; "
            f"best {base_ops:,.0f} ops/s ({plan.total() / base_cpu[best]:,.0f} ops per CPU-second)"
        )
        log(f"sqlite3 writes only (same statements, parameters precomputed; calibration): {plan.total() / replay:,.0f} ops/s")
        log(
            f"CPU-time view (less sensitive to a busy machine): shipshape {plan.total() / server_cpu:,.0f} vs sqlite3 "
            f"{plan.total() / base_cpu[best]:,.0f} ops per CPU-second = {base_cpu[best] / server_cpu:.2f}"
        )
        log(f"shipshape {ship_ops:,.0f} ops/s vs plain sqlite3 {base_ops:,.0f} ops/s")
        log(f"ratio: {ship_ops / base_ops:.2f}")
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            log(f"kept {tmp}")
        else:
            for path in sorted(tmp.glob("*")):
                path.unlink()
            tmp.rmdir()


if __name__ == "__main__":
    main()
