"""SIGKILL the server while a device drains a multi-batch backlog; restart it on the same database;
the device retries from its last acknowledged point. Nothing is lost and nothing is doubled: the
ledger holds exactly one row per seq 1..N for the device, and stock, lines, tasks, orders, follow-up
tasks and exceptions mean exactly what a clean, uninterrupted run of the same backlog gives.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import threading
import time

import httpx

from tests import support
from tests.sync.guarantees.harness import (
    SHORT_REASONS,
    RawDB,
    assert_invariants,
    diff_states,
    op,
    restore,
    seed_floor,
    semantic_state,
    snapshot,
)

BATCHES, BATCH_OPS = 12, 250  # a 3,000-op backlog
STOCK = {"SKU-A": [("A-01", 2000), ("A-03", 2000)], "SKU-B": [("A-02", 1000)], "SKU-C": [("A-04", 500)]}
ORDERS = [
    [("SKU-A", 600), ("SKU-B", 300)],
    [("SKU-A", 600)],
    [("SKU-C", 200), ("SKU-B", 300)],
    [("SKU-A", 900)],
    [("SKU-C", 100)],
]


def _backlog(rng: random.Random, floor, raw: RawDB) -> list[dict]:
    bins = dict(raw.fetch("SELECT t.order_line, l.code FROM pick_task t JOIN location l ON l.id = t.location"))
    lines = [(l["id"], l["sku"]) for o in floor.orders[:4] for l in o["lines"]]
    ops = []
    for seq in range(1, BATCHES * BATCH_OPS + 1):
        line_id, sku = rng.choice(lines)
        location = bins[line_id] if rng.random() < 0.9 else rng.choice(["A-01", "A-02", "A-03", "A-04", "A-06"])
        roll = rng.random()
        if roll < 0.95:
            ops.append(op(seq, "pick", order_line_id=line_id, location=location, sku=sku, qty=rng.randint(1, 3), tote="1"))
        elif roll < 0.98:
            ops.append(
                op(
                    seq,
                    "pick_short",
                    order_line_id=line_id,
                    location=location,
                    sku=sku,
                    qty_short=1,
                    reason=rng.choice(SHORT_REASONS),
                )
            )
        else:
            ops.append(op(seq, "teleport", order_line_id=line_id))
    return ops


def _push(http, headers, device_id, batch) -> dict:
    r = http.post("/api/sync/push", json={"device_id": device_id, "ops": batch}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _drain_from(http, headers, device_id, ops, acked: int) -> int:
    """What the device does after a restart: push from the last acked seq on, in full batches."""
    while acked < len(ops):
        body = _push(http, headers, device_id, ops[acked : acked + BATCH_OPS])
        assert body["acked_through"] > acked
        acked = body["acked_through"]
    return acked


def _server_processes(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def test_sigkill_mid_backlog_then_restart_loses_nothing_and_doubles_nothing(clean_db):
    raw = RawDB()
    server = support.LiveServer(workers=1)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            floor = seed_floor(http, stock=STOCK, orders=ORDERS, waves={"pia": [1, 2], "pete": [3, 4]})
            user, device_id = floor.devices["pia-1"]
            headers = floor.users[user]
            ops = _backlog(random.Random(11), floor, raw)
            start = snapshot(raw)

            # The clean run: the whole backlog, uninterrupted.
            times = []
            for i in range(BATCHES):
                t = time.perf_counter()
                _push(http, headers, device_id, ops[i * BATCH_OPS : (i + 1) * BATCH_OPS])
                times.append(time.perf_counter() - t)
            reference = semantic_state(raw)
            assert_invariants(raw)
            restore(raw, start)

        # The server process is the one that holds the database: with one worker, uvicorn serves in
        # the `shipshape serve` process itself (no children to survive it).
        pid = server.process.pid
        assert _server_processes(pid) == [], "expected a single server process"
        if raw.dialect == "sqlite":
            fds = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
            assert raw.config.path in fds, fds

        acked = {"n": 0}
        stopped, killed = threading.Event(), threading.Event()
        failures: list[BaseException] = []

        def drain():
            try:
                with httpx.Client(base_url=server.url, timeout=60) as own:
                    for i in range(BATCHES):
                        body = _push(own, headers, device_id, ops[i * BATCH_OPS : (i + 1) * BATCH_OPS])
                        acked["n"] = body["acked_through"]
            except httpx.TransportError as error:
                # The connection breaking is what the kill does; before the kill it is a failure.
                if not killed.is_set():
                    failures.append(error)
            except BaseException as error:  # noqa: BLE001 - a wrong answer (non-200, …) fails the test below
                failures.append(error)
            finally:
                stopped.set()

        drainer = threading.Thread(target=drain)
        drainer.start()
        deadline = time.monotonic() + 60
        while acked["n"] < 4 * BATCH_OPS and time.monotonic() < deadline and not stopped.is_set():
            time.sleep(0.002)
        assert acked["n"] >= 4 * BATCH_OPS, "the backlog did not get going"
        time.sleep(statistics.median(times) / 2)  # most likely in the middle of the next batch
        killed.set()
        server.process.kill()  # SIGKILL
        server.process.wait(10)
        drainer.join(60)
        assert not drainer.is_alive(), "the device's drain did not end when the server died"
        assert not failures, f"the drain failed other than by the server dying: {failures!r}"
        acked_before_kill = acked["n"]
        assert acked_before_kill < len(ops), "the kill came too late to interrupt anything"
    finally:
        server.stop()

    server = support.LiveServer(workers=1)
    try:
        committed = raw.val("SELECT last_seq FROM device WHERE device_id = ?", device_id)
        assert committed >= acked_before_kill
        print(
            f"\nSIGKILL after {acked_before_kill} acked ops; the database had {committed} "
            f"({'the in-flight batch had committed, its answer was lost' if committed > acked_before_kill else 'the in-flight batch rolled back'})"
        )
        assert_invariants(raw)
        with httpx.Client(base_url=server.url, timeout=60) as http:
            assert _drain_from(http, headers, device_id, ops, acked_before_kill) == len(ops)
            # A device that lost track entirely and pushes everything again changes nothing.
            before = semantic_state(raw)
            for i in range(BATCHES):
                body = _push(http, headers, device_id, ops[i * BATCH_OPS : (i + 1) * BATCH_OPS])
                assert all(r["replayed"] for r in body["results"])
            assert semantic_state(raw) == before
        rows = raw.fetch("SELECT seq, COUNT(*) FROM ledger WHERE device_id = ? GROUP BY seq ORDER BY seq", device_id)
        assert rows == [(seq, 1) for seq in range(1, len(ops) + 1)]
        assert_invariants(raw)
        problems = diff_states(reference, semantic_state(raw))
        assert not problems, "after the kill and the retries the floor differs from a clean run:\n" + "\n".join(problems)
    finally:
        server.stop()
        raw.close()
