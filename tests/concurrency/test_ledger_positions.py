"""Pull cursors on PostgreSQL never pass a ledger id that is still being committed (server/apply/positions.py).

Ledger ids come from a sequence and transactions commit in any order, with no lock to make them take
turns. A pull's cursor is the ledger's *safe end*: below the first id of every transaction still
running. The test holds one transaction open after it took its ledger id, commits a later one beside
it, and pulls in between: with the cursor at MAX(id) (what a commit-ordered ledger allowed) the held
change would never reach the phone; here the next pull brings it.

Defined only in the PostgreSQL run (DATABASE_URL=postgresql://…): on SQLite one writer commits at a
time and ids follow commit order, so the end is simply the snapshot's MAX(id).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib

from server.apply import locks, positions
from server.apply.runner import EngineTx, engine_transaction, run_ops
from server.db import Database
from server.sync_api.pull import decode_cursor
from sync.ops import AdjustStock
from tests import support
from tests.warehouse import Warehouse, device_for

POSTGRES = support.db_config().dialect == "postgres"


def test_the_migration_uses_the_engines_keys():
    migration = importlib.import_module("server.migrations.shipshape_2026_12_02t01_00_00_000000")
    assert locks.key(locks.MARK, 0) == migration._MARK
    assert migration._GATE == locks.GATE


def _adjust(sku: str, delta: int) -> AdjustStock:
    return AdjustStock(location=f"BIN-{sku}", sku=sku, qty_delta=delta, reason="test")


def _bin_stock(pulled: dict, sku: str) -> list[int]:
    return [row["on_hand"] for row in pulled["bin_stock"] if row["sku"] == sku]


if POSTGRES:

    def test_a_pull_between_two_commits_out_of_id_order_misses_nothing(client, admin):
        warehouse = Warehouse(client, admin)
        for n, sku in enumerate(("POS-A", "POS-B"), start=1):
            warehouse.product(sku, f"Position test {sku}")
            warehouse.location(f"BIN-{sku}", n * 10)
            warehouse.stock(sku, f"BIN-{sku}", 10)
        pia = device_for(client, "pia", "picker")
        snapshot = pia.pull()
        assert _bin_stock(snapshot, "POS-A") == [10] and _bin_stock(snapshot, "POS-B") == [10]

        async def test() -> None:
            first, second = Database(support.db_config()), Database(support.db_config())
            await first.start()
            await second.start()
            holding, release = asyncio.Event(), asyncio.Event()
            held_id = 0

            async def slow(engine: EngineTx) -> None:
                nonlocal held_id
                await engine.apply([_adjust("POS-A", 5)], now=dt.datetime.now(dt.UTC), actor=None, record_rejected=False)
                held_id = engine.ledger_id  # taken, written, not committed
                holding.set()
                await release.wait()

            try:
                slow_job = asyncio.create_task(engine_transaction(first, slow))
                await asyncio.wait_for(holding.wait(), 30)
                # A later id commits first: it does not wait for the held transaction (no sequencer).
                (later,) = await asyncio.wait_for(run_ops(second, [_adjust("POS-B", 3)], actor=None), 30)
                assert later.status == "applied" and later.ledger.id > held_id
                assert await positions.end(second) == held_id - 1
                async with second.read() as tx:
                    assert await tx.fetchval("SELECT max(id) FROM ledger") == later.ledger.id

                # The phone pulls now (the app's own connections; the test's loop just waits).
                between = pia.pull(snapshot["cursor"])
                assert decode_cursor(between["cursor"])[0] == held_id - 1  # not MAX(id): the held id is below it
                assert _bin_stock(between, "POS-B") == [13]  # what is committed is sent at once
                assert _bin_stock(between, "POS-A") == []  # the held change is not visible yet

                release.set()
                await asyncio.wait_for(slow_job, 30)
                assert await positions.end(second) == later.ledger.id

                after = pia.pull(between["cursor"])
                assert _bin_stock(after, "POS-A") == [15]  # the held change arrives: nothing missed
                assert decode_cursor(after["cursor"])[0] == later.ledger.id
            finally:
                release.set()
                await first.close()
                await second.close()

        asyncio.run(test())

    def test_a_rolled_back_transaction_does_not_hold_the_end_back(client, admin):
        Warehouse(client, admin).product("POS-C", "Position test C")

        async def test() -> None:
            db = Database(support.db_config())
            await db.start()
            try:
                before = await positions.end(db)

                class Abandon(Exception):
                    pass

                async def abandoned(engine: EngineTx) -> None:
                    await positions.allocate(engine.tx, 3)  # ids taken, marker published
                    assert await positions.end(db) == before  # another connection: held back below them
                    raise Abandon

                with contextlib.suppress(Abandon):
                    await engine_transaction(db, abandoned)
                async with db.read() as tx:
                    top = await tx.fetchval("SELECT COALESCE(max(id), 0) FROM ledger")
                assert await positions.end(db) == top  # the marker went with the rollback
                async with db.read() as tx:
                    markers = await tx.fetchval(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND (classid::bigint >> 16) = ? "
                        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                        locks.MARK,
                    )
                assert markers == 0
            finally:
                await db.close()

        asyncio.run(test())
