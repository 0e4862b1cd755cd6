"""Several server processes on one database, devices split across them, racing.

2 and 4 separate `shipshape serve` processes (each its own port and pool) share the test database
(PostgreSQL in the PostgreSQL run: row-owner locks, server/apply/locks.py; one SQLite file in the
SQLite run: one writer at a time). Eight pickers' phones are split across the processes. At the same
instant:

* every picker picks the tasks of its own product, one op per push (disjoint stock: these are the
  pushes that run side by side on PostgreSQL);
* every picker picks its share of the ten units of one scarce SKU (the same stock row for all);
* every picker sends one of its batches twice at once, to two different processes (a lost
  response retried elsewhere) — it must apply once and answer the same both times;
* a channel posts 20 more orders for the scarce SKU, spread over the processes (racing for units
  that are all reserved: every one must be backordered, never allocated).

Afterwards the database equals the state computed here from the seed alone: every disjoint stock
row down by exactly what its orders asked, the scarce SKU's 10 units picked for the 10 orders that
held them and nothing more, one ledger row per (device, seq), every op applied, G4 invariants.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from server.db import Database
from tests import support
from tests.warehouse import Warehouse, invariants_hold

PICKERS = 8
SCARCE = "RARE-1"
SCARCE_UNITS = 10
DISJOINT_START = 40  # units of each picker's own SKU
ORDERS_PER_PICKER = 5  # of 2 units of its own SKU each
LATE_ORDERS = 20


def _seed(base: str) -> tuple[dict[str, str], dict]:
    password = support.create_user("root", "admin")
    with httpx.Client(base_url=base, timeout=60) as http:
        headers = support.login(http, "root", password)
        warehouse = Warehouse(http, headers)
        warehouse.product(SCARCE, "The scarce widget", ["INT-RARE-1"])
        warehouse.location("S-01", 5)
        warehouse.stock(SCARCE, "S-01", SCARCE_UNITS)
        pickers = {}
        for p in range(PICKERS):
            sku, code = f"OWN-{p}", f"B-{p:02d}"
            warehouse.product(sku, f"Own product {p}", [f"INT-OWN-{p}"])
            warehouse.location(code, 10 + p)
            warehouse.stock(sku, code, DISJOINT_START)
            name = f"picker{p}"
            picker_password = support.create_user(name, "picker")
            picker_headers = support.login(http, name, picker_password)
            device = http.post("/api/devices", json={"name": f"{name}'s phone"}, headers=picker_headers).json()["device_id"]
            own = warehouse.orders([[(sku, 2)]] * ORDERS_PER_PICKER, f"OWN{p}")
            pickers[name] = {"headers": picker_headers, "device": device, "orders": own}
        scarce = warehouse.orders([[(SCARCE, 1)]] * SCARCE_UNITS, "RARE")
        for n, name in enumerate(pickers):
            share = scarce[n::PICKERS]  # pickers 0 and 1 get two scarce orders, the others one
            warehouse.release(pickers[name]["orders"] + share, name)
            pickers[name]["scarce"] = share
        for entry in pickers.values():
            for order in warehouse.read_orders(entry["orders"] + entry["scarce"]):
                (line,) = order["lines"]
                assert line["status"] == "allocated", order
            entry["lines"] = [order["lines"][0] for order in warehouse.read_orders(entry["orders"] + entry["scarce"])]
    return headers, pickers


def _ops(entry: dict) -> list[dict]:
    """One pick per line, in full, as the device numbers them (seq 1, 2, …)."""
    ops = []
    for seq, line in enumerate(entry["lines"], start=1):
        sku = line["sku"]
        location = "S-01" if sku == SCARCE else f"B-{int(sku.split('-')[1]):02d}"
        args = {"order_line_id": line["id"], "location": location, "sku": sku, "qty": line["qty"]}
        ops.append({"seq": seq, "type": "pick", "version": 1, "at": "2026-11-30T10:00:00.000Z", "args": args})
    return ops


def _ledger_and_stock() -> tuple[Counter, dict[str, tuple[int, int]], dict[str, int]]:
    async def read():
        db = Database(support.db_config())
        await db.start()
        try:
            async with db.read() as tx:
                ledger = await tx.fetch("SELECT device_id, seq FROM ledger WHERE device_id IS NOT NULL")
                stock = await tx.fetch(
                    "SELECT p.sku, SUM(s.on_hand), SUM(s.reserved) FROM stock s JOIN product p ON p.id = s.product GROUP BY p.sku"
                )
                picked = await tx.fetch(
                    "SELECT p.sku, SUM(l.qty_picked) FROM order_line l JOIN product p ON p.id = l.product GROUP BY p.sku"
                )
        finally:
            await db.close()
        return (
            Counter((r[0], r[1]) for r in ledger),
            {r[0]: (int(r[1]), int(r[2])) for r in stock},
            {r[0]: int(r[1]) for r in picked},
        )

    return asyncio.run(read())


def _drain(server: support.LiveServer) -> list[bytes]:
    """The server's stderr lines (support.LiveServer reads them as they come), for failure messages."""
    return server.lines


@pytest.mark.parametrize("processes", [2, 4])
def test_devices_split_over_server_processes_race_and_every_op_applies_once(clean_db, processes):
    servers = [support.LiveServer() for _ in range(processes)]
    logs = [_drain(server) for server in servers]
    try:
        admin, pickers = _seed(servers[0].url)
        names = sorted(pickers)
        plans = {name: _ops(pickers[name]) for name in names}
        clients = {
            name: httpx.Client(base_url=servers[n % processes].url, timeout=60, headers=pickers[name]["headers"])
            for n, name in enumerate(names)
        }
        # The duplicate of each picker's second op goes to the next process at the same moment.
        twins = {
            name: httpx.Client(base_url=servers[(n + 1) % processes].url, timeout=60, headers=pickers[name]["headers"])
            for n, name in enumerate(names)
        }
        channels = [httpx.Client(base_url=servers[n % processes].url, timeout=60, headers=admin) for n in range(LATE_ORDERS)]
        start = threading.Barrier(len(names) * 2 + LATE_ORDERS)
        answers: dict[str, dict[int, list[dict]]] = {name: {} for name in names}
        first_acked = {name: threading.Event() for name in names}

        def push(http: httpx.Client, name: str, op: dict) -> None:
            body = {"device_id": pickers[name]["device"], "ops": [op]}
            response = http.post("/api/sync/push", json=body)
            assert response.status_code == 200, response.text
            (result,) = response.json()["results"]
            answers[name].setdefault(op["seq"], []).append(result)

        def picker(name: str) -> None:
            clients[name].get("/api/health")
            start.wait(timeout=60)
            for op in plans[name]:
                push(clients[name], name, op)
                first_acked[name].set()

        def twin(name: str) -> None:
            twins[name].get("/api/health")
            start.wait(timeout=60)
            first_acked[name].wait(timeout=60)  # seq 2 before seq 1 would be a gap, not a race
            push(twins[name], name, plans[name][1])  # racing the picker's own push of seq 2

        def channel(n: int) -> tuple[int, dict]:
            channels[n].get("/api/health")
            start.wait(timeout=60)
            response = channels[n].post("/api/orders", json=support.order_body(f"LATE-{n}", [(SCARCE, 1)]))
            return response.status_code, response.json()

        try:
            with ThreadPoolExecutor(max_workers=len(names) * 2 + LATE_ORDERS) as pool:
                jobs = [pool.submit(picker, name) for name in names] + [pool.submit(twin, name) for name in names]
                late = [pool.submit(channel, n) for n in range(LATE_ORDERS)]
                for job in jobs:
                    job.result(timeout=300)
                late_results = [job.result(timeout=300) for job in late]
        finally:
            for http in (*clients.values(), *twins.values(), *channels):
                http.close()

        # Every op applied once; the twin of seq 2 got the same answer, one of the two as a replay.
        for name in names:
            for op in plans[name]:
                results = answers[name][op["seq"]]
                assert {r["status"] for r in results} == {"applied"}, (name, op, results)
            seconds = answers[name][2]
            assert len(seconds) == 2, (name, seconds)
            assert sorted(r["replayed"] for r in seconds) == [False, True], (name, seconds)
            assert seconds[0]["result"] == seconds[1]["result"], (name, seconds)

        # The channel's late orders all arrived and found nothing free.
        assert [code for code, _ in late_results] == [201] * LATE_ORDERS, late_results
        assert {body["status"] for _, body in late_results} == {"backordered"}, late_results

        # The state computed from the seed alone.
        ledger, stock, picked = _ledger_and_stock()
        expected_ledger = Counter((pickers[name]["device"], op["seq"]) for name in names for op in plans[name])
        assert ledger == expected_ledger  # one row per (device, seq): nothing lost, nothing doubled
        for p in range(PICKERS):
            own = ORDERS_PER_PICKER * 2
            assert stock[f"OWN-{p}"] == (DISJOINT_START - own, 0), (p, stock[f"OWN-{p}"])
            assert picked[f"OWN-{p}"] == own
        assert stock[SCARCE] == (0, 0)  # all ten picked; none left to reserve for the late orders
        assert picked[SCARCE] == SCARCE_UNITS
        invariants_hold()
    except BaseException:
        for n, log in enumerate(logs):
            print(f"--- server {n} ---\n{b''.join(log)[-4000:].decode(errors='replace')}")
        raise
    finally:
        for server in servers:
            server.stop()
