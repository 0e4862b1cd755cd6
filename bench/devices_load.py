"""200 devices at once: pushes and pulls against a real server for a fixed time (issue 14, point 3).

Run:  .venv/bin/python bench/devices_load.py    (about 6 minutes on a quiet 2 vCPU machine, 12+ on a busy one)
      .venv/bin/python bench/devices_load.py --only sqlite,pg1 --duration 10
      .venv/bin/python bench/devices_load.py --only pg1-shared,pg2-shared,pg1@2

Configurations (`--only`, comma separated): `sqlite` (one server process on a SQLite file) and
`pgN` (N server processes, `shipshape serve --workers N`, on one PostgreSQL database: one port,
the kernel hands each new connection to one of the processes). A `-shared` suffix runs the shared-
stock shape instead of the disjoint one; an `@S` suffix gives every device S seconds of think time
between pushes (the "human pace"; without it devices go flat out, or at `--pace`).

What one configuration does:

1. Seed (not timed, in a process of its own, once per engine and stock shape): migrations through
   `python -m server.cli migrate`, then in process through the op engine (`server.apply.run_ops`), as
   `bench/sync_drain.py` does: one user per device (184 pickers, 8 packers, 8 drivers by default),
   each with one registered device and its own bearer token, created the way login and
   `POST /api/devices` create them (argon2-hashed password, sha256-hashed token bound to the device).
   - disjoint stock: each picker has 5 products of its own in 2 bins of its own (nobody else's
     orders touch them), and orders of 3-5 lines of those products, released in one wave to them;
   - shared stock: every picker's orders draw from the same 10 products; each product's first bin
     holds exactly what the orders need (all of it reserved at intake), its second bin 2 units: the
     short picks race to re-allocate those last units, and every pick of a product locks the same
     stock row.
   Packers get orders that were picked (by a seeding picker) to pack, one package per order; drivers
   get packed packages (picked and packed while seeding) to ship and then deliver.
   On PostgreSQL the seeded database is a template: each configuration gets a fresh database made
   from it (`CREATE DATABASE … TEMPLATE …`) on `--pg-url`, dropped afterwards; on SQLite a fresh copy
   of the seeded file.

2. Ops: each device's ops are built from the seeded rows (open pick tasks in walking order; picked
   lines; packed packages), numbered 1, 2, 3, … and cut into pushes of 1-3 ops (60/25/15%); every
   request body is encoded before the load starts. Pickers: a `pick` of the task's quantity, or for
   5% of the tasks a `pick_short` of the whole task (reason `damaged`: the units are written off and
   the line re-allocated from another bin). Packers: `pack` each line of an order into its package.
   Drivers: `ship` a package, later `deliver` it.

3. Load (in a separate client process, one asyncio event loop, one keep-alive httpx connection per
   device, so the client costs little of the shared CPU and is measured): every device first pulls
   its snapshot (not measured), then all devices loop: push the next batch, and every
   `--pull-every` pushes pull with their cursor; `--warmup` seconds unmeasured, then `--duration`
   seconds measured; then each device finishes the request it has in flight. A failed push (any
   non-2xx or transport error) is counted as an error and retried unchanged after 0.5 s, as a
   phone's outbox does, so exactly-once can still be checked; a device never skips a seq.

4. Measured per configuration: ops acked per second in the window (an op counts when the response
   acknowledging it arrives), push latency p50/p95/p99 and pull latency p50/p99 of requests started
   in the window, errors over the whole run (warm-up and the tail included), peak RSS of the server's
   whole process tree (sampled from /proc every 0.2 s), server and client CPU (in cores, over the
   window), and the machine's load average and busy share (from /proc/stat).

5. Verified afterwards against the database: exactly one ledger row per (device, seq) for every seq
   acked and none beyond; the ledger's status and code equal the result the device received; every
   acked op got exactly one result; each device's last_seq equals what it saw acked; no stock row
   with on_hand < 0, reserved < 0 or reserved > on_hand, each stock row's reserved equals its
   reservations, no line picked beyond its quantity. Expected outcomes: `applied` and `adjusted`
   everywhere; on shared stock, `rejected` outcomes are counted (a race may legitimately end that
   way) but are not errors; on disjoint stock any `rejected` is an error.

The bars (docs/benchmarks.md): 0 errors, push p99 <= 250 ms with 200 devices, and PostgreSQL with
2 processes >= 1.6x the throughput of 1 process on disjoint stock.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-1"
PRODUCTS_PER_PICKER = 5
SHARED_PRODUCTS = 10
SHARED_LAST_UNITS = 2
SHORT_SHARE = 0.05
BATCH_SIZES, BATCH_WEIGHTS = (1, 2, 3), (60, 25, 15)
AT = "2026-11-30T10:00:00.000Z"
CONFIG_RE = re.compile(r"^(sqlite|pg(\d+))(-shared)?(?:@([0-9.]+))?$")


def log(message: str) -> None:
    print(message, flush=True)


# -- seeding (its own process: `--seed-run`) ---------------------------------------------------------


def _names(args) -> tuple[list[str], list[str], list[str]]:
    return (
        [f"picker{n:03d}" for n in range(args.pickers)],
        [f"packer{n:02d}" for n in range(args.packers)],
        [f"driver{n:02d}" for n in range(args.drivers)],
    )


async def _seed(url: str, shape: str, args, out: Path) -> None:
    import datetime as dt

    from server.accounts.security import new_token
    from server.accounts.service import create_user, register_device
    from server.apply import run_ops
    from server.catalog.schemas import ProductIn
    from server.catalog.service import create_product
    from server.db import Database
    from server.inventory.schemas import LocationIn
    from server.inventory.service import create_location
    from server.settings import DatabaseConfig
    from sync.ops import AddressArgs, AdjustStock, CustomerArgs, IntakeOrder, LineArgs, Pack, Pick, ReleaseWave

    rng = random.Random(args.seed)
    pickers, packers, drivers = _names(args)
    per_device = args.ops_per_device
    db = Database(DatabaseConfig.from_url(url))
    await db.start()
    t0 = time.perf_counter()
    try:
        users = {}
        for name in pickers + ["prepicker"]:
            users[name] = (await create_user(db, name, "picker", PASSWORD)).id
        for name in packers + ["prepacker"]:
            users[name] = (await create_user(db, name, "packer", PASSWORD)).id
        for name in drivers:
            users[name] = (await create_user(db, name, "driver", PASSWORD)).id
        boss = (await create_user(db, "boss", "supervisor", PASSWORD)).id

        # Bins: a serpentine path; picker i's bins (disjoint) are 2i and 2i+1.
        n_bins = 2 * len(pickers) + 2 * SHARED_PRODUCTS + 4
        bins = [f"{chr(65 + (n // 400) % 26)}{(n // 20) % 20:02d}-{n % 20:02d}" for n in range(n_bins)]
        for n, code in enumerate(bins):
            await create_location(db, LocationIn(code=code, kind="bin", zone=code[0], path_seq=n + 1))
        skus: list[str] = []

        async def product(sku: str) -> None:
            await create_product(db, ProductIn(sku=sku, name=f"Load product {sku}", reorder_point=0, weight_g=250))
            skus.append(sku)

        # Demand first (so the shared bins can hold exactly what is ordered), then stock, then orders.
        def lines_for(pool: list[str], n_lines: int) -> list[list[tuple[str, int]]]:
            """Orders (lists of (sku, qty)) with n_lines lines in all, 3-5 distinct SKUs each."""
            orders, left = [], n_lines
            while left > 0:
                k = min(left, rng.randint(3, 5), len(pool))
                orders.append([(sku, rng.choices((1, 2, 3), weights=(60, 25, 15))[0]) for sku in rng.sample(pool, k)])
                left -= k
            return orders

        picker_orders: dict[str, list] = {}
        adjustments = []
        if shape == "disjoint":
            for i, picker in enumerate(pickers):
                pool = [f"P{i:03d}-{k}" for k in range(PRODUCTS_PER_PICKER)]
                for sku in pool:
                    await product(sku)
                picker_orders[picker] = lines_for(pool, per_device)
                demand = collections.Counter()
                for o in picker_orders[picker]:
                    for sku, qty in o:
                        demand[sku] += qty
                for sku in pool:  # the first bin covers every line; the second takes the short picks' lines
                    adjustments.append(AdjustStock(location=bins[2 * i], sku=sku, qty_delta=demand[sku] + 50, reason="opening"))
                    adjustments.append(AdjustStock(location=bins[2 * i + 1], sku=sku, qty_delta=500, reason="opening"))
        else:
            pool = [f"S-{k:02d}" for k in range(SHARED_PRODUCTS)]
            for sku in pool:
                await product(sku)
            demand = collections.Counter()
            for picker in pickers:
                picker_orders[picker] = lines_for(pool, per_device)
                for o in picker_orders[picker]:
                    for sku, qty in o:
                        demand[sku] += qty
            base = 2 * len(pickers)
            for k, sku in enumerate(pool):
                adjustments.append(AdjustStock(location=bins[base + 2 * k], sku=sku, qty_delta=demand[sku], reason="opening"))
                adjustments.append(
                    AdjustStock(location=bins[base + 2 * k + 1], sku=sku, qty_delta=SHARED_LAST_UNITS, reason="opening")
                )
        # Packers' and drivers' orders: their own products in the last bins, plenty of stock.
        pack_pool = [f"K-{k}" for k in range(5)]
        for sku in pack_pool:
            await product(sku)
            adjustments.append(AdjustStock(location=bins[-1], sku=sku, qty_delta=1_000_000, reason="opening"))
        await run_ops(db, adjustments, actor=boss)

        n = 0

        def intake(lines: list[tuple[str, int]]) -> IntakeOrder:
            nonlocal n
            n += 1
            return IntakeOrder(
                channel="manual",
                external_ref=f"LOAD-{n:06d}",
                customer=CustomerArgs(name=f"Customer {n}", email=f"c{n}@example.com"),
                ship_to=AddressArgs(line1=f"{n} Load Street", city="Leeds", postcode="LS1 1AA", country="GB"),
                lines=[LineArgs(sku=s, qty=q) for s, q in lines],
                tracking_token=secrets.token_urlsafe(12),
            )

        async def intake_all(orders: list[list[tuple[str, int]]]) -> list[int]:
            ids = []
            for start in range(0, len(orders), 250):
                outcomes = await run_ops(db, [intake(o) for o in orders[start : start + 250]], actor=boss)
                for outcome in outcomes:
                    assert outcome.status == "applied", (outcome.code, outcome.message)
                    ids.append(outcome.result["order_id"])
            return ids

        async def release(ids: list[int], picker: str) -> None:
            waves = [ReleaseWave(order_ids=ids[i : i + 200], picker=picker) for i in range(0, len(ids), 200)]
            for outcome in await run_ops(db, waves, actor=boss):
                assert outcome.status == "applied", (outcome.code, outcome.message)

        for picker in pickers:
            await release(await intake_all(picker_orders[picker]), picker)

        # Packers: orders of 1-3 lines picked by the seeding picker; drivers: 1-line orders picked and packed.
        per_pusher = per_device
        pack_orders = {p: [] for p in packers}
        for p in packers:
            left = per_pusher
            while left > 0:
                k = min(left, rng.randint(1, 3))
                pack_orders[p].append([(s, 1) for s in rng.sample(pack_pool, k)])
                left -= k
        ship_orders = {d: [[(rng.choice(pack_pool), 1)] for _ in range(per_pusher // 2 + 1)] for d in drivers}
        pre = [o for p in packers for o in pack_orders[p]] + [o for d in drivers for o in ship_orders[d]]
        pre_ids = await intake_all(pre)
        await release(pre_ids, "prepicker")
        async with db.read() as tx:
            tasks = await tx.fetch(
                "SELECT t.order_line, l.code, p.sku, t.qty FROM pick_task t JOIN location l ON l.id = t.location "
                "JOIN product p ON p.id = t.product WHERE t.picker = ? AND t.status = 'open'",
                users["prepicker"],
            )
        picks = [Pick(order_line_id=t[0], location=t[1], sku=t[2], qty=t[3], tote="T1") for t in tasks]
        for start in range(0, len(picks), 500):
            for outcome in await run_ops(db, picks[start : start + 500], actor=users["prepicker"]):
                assert outcome.status == "applied", (outcome.code, outcome.message)
        n_pack_orders = sum(len(v) for v in pack_orders.values())
        ship_ids = pre_ids[n_pack_orders:]
        async with db.read() as tx:
            rows = await tx.fetch(
                "SELECT ol.id, ol.sales_order, p.sku, ol.qty FROM order_line ol JOIN product p ON p.id = ol.product "
                "WHERE ol.sales_order >= ? ORDER BY ol.id",
                min(pre_ids),
            )
        lines_of = collections.defaultdict(list)
        for r in rows:
            lines_of[r[1]].append((r[0], r[2], r[3]))
        packs = [
            Pack(order_line_id=line, sku=sku, qty=qty, package=f"PKG-{order_id}")
            for order_id in ship_ids
            for line, sku, qty in lines_of[order_id]
        ]
        for start in range(0, len(packs), 500):
            for outcome in await run_ops(db, packs[start : start + 500], actor=users["prepacker"]):
                assert outcome.status == "applied", (outcome.code, outcome.message)

        # Devices and their sessions, as POST /api/auth/login + POST /api/devices make them.
        devices = []
        now = dt.datetime.now(dt.UTC)
        for name in pickers + packers + drivers:
            token, hashed = new_token()
            async with db.write() as tx:
                await tx.execute(
                    "INSERT INTO auth_token (token_hash, owner, created_at, expires_at) VALUES (?, ?, ?, ?)",
                    hashed,
                    users[name],
                    now,
                    now + dt.timedelta(days=2),
                )
            device = await register_device(db, users[name], f"{name}'s handheld", hashed)
            devices.append({"name": name, "device_id": device.device_id, "token": token})

        # Each device's ops, in the order the device sends them.
        plans: dict[str, list] = {}
        async with db.read() as tx:
            for picker in pickers:
                tasks = await tx.fetch(
                    "SELECT t.order_line, l.code, p.sku, t.qty FROM pick_task t JOIN location l ON l.id = t.location "
                    "JOIN product p ON p.id = t.product WHERE t.picker = ? AND t.status = 'open' ORDER BY t.wave, t.seq, t.id",
                    users[picker],
                )
                ops = []
                for line, loc, sku, qty in tasks:
                    if rng.random() < SHORT_SHARE:
                        args_ = {"order_line_id": line, "location": loc, "sku": sku, "qty_short": qty, "reason": "damaged"}
                        ops.append(["pick_short", args_])
                    else:
                        ops.append(["pick", {"order_line_id": line, "location": loc, "sku": sku, "qty": qty, "tote": "T1"}])
                plans[picker] = ops
        order_by_lines = iter(pre_ids[:n_pack_orders])
        for p in packers:
            ops = []
            for _ in pack_orders[p]:
                order_id = next(order_by_lines)
                ops += [
                    ["pack", {"order_line_id": line, "sku": sku, "qty": qty, "package": f"PKG-{order_id}"}]
                    for line, sku, qty in lines_of[order_id]
                ]
            plans[p] = ops
        ship_iter = iter(ship_ids)
        for d in drivers:
            mine = [next(ship_iter) for _ in ship_orders[d]]
            ops = []
            for k, order_id in enumerate(mine):  # ship one, deliver the one shipped before it
                ops.append(["ship", {"package": f"PKG-{order_id}"}])
                if k:
                    prev = mine[k - 1]
                    ops.append(["deliver", {"package": f"PKG-{prev}", "recipient": f"Customer of {prev}", "signature": "s"}])
            plans[d] = ops
        async with db.read() as tx:
            counts = {
                "orders": await tx.fetchval("SELECT COUNT(*) FROM sales_order"),
                "open pick tasks": await tx.fetchval("SELECT COUNT(*) FROM pick_task WHERE status = 'open'"),
                "products": len(skus),
                "bins": len(bins),
            }
        out.write_text(json.dumps({"devices": devices, "plans": plans, "counts": counts, "seconds": time.perf_counter() - t0}))
    finally:
        await db.close()


# -- the load client (its own process: `--client-run`) -----------------------------------------------


class _Result(msgspec.Struct):
    seq: int
    status: str
    code: str | None = None
    replayed: bool = False


class _PushOut(msgspec.Struct):  # only what the client checks; the rest of the body is skipped
    acked_through: int
    results: list[_Result]


class _PullOut(msgspec.Struct):
    cursor: str


def _client_run(plan_path: Path, out_path: Path) -> None:
    import httpx

    spec = json.loads(plan_path.read_text())
    url, warmup, duration, pace, pull_every = spec["url"], spec["warmup"], spec["duration"], spec["pace"], spec["pull_every"]
    push_dec, pull_dec = msgspec.json.Decoder(_PushOut), msgspec.json.Decoder(_PullOut)

    @dataclass
    class Device:
        name: str
        device_id: str
        headers: dict
        bodies: list  # (first seq, n ops, body bytes)
        cursor: str = ""
        acked: int = 0
        results: dict = field(default_factory=dict)  # seq -> [status, code]
        duplicates: int = 0  # a seq answered twice without being marked replayed
        exhausted_at: float | None = None
        unsettled: int = 0  # ops of a push that never got a 200

    devices = [
        Device(
            d["name"],
            d["device_id"],
            {"Authorization": f"Bearer {d['token']}", "content-type": "application/json"},
            [(b[0], b[1], b[2].encode()) for b in d["bodies"]],
        )
        for d in spec["devices"]
    ]
    pushes: list[tuple[float, float, int]] = []  # (start, end, ops acked)
    pulls: list[tuple[float, float]] = []
    errors: collections.Counter = collections.Counter()
    error_samples: list[str] = []
    bad_outcomes: collections.Counter = collections.Counter()

    began = [0.0]  # when the load started (perf_counter); error samples say how long after

    def error(kind: str, detail: str) -> None:
        errors[kind] += 1
        if len(error_samples) < 20:
            when = f"{time.perf_counter() - began[0]:.1f} s into the load" if began[0] else "during the snapshots"
            error_samples.append(f"{kind} ({when}): {detail[:300]}")

    async def pull(client, d: Device) -> None:
        params = {"device_id": d.device_id}
        if d.cursor:
            params["cursor"] = d.cursor
        for _ in range(10):
            t0 = time.perf_counter()
            try:
                r = await client.get("/api/sync/pull", params=params)
            except httpx.HTTPError as e:
                error(f"pull {type(e).__name__}", repr(e))
                await asyncio.sleep(0.5)
                continue
            t1 = time.perf_counter()
            if r.status_code != 200:
                error(f"pull HTTP {r.status_code}", r.text)
                await asyncio.sleep(0.5)
                continue
            d.cursor = pull_dec.decode(r.content).cursor
            pulls.append((t0, t1))
            return

    async def push(client, d: Device, first: int, n: int, body: bytes) -> bool:
        t0 = time.perf_counter()
        try:
            r = await client.post("/api/sync/push", content=body, headers=d.headers)
        except httpx.HTTPError as e:
            error(f"push {type(e).__name__}", repr(e))
            return False
        t1 = time.perf_counter()
        if r.status_code != 200:
            error(f"push HTTP {r.status_code}", r.text)
            return False
        out = push_dec.decode(r.content)
        if out.acked_through != first + n - 1:
            error("push wrong acked_through", f"{d.name} sent {first}..{first + n - 1}, acked_through {out.acked_through}")
        fresh = 0
        for res in out.results:
            if res.seq in d.results and not res.replayed:
                d.duplicates += 1
            if res.seq not in d.results:
                d.results[res.seq] = [res.status, res.code]
                fresh += 1
                if res.status not in spec["expected"]:
                    bad_outcomes[res.status, res.code] += 1
        d.acked = max(d.acked, out.acked_through)
        pushes.append((t0, t1, fresh))
        return True

    async def run_device(d: Device, client, start: asyncio.Event, stop_at: list[float], rng: random.Random) -> None:
        await start.wait()
        i, since_pull = 0, 0
        while time.perf_counter() < stop_at[0]:
            if i == len(d.bodies):
                d.exhausted_at = d.exhausted_at or time.perf_counter()
                await asyncio.sleep(0.2)
                continue
            first, n, body = d.bodies[i]
            if not await push(client, d, first, n, body):
                # The outbox keeps the batch and sends it again unchanged; settle it even after the window.
                for _ in range(40):
                    await asyncio.sleep(0.5)
                    if await push(client, d, first, n, body):
                        break
                else:
                    d.unsettled = n
                    return
            i += 1
            since_pull += 1
            if since_pull >= pull_every:
                since_pull = 0
                await pull(client, d)
            if pace:
                await asyncio.sleep(rng.uniform(0.5 * pace, 1.5 * pace))

    async def main() -> dict:
        timeout = httpx.Timeout(spec["timeout"])
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        clients = [
            httpx.AsyncClient(base_url=url, headers={"Authorization": d.headers["Authorization"]}, timeout=timeout, limits=limits)
            for d in devices
        ]
        try:
            # Every device's first pull: its snapshot (not measured, a few at a time), each on a connection
            # of its own that is closed afterwards: a device's load connection must not sit idle while the
            # others finish their snapshots (uvicorn closes a connection idle for 5 s, and a request sent
            # just as it does fails with a reset).
            t0 = time.perf_counter()
            gate = asyncio.Semaphore(16)

            async def first_pull(d):
                auth = {"Authorization": d.headers["Authorization"]}
                async with gate, httpx.AsyncClient(base_url=url, headers=auth, timeout=timeout) as once:
                    await pull(once, d)

            await asyncio.gather(*(first_pull(d) for d in devices))
            snapshot_s = time.perf_counter() - t0
            pulls.clear()
            start = asyncio.Event()
            stop_at = [float("inf")]
            tasks = [
                asyncio.create_task(run_device(d, c, start, stop_at, random.Random(k)))
                for k, (c, d) in enumerate(zip(clients, devices, strict=True))
            ]
            began[0] = time.perf_counter()
            stop_at[0] = began[0] + warmup + duration
            start.set()
            window = (began[0] + warmup, began[0] + warmup + duration)
            await asyncio.sleep(warmup)
            cpu0, wall0 = time.process_time(), time.time()
            await asyncio.sleep(duration)
            cpu1, wall1 = time.process_time(), time.time()
            await asyncio.gather(*tasks)
            tail_s = time.perf_counter() - window[1]
        finally:
            await asyncio.gather(*(c.aclose() for c in clients))

        def q(values: list[float], p: int) -> float | None:
            if len(values) < 2:
                return values[0] if values else None
            return statistics.quantiles(values, n=100, method="inclusive")[p - 1]

        push_ms = sorted(1000 * (b - a) for a, b, _ in pushes if window[0] <= a < window[1])
        pull_ms = sorted(1000 * (b - a) for a, b in pulls if window[0] <= a < window[1])
        acked_in_window = sum(n for _, b, n in pushes if window[0] <= b < window[1])
        return {
            "snapshot_s": snapshot_s,
            "window_wall": [wall0, wall1],
            "tail_s": tail_s,
            "ops_acked_window": acked_in_window,
            "ops_per_s": acked_in_window / duration,
            "pushes_window": len(push_ms),
            "pulls_window": len(pull_ms),
            "push_ms": {p: q(push_ms, p) for p in (50, 95, 99)} | {"max": push_ms[-1] if push_ms else None},
            "pull_ms": {p: q(pull_ms, p) for p in (50, 99)},
            "client_cpu_cores": (cpu1 - cpu0) / (wall1 - wall0),
            "errors": dict(errors),
            "error_samples": error_samples,
            "bad_outcomes": {f"{s}/{c}": n for (s, c), n in bad_outcomes.items()},
            "exhausted": sum(1 for d in devices if d.exhausted_at is not None and d.exhausted_at < window[1]),
            "devices": {
                d.device_id: {
                    "name": d.name,
                    "acked": d.acked,
                    "results": d.results,
                    "duplicates": d.duplicates,
                    "unsettled": d.unsettled,
                }
                for d in devices
            },
        }

    out_path.write_text(json.dumps(asyncio.run(main())))


# -- the server's process tree, sampled from /proc ------------------------------------------------------


def _tree(pid: int, database: str | None) -> tuple[list[int], list[int]]:
    """The server's process tree, and the PostgreSQL backends serving `database` (their command line
    names the database: `postgres: 15/main: user db 127.0.0.1(port) state`)."""
    children = collections.defaultdict(list)
    backends = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                if database and stat.split(" ", 2)[1] == "(postgres)":
                    words = Path(f"/proc/{entry}/cmdline").read_bytes().split()
                    if database.encode() in words[1:]:
                        backends.append(int(entry))
            except OSError:
                continue
            children[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out, backends


def _rss_and_cpu(pid: int) -> tuple[int, float]:
    """(resident bytes, user+system CPU seconds) of one process; (0, 0) once it is gone."""
    try:
        rss = 0
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0, 0.0


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class Sampler(threading.Thread):
    """Every 0.2 s: RSS summed over the server's process tree (the peak is kept), each process's CPU
    seconds, and the machine's CPU counters, each with its wall-clock time."""

    def __init__(self, pid: int, database: str | None):
        super().__init__(daemon=True)
        self.pid, self.database, self.peak_rss, self.samples = pid, database, 0, []
        self.cpu: dict[int, float] = {}
        self.db_cpu: dict[int, float] = {}
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            rss = 0
            tree, backends = _tree(self.pid, self.database)
            for p in tree:
                r, c = _rss_and_cpu(p)
                rss += r
                self.cpu[p] = max(c, self.cpu.get(p, 0.0))
            for p in backends:
                self.db_cpu[p] = max(_rss_and_cpu(p)[1], self.db_cpu.get(p, 0.0))
            self.peak_rss = max(self.peak_rss, rss)
            machine = _machine_cpu()
            self.samples.append((time.time(), sum(self.cpu.values()), *machine, dict(self.cpu), sum(self.db_cpu.values())))
            self.halt.wait(0.2)

    def window(self, t0: float, t1: float) -> dict:
        inside = [s for s in self.samples if t0 <= s[0] <= t1] or self.samples[-2:]
        a, b = inside[0], inside[-1]
        wall = max(b[0] - a[0], 1e-9)
        per_process = sorted((b[4].get(p, 0) - a[4].get(p, 0)) / wall for p in b[4])
        return {
            "server_cpu_cores": (b[1] - a[1]) / wall,
            "per_process_cores": [round(x, 2) for x in per_process if x > 0.005],
            "machine_busy": (b[2] - a[2]) / max(b[3] - a[3], 1),
            "db_cpu_cores": (b[5] - a[5]) / wall if self.database else None,
        }


# -- the orchestration ---------------------------------------------------------------------------------


def _bodies(device_id: str, ops: list, rng: random.Random) -> list[list]:
    out, i = [], 0
    while i < len(ops):
        n = min(rng.choices(BATCH_SIZES, weights=BATCH_WEIGHTS)[0], len(ops) - i)
        envelope = [{"seq": i + k + 1, "type": t, "version": 1, "at": AT, "args": a} for k, (t, a) in enumerate(ops[i : i + n])]
        out.append([i + 1, n, json.dumps({"device_id": device_id, "ops": envelope}, separators=(",", ":"))])
        i += n
    return out


async def _pg_admin(url: str, *statements: str) -> None:
    """Run statements on the maintenance database; tried again (3 times, 2 s apart) if the connection
    breaks, as it does when PostgreSQL restarts (the machine is shared with fault tests that do that)."""
    import asyncpg

    for attempt in range(3):
        try:
            connection = await asyncpg.connect(url)
            try:
                for sql in statements:
                    await connection.execute(sql)
                return
            finally:
                await connection.close()
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.AdminShutdownError):
            if attempt == 2:
                raise
            await asyncio.sleep(2)


def _pg_url(admin_url: str, name: str) -> str:
    from urllib.parse import urlparse

    return urlparse(admin_url)._replace(path="/" + name).geturl()


async def _verify(url: str, report: dict) -> dict:
    """Exactly-once and the stock invariants, read from the database after the server stopped."""
    from server.db import Database
    from server.settings import DatabaseConfig

    db = Database(DatabaseConfig.from_url(url))
    await db.start()
    problems: list[str] = []
    try:
        async with db.read() as tx:
            rows = await tx.fetch("SELECT device_id, seq, status, code, op_type FROM ledger WHERE device_id IS NOT NULL")
            last = {r[0]: r[1] for r in await tx.fetch("SELECT device_id, last_seq FROM device")}
            bad_stock = await tx.fetchval("SELECT COUNT(*) FROM stock WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand")
            bad_reserved = await tx.fetchval(
                "SELECT COUNT(*) FROM stock s WHERE s.reserved <> (SELECT COALESCE(SUM(r.qty), 0) FROM reservation r WHERE r.stock = s.id)"
            )
            over_picked = await tx.fetchval("SELECT COUNT(*) FROM order_line WHERE qty_picked > qty")
    finally:
        await db.close()
    ledger = collections.defaultdict(collections.Counter)
    status = {}
    outcomes: collections.Counter = collections.Counter()
    for device_id, seq, st, code, op in rows:
        ledger[device_id][seq] += 1
        status[device_id, seq] = [st, code]
        outcomes[f"{op} {st}/{code}" if code else f"{op} {st}"] += 1
    acked_total = 0
    for device_id, d in report["devices"].items():
        acked_total += d["acked"]
        seqs = ledger.get(device_id, collections.Counter())
        if any(c != 1 for c in seqs.values()):
            problems.append(f"{d['name']}: a (device, seq) has {max(seqs.values())} ledger rows")
        want = set(range(1, d["acked"] + 1))
        extra = set(seqs) - want
        if not want <= set(seqs):
            problems.append(f"{d['name']}: acked through {d['acked']}, ledger lacks {len(want - set(seqs))} of those seqs")
        if extra and len(extra) > d["unsettled"]:
            problems.append(f"{d['name']}: ledger holds {len(extra)} seqs beyond the acked {d['acked']}")
        got = {int(s): v for s, v in d["results"].items()}
        if set(got) != want:
            problems.append(f"{d['name']}: results for {len(got)} seqs, acked {d['acked']}")
        if d["duplicates"]:
            problems.append(f"{d['name']}: {d['duplicates']} seqs answered twice without `replayed`")
        for seq, result in got.items():
            if status.get((device_id, seq)) != result:
                problems.append(f"{d['name']}: seq {seq} answered {result}, ledger says {status.get((device_id, seq))}")
                break
        if last.get(device_id) != max(d["acked"], max(seqs, default=0)):
            problems.append(f"{d['name']}: device last_seq {last.get(device_id)}, acked {d['acked']}")
    if bad_stock:
        problems.append(f"{bad_stock} stock rows with on_hand < 0, reserved < 0 or reserved > on_hand")
    if bad_reserved:
        problems.append(f"{bad_reserved} stock rows whose reserved differs from their reservations")
    if over_picked:
        problems.append(f"{over_picked} order lines picked beyond their quantity")
    return {
        "problems": problems,
        "ledger_rows": len(rows),
        "acked_total": acked_total,
        "outcomes": dict(sorted(outcomes.items())),
    }


def _server_failures(path: Path) -> collections.Counter:
    """The exceptions the server logged (the last line of each traceback), e.g. a database that went away."""
    found: collections.Counter = collections.Counter()
    in_traceback = False
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("Traceback"):
            in_traceback = True
        elif in_traceback and line and not line.startswith((" ", "\t")):
            found[line[:160]] += 1
            in_traceback = False
    return found


@dataclass
class Config:
    name: str
    engine: str  # sqlite | postgres
    workers: int
    shape: str  # disjoint | shared
    pace: float


def _parse(spec: str, pace: float) -> list[Config]:
    out = []
    for name in [s.strip() for s in spec.split(",") if s.strip()]:
        m = CONFIG_RE.match(name)
        if m is None:
            raise SystemExit(f"--only: {name!r} is not sqlite or pgN, with an optional -shared and @pace (e.g. pg2-shared@2)")
        engine = "sqlite" if m[1] == "sqlite" else "postgres"
        out.append(Config(name, engine, int(m[2] or 1), "shared" if m[3] else "disjoint", float(m[4]) if m[4] else pace))
    return out


def _code_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "server", "sync"], cwd=ROOT, capture_output=True, text=True)
        return head.stdout.strip() + (" + uncommitted changes in server/ or sync/" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _ms(x) -> str:
    return "—" if x is None else f"{x:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="sqlite,pg1,pg2,pg4", help="configurations, e.g. sqlite,pg1,pg2,pg4,pg2-shared,pg1@2")
    parser.add_argument("--duration", type=float, default=30, help="measured seconds per configuration (default 30)")
    parser.add_argument("--warmup", type=float, default=5, help="unmeasured seconds of load first (default 5)")
    parser.add_argument("--pace", type=float, default=0, help="think time per device between pushes, seconds (default 0)")
    parser.add_argument("--pull-every", type=int, default=5, help="a device pulls after every N pushes (default 5)")
    parser.add_argument("--pickers", type=int, default=184)
    parser.add_argument("--packers", type=int, default=8)
    parser.add_argument("--drivers", type=int, default=8)
    parser.add_argument("--ops-per-device", type=int, default=200, help="ops seeded per device (a device that runs out idles)")
    parser.add_argument("--timeout", type=float, default=30, help="client timeout per request, seconds (a timeout is an error)")
    parser.add_argument(
        "--pg-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="server + credentials; databases are created and dropped there",
    )
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (seed files, server logs, client reports)"
    )
    parser.add_argument("--seed-run", nargs=3, metavar=("URL", "SHAPE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--client-run", nargs=2, metavar=("PLAN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_run:
        url, shape, out = args.seed_run
        asyncio.run(_seed(url, shape, args, Path(out)))
        return
    if args.client_run:
        _client_run(Path(args.client_run[0]), Path(args.client_run[1]))
        return
    run(args)


def run(args) -> None:
    from tests.support import LiveServer  # the one live-server helper, shared with the tests

    configs = _parse(args.only, args.pace)
    tmp = Path(tempfile.mkdtemp(prefix="shipshape-load-"))
    tag = f"shipshape_load_{os.getpid()}_{secrets.token_hex(3)}"
    created: list[str] = []  # PostgreSQL databases to drop
    base_env = {k: v for k, v in os.environ.items() if k not in ("SHIPSHAPE_DEBUG", "DATABASE_URL")}
    seeded: dict[tuple[str, str], tuple[str, dict]] = {}  # (engine, shape) -> (url of the seeded db, seed report)
    rows: list[dict] = []
    passthrough = [
        f"--pickers={args.pickers}", f"--packers={args.packers}", f"--drivers={args.drivers}",
        f"--ops-per-device={args.ops_per_device}", f"--seed={args.seed}",
    ]  # fmt: skip
    n_devices = args.pickers + args.packers + args.drivers
    log(
        f"code: {_code_state()}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs; load average "
        f"{Path('/proc/loadavg').read_text().split()[:3]}; {n_devices} devices; warm-up {args.warmup:g} s, measured {args.duration:g} s"
    )
    try:
        for config in configs:
            key = (config.engine, config.shape)
            if key not in seeded:
                if config.engine == "sqlite":
                    url = f"sqlite:///{tmp / f'seed-{config.shape}.db'}"
                else:
                    name = f"{tag}_tpl_{config.shape}"
                    asyncio.run(_pg_admin(args.pg_url, f'CREATE DATABASE "{name}"'))
                    created.append(name)
                    url = _pg_url(args.pg_url, name)
                env = {**base_env, "DATABASE_URL": url}
                t0 = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "server.cli", "migrate"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
                )
                out = tmp / f"seed-{config.engine}-{config.shape}.json"
                subprocess.run(
                    [sys.executable, __file__, *passthrough, "--seed-run", url, config.shape, str(out)],
                    cwd=ROOT,
                    env=env,
                    check=True,
                )
                if config.engine == "postgres":
                    # Planner statistics, as a running database has them (autovacuum analyzes tables as
                    # they grow; this machine's cluster runs with autovacuum off, and without statistics
                    # PostgreSQL seq-scans reservations and stock on every batch: docs/benchmarks.md).
                    asyncio.run(_pg_admin(url, "ANALYZE"))
                report = json.loads(out.read_text())
                log(
                    f"seeded {config.engine}/{config.shape} in {time.perf_counter() - t0:.0f} s: "
                    + ", ".join(f"{k} {v}" for k, v in report["counts"].items())
                )
                seeded[key] = (url, report)
            url, report = seeded[key]

            # A fresh database for this configuration.
            if config.engine == "sqlite":
                path = tmp / f"{config.name}.db".replace("@", "-at-")
                source, target = sqlite3.connect(url.removeprefix("sqlite:///")), sqlite3.connect(path)
                source.backup(target)
                source.close()
                target.close()
                db_url = f"sqlite:///{path}"
            else:
                name = f"{tag}_{re.sub(r'[^a-z0-9]', '_', config.name)}"
                template = url.rsplit("/", 1)[1]
                asyncio.run(_pg_admin(args.pg_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
                created.append(name)
                db_url = _pg_url(args.pg_url, name)

            rng = random.Random(args.seed)
            plan = {
                "warmup": args.warmup,
                "duration": args.duration,
                "pace": config.pace,
                "pull_every": args.pull_every,
                "timeout": args.timeout,
                "expected": ["applied", "adjusted"] + (["rejected"] if config.shape == "shared" else []),
                "devices": [{**d, "bodies": _bodies(d["device_id"], report["plans"][d["name"]], rng)} for d in report["devices"]],
            }
            load0 = Path("/proc/loadavg").read_text().split()[0]
            server = LiveServer(
                workers=config.workers,
                env={**base_env, "DATABASE_URL": db_url},
                log_path=tmp / f"server-{config.name}.log",
                startup_timeout=90,
            )
            sampler = Sampler(server.process.pid, None if config.engine == "sqlite" else name)
            sampler.start()
            try:
                plan["url"] = server.url
                plan_path, out_path = tmp / f"plan-{config.name}.json", tmp / f"client-{config.name}.json"
                plan_path.write_text(json.dumps(plan))
                log(
                    f"{config.name}: server up ({config.workers} process{'es' if config.workers > 1 else ''}, {config.engine}, {config.shape} stock, pace {config.pace:g} s); load running"
                )
                client = subprocess.run(
                    [sys.executable, __file__, "--client-run", str(plan_path), str(out_path)], cwd=ROOT, env=base_env
                )
                if client.returncode != 0:
                    raise SystemExit(f"{config.name}: the load client failed ({client.returncode})")
                result = json.loads(out_path.read_text())
                usage = sampler.window(*result["window_wall"])
            finally:
                sampler.halt.set()
                sampler.join()
                server.stop()
            load1 = Path("/proc/loadavg").read_text().split()[0]
            checked = asyncio.run(_verify(db_url, result))
            errors = sum(result["errors"].values()) + sum(result["bad_outcomes"].values())
            # Server (+ its PostgreSQL backends) CPU per acked op: less disturbed by a busy machine than ops/s.
            cpu = usage["server_cpu_cores"] + (usage["db_cpu_cores"] or 0)
            usage["cpu_ms_per_op"] = 1000 * cpu * args.duration / max(result["ops_acked_window"], 1)
            row = {
                "config": config,
                "result": result,
                "usage": usage,
                "rss_mb": sampler.peak_rss / 2**20,
                "load": f"{load0}→{load1}",
                "checked": checked,
                "errors": errors,
            }
            rows.append(row)
            log(
                f"{config.name}: {result['ops_per_s']:.0f} ops/s ({result['ops_acked_window']} ops in {result['pushes_window']} pushes, "
                f"{result['pulls_window']} pulls); push p50/p95/p99 {_ms(result['push_ms']['50'])}/{_ms(result['push_ms']['95'])}/"
                f"{_ms(result['push_ms']['99'])} ms (max {_ms(result['push_ms']['max'])}); pull p50/p99 {_ms(result['pull_ms']['50'])}/"
                f"{_ms(result['pull_ms']['99'])} ms; errors {errors} {result['errors'] or ''}{result['bad_outcomes'] or ''}; "
                f"server peak RSS {row['rss_mb']:.0f} MB, CPU {usage['server_cpu_cores']:.2f} cores {usage['per_process_cores']}"
                + ("" if usage["db_cpu_cores"] is None else f", its PostgreSQL backends {usage['db_cpu_cores']:.2f} cores")
                + f" = {usage['cpu_ms_per_op']:.1f} CPU-ms per op; "
                f"client CPU {result['client_cpu_cores']:.2f} cores; machine busy {100 * usage['machine_busy']:.0f}%; "
                f"snapshots {result['snapshot_s']:.1f} s, tail {result['tail_s']:.1f} s"
            )
            for sample in result["error_samples"][:5]:
                log(f"  error: {sample}")
            failures = _server_failures(tmp / f"server-{config.name}.log")
            if failures:
                log(
                    f"  server log: {sum(failures.values())} tracebacks, ending in "
                    + "; ".join(f"{n} x {e}" for e, n in failures.most_common(5))
                )
            if result["exhausted"]:
                log(
                    f"  note: {result['exhausted']} devices ran out of seeded ops inside the window, so ops/s is a floor: "
                    "raise --ops-per-device"
                )
            log(
                f"  verified: {checked['acked_total']} acked ops, {checked['ledger_rows']} device ledger rows; outcomes {checked['outcomes']}; "
                + ("OK" if not checked["problems"] else "PROBLEMS: " + "; ".join(checked["problems"][:10]))
            )
            if config.engine == "postgres":
                asyncio.run(_pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                created.remove(name)
        _table(rows, n_devices)
    finally:
        for name in created:
            try:
                asyncio.run(_pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as error:  # noqa: BLE001  (report, keep dropping the others)
                log(f"could not drop {name}: {error}")
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _table(rows: list[dict], n_devices: int) -> None:
    log("")
    log(
        "| configuration | stock | pace | ops/s | push p50 / p95 / p99 ms | pull p50 / p99 ms | errors | verified | "
        "server peak RSS | server CPU (cores) | CPU-ms per op | client CPU | machine busy | load avg |"
    )
    log("|---|---|---:|---:|---|---|---:|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        c, res, u = r["config"], r["result"], r["usage"]
        procs = "SQLite, 1 process" if c.engine == "sqlite" else f"PostgreSQL, {c.workers} process{'es' if c.workers > 1 else ''}"
        p, q = res["push_ms"], res["pull_ms"]
        db = "" if u["db_cpu_cores"] is None else f" + {u['db_cpu_cores']:.2f} db"
        log(
            f"| {procs} | {c.shape} | {c.pace:g} s | {res['ops_per_s']:,.0f} | {_ms(p['50'])} / {_ms(p['95'])} / {_ms(p['99'])} | "
            f"{_ms(q['50'])} / {_ms(q['99'])} | {r['errors']} | {'yes' if not r['checked']['problems'] else 'NO'} | "
            f"{r['rss_mb']:.0f} MB | {u['server_cpu_cores']:.2f}{db} | {u['cpu_ms_per_op']:.1f} | {res['client_cpu_cores']:.2f} | {100 * u['machine_busy']:.0f}% | {r['load']} |"
        )
    log("")
    log(f"bars ({n_devices} devices):")
    for r in rows:
        c, res = r["config"], r["result"]
        p99 = res["push_ms"]["99"]
        log(
            f"  {c.name}: errors {r['errors']} ({'PASS' if r['errors'] == 0 else 'FAIL'}); push p99 {_ms(p99)} ms "
            f"({'PASS' if p99 is not None and p99 <= 250 else 'FAIL'} <= 250 ms); exactly-once and stock "
            f"{'PASS' if not r['checked']['problems'] else 'FAIL'}"
        )
    by = {(r["config"].engine, r["config"].workers, r["config"].shape, r["config"].pace): r for r in rows}
    for pace in sorted({r["config"].pace for r in rows}):
        one, two = by.get(("postgres", 1, "disjoint", pace)), by.get(("postgres", 2, "disjoint", pace))
        if one and two:
            ratio = two["result"]["ops_per_s"] / max(one["result"]["ops_per_s"], 1e-9)
            log(
                f"  PostgreSQL 2 processes / 1 process, disjoint stock, pace {pace:g} s: {ratio:.2f}x ({'PASS' if ratio >= 1.6 else 'FAIL'} >= 1.6x)"
            )


if __name__ == "__main__":
    main()
