"""A 50,000-row export (10,000 on PostgreSQL) against a real server process: imported in bounded memory and time; and a
server killed in the middle of an import loses and doubles nothing (figures: bench/csv_import.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import httpx
import pytest

from server.db import Database
from tests.channels.big_import import admin_session, seed_catalogue, upload_and_wait, write_export
from tests.support import LiveServer, db_config, reset_database

SKUS = [f"BIG-{n:03d}" for n in range(1, 41)]
RESTART_ROWS = 20_000  # enough batches that the kill lands in the middle
# 50,000 rows take 12-20 s on SQLite here; on PostgreSQL 30-90 s (a busy 2-core machine), so there the
# test imports 10,000 and bench/csv_import.py measures the 50,000 (docs/benchmarks.md, CSV import).
BIG_ROWS = 50_000 if db_config().dialect == "sqlite" else 10_000


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "export.csv"
    return path, write_export(path, RESTART_ROWS, SKUS)


def test_a_big_export_imports_in_bounded_memory_and_time(tmp_path):
    path = tmp_path / "big-export.csv"
    orders = write_export(path, BIG_ROWS, SKUS)
    reset_database()
    server = LiveServer()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            admin = admin_session(http)
            seed_catalogue(http, admin, SKUS)
            run = upload_and_wait(server, http, admin, path)
            job = run.job
            assert job["status"] == "done", job
            assert (job["rows_total"], job["rows_done"], job["rows_bad"]) == (BIG_ROWS, BIG_ROWS, 0)
            assert (job["orders_created"], job["orders_duplicate"]) == (orders, 0)
            size_mb = path.stat().st_size / 2**20
            print(
                f"\n{BIG_ROWS} rows ({size_mb:.1f} MB), {orders} orders: {run.seconds:.1f} s, server peak RSS +{run.growth_mb:.1f} MB"
            )
            # Streamed to disk and read a row at a time: the server's peak grows by a few MB (measured
            # ~6), where the file held as rows would take several times its own size.
            assert run.growth_mb < 25, run
            assert run.seconds < 120, run  # measured 11-20 s on SQLite (50,000 rows)
    finally:
        server.stop()


def test_a_server_killed_mid_import_resumes_and_nothing_is_doubled_or_lost(export):
    """SIGKILL while batches commit; a new server process takes the job over once its lease runs out
    and carries on after the last committed batch: every order once, the counts exact."""
    path, orders = export
    reset_database()
    env = {
        **os.environ,
        "SHIPSHAPE_LOGIN_RATE_LIMIT": "1000",
        "SHIPSHAPE_IMPORT_LEASE_SECONDS": "1",
        "SHIPSHAPE_IMPORT_RESUME_SECONDS": "0.5",
    }
    first = LiveServer(env=env)
    try:
        with httpx.Client(base_url=first.url, timeout=60) as http:
            admin = admin_session(http)
            seed_catalogue(http, admin, SKUS)
            with open(path, "rb") as body:
                job = http.post("/api/channels/mkt/imports", content=body, headers=admin | {"Content-Type": "text/csv"}).json()
            while job["rows_done"] < 1_000:
                job = http.get(f"/api/channels/imports/{job['id']}", headers=admin).json()
    finally:
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
    assert job["status"] == "running", job  # killed in the middle
    second = LiveServer(env=env)
    try:
        with httpx.Client(base_url=second.url, timeout=60) as http:
            deadline = time.monotonic() + 120
            while job["status"] not in ("done", "failed") and time.monotonic() < deadline:
                time.sleep(0.2)
                job = http.get(f"/api/channels/imports/{job['id']}", headers=admin).json()
    finally:
        second.stop()
    assert job["status"] == "done", job
    assert (job["rows_done"], job["orders_created"], job["orders_duplicate"], job["rows_bad"]) == (RESTART_ROWS, orders, 0, 0)
    assert asyncio.run(_orders_in_database()) == (orders, orders)


async def _orders_in_database() -> tuple[int, int]:
    """(orders, distinct external refs) in the test database."""
    db = Database(db_config())
    await db.start()
    try:
        async with db.read() as tx:
            return (
                await tx.fetchval("SELECT COUNT(*) FROM sales_order"),
                await tx.fetchval("SELECT COUNT(DISTINCT external_ref) FROM sales_order"),
            )
    finally:
        await db.close()
