"""The last units: many channels ordering the same scarce SKU at the same instant, against a real
server with two worker processes sharing one database (SQLite file or PostgreSQL).

One SKU has exactly 10 units, split over two bins. 40 orders of 1 unit each (distinct
external_refs) arrive at once, and at the same instant the channel re-sends one of them 10 more
times. Whatever the interleaving:

* no request fails with a 5xx;
* exactly 10 orders get a unit and the other 30 are backordered — never an 11th allocation;
* the stock rows end with reserved == on hand == 10 and each row's reserved == its reservations;
* the re-sent external_ref made exactly one order: one 201, the rest 200 with the same order id.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from server.db import Database
from tests import support
from tests.warehouse import Warehouse

SKU = "LAST-1"
DISTINCT = 40
DUPLICATES = 10
DUPLICATED_REF = "RUSH-0"  # one of the 40, sent 10 more times


def _seed(base: str) -> dict[str, str]:
    password = support.create_user("root", "admin")
    with httpx.Client(base_url=base, timeout=30) as http:
        r = http.post("/api/auth/login", json={"username": "root", "password": password})
        assert r.status_code == 200, r.text
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        warehouse = Warehouse(http, headers)
        warehouse.product(SKU, "The last widget", ["INT-LAST-1"])
        for n, (code, qty) in enumerate([("L-01", 6), ("L-02", 4)], start=1):
            warehouse.location(code, n * 10)
            warehouse.stock(SKU, code, qty)
    return headers


def _reservations_per_stock_row() -> dict[tuple[str, int, int], int]:
    """(location, on_hand, reserved) -> units in reservations, read straight from the database."""

    async def read():
        db = Database(support.db_config())
        await db.start()
        try:
            async with db.read() as tx:
                rows = await tx.fetch(
                    "SELECT l.code, s.on_hand, s.reserved, COALESCE(SUM(r.qty), 0) FROM stock s "
                    "JOIN location l ON l.id = s.location LEFT JOIN reservation r ON r.stock = s.id "
                    "GROUP BY l.code, s.on_hand, s.reserved ORDER BY l.code"
                )
        finally:
            await db.close()
        return {(r[0], r[1], r[2]): r[3] for r in rows}

    return asyncio.run(read())


def _drain(server: support.LiveServer) -> list[bytes]:
    """The server's stderr lines (support.LiveServer reads them as they come), for failure messages."""
    return server.lines


def test_forty_orders_race_for_ten_units_and_a_channel_retries_one_of_them(clean_db):
    server = support.LiveServer(workers=2)
    server_log = _drain(server)
    try:
        headers = _seed(server.url)
        refs = [f"RUSH-{i}" for i in range(DISTINCT)] + [DUPLICATED_REF] * DUPLICATES
        barrier = threading.Barrier(len(refs))
        clients = [httpx.Client(base_url=server.url, timeout=60, headers=headers) for _ in refs]

        def place(job: tuple[httpx.Client, str]) -> tuple[str, int, dict]:
            http, ref = job
            body = support.order_body(ref, [(SKU, 1)])
            http.get("/api/health")  # connect before the start line, so the requests themselves race
            barrier.wait(timeout=30)
            response = http.post("/api/orders", json=body)
            try:
                payload = response.json()
            except ValueError:
                payload = {"raw": response.text}
            return ref, response.status_code, payload

        try:
            with ThreadPoolExecutor(max_workers=len(refs)) as pool:
                results = list(pool.map(place, zip(clients, refs, strict=False)))
        finally:
            for http in clients:
                http.close()

        failures = [(ref, code, payload) for ref, code, payload in results if code not in (200, 201)]
        assert not failures, f"{failures}\nserver log:\n{b''.join(server_log)[-3000:].decode(errors='replace')}"

        duplicates = [(code, payload["id"]) for ref, code, payload in results if ref == DUPLICATED_REF]
        assert len(duplicates) == DUPLICATES + 1
        assert sorted(code for code, _ in duplicates) == [200] * DUPLICATES + [201], duplicates
        assert len({order_id for _, order_id in duplicates}) == 1, "the retried external_ref made more than one order"
        assert all(code == 201 for ref, code, _ in results if ref != DUPLICATED_REF)

        with httpx.Client(base_url=server.url, timeout=30, headers=headers) as http:
            orders = http.get("/api/orders", params={"limit": 1000}).json()
            assert len(orders) == DISTINCT
            assert sorted(o["external_ref"] for o in orders) == sorted(f"RUSH-{i}" for i in range(DISTINCT))
            assert Counter(o["status"] for o in orders) == {"allocated": 10, "backordered": 30}
            allocated_lines = 0
            for summary in orders:
                order = http.get(f"/api/orders/{summary['id']}").json()
                (line,) = order["lines"]
                allocated_lines += line["qty_allocated"]
                assert (line["qty_allocated"], line["status"]) in ((1, "allocated"), (0, "backordered"))
                assert [e["status"] for e in order["timeline"]] == ["new", order["status"]]
            assert allocated_lines == 10

            stock = http.get("/api/stock", params={"sku": SKU}).json()
            assert sum(row["on_hand"] for row in stock) == 10
            assert sum(row["reserved"] for row in stock) == 10
            assert sorted((row["location"], row["on_hand"], row["reserved"]) for row in stock) == [("L-01", 6, 6), ("L-02", 4, 4)]

        # In the database itself, each row's reserved is exactly the reservations on it.
        per_row = _reservations_per_stock_row()
        assert per_row == {("L-01", 6, 6): 6, ("L-02", 4, 4): 4}, per_row
    finally:
        server.stop()
