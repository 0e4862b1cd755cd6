"""PostgreSQL's engine transactions lock what they touch, not the world (server/apply/locks.py).

These tests exist only in the PostgreSQL run (DATABASE_URL=postgresql://…): SQLite has one writer
by design and takes none of these locks, so there is nothing to show there — they are not skipped
on SQLite, they are not defined. Each uses two real connections to the test database:

* a batch on one product commits while a batch on another product holds its lock (no global
  lock, and no lock for ledger ids either: tests/concurrency/test_ledger_positions.py);
* a batch on the same product waits, then decides from what the first one committed (no lost
  update), though it had first read the old figure before it waited;
* a transaction that needs a key below one it holds is rolled back and run again with every key
  taken up front, and its op is applied once.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from server.apply import locks
from server.apply.runner import EngineTx, engine_transaction, run_ops
from server.db import Database
from server.ops import metrics
from sync.ops import AdjustStock
from tests import support
from tests.warehouse import Warehouse

POSTGRES = support.db_config().dialect == "postgres"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _adjust(sku: str, delta: int) -> AdjustStock:
    return AdjustStock(location=f"BIN-{sku}", sku=sku, qty_delta=delta, reason="test")


async def _on_hand(db: Database, sku: str) -> int:
    async with db.read() as tx:
        return await tx.fetchval("SELECT s.on_hand FROM stock s JOIN product p ON p.id = s.product WHERE p.sku = ?", sku)


def _relocks() -> float:
    """Restarts for a lower key this process counted (the metric an admin scrapes)."""
    return metrics.ENGINE_RETRIES.labels("relock")._value.get()


async def _waiting_for_advisory_lock(db: Database) -> int:
    async with db.read() as tx:
        return await tx.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")


async def _with_two_databases(test) -> None:
    first, second = Database(support.db_config()), Database(support.db_config())
    await first.start()
    await second.start()
    try:
        await asyncio.wait_for(test(first, second), timeout=60)
    finally:
        await first.close()
        await second.close()


@pytest.fixture
def two_products(client, admin) -> None:
    warehouse = Warehouse(client, admin)
    for n, sku in enumerate(("LOCK-A", "LOCK-B"), start=1):
        warehouse.product(sku, f"Lock test {sku}")
        warehouse.location(f"BIN-{sku}", n * 10)
        warehouse.stock(sku, f"BIN-{sku}", 10)


if POSTGRES:

    def test_a_batch_on_another_product_commits_while_the_first_is_still_open(two_products):
        async def test(first: Database, second: Database) -> None:
            holding, release = asyncio.Event(), asyncio.Event()

            async with first.read() as tx:
                product_a = await tx.fetchval("SELECT id FROM product WHERE sku = 'LOCK-A'")

            async def slow(engine: EngineTx) -> None:
                # Holding LOCK-A's key, as a batch does while it reads and decides (its write-back and
                # commit come after).
                await engine.lock({locks.key(locks.PRODUCT, product_a)})
                holding.set()
                await release.wait()
                await engine.apply([_adjust("LOCK-A", 5)], now=_now(), actor=None, record_rejected=False)

            slow_job = asyncio.create_task(engine_transaction(first, slow))
            await holding.wait()
            (outcome,) = await run_ops(second, [_adjust("LOCK-B", 3)], actor=None)  # does not wait for LOCK-A
            assert outcome.status == "applied"
            assert await _on_hand(second, "LOCK-B") == 13
            assert await _on_hand(second, "LOCK-A") == 10  # the first batch has not committed yet
            release.set()
            await slow_job
            assert await _on_hand(second, "LOCK-A") == 15

        asyncio.run(_with_two_databases(test))

    def test_a_batch_on_the_same_product_waits_and_decides_from_what_the_first_committed(two_products):
        async def test(first: Database, second: Database) -> None:
            holding, release = asyncio.Event(), asyncio.Event()

            async def slow(engine: EngineTx) -> None:
                await engine.apply([_adjust("LOCK-A", 5)], now=_now(), actor=None, record_rejected=False)
                holding.set()
                await release.wait()

            slow_job = asyncio.create_task(engine_transaction(first, slow))
            await holding.wait()
            # It reads on hand 10 (the first batch is uncommitted), then waits for the product's key.
            second_job = asyncio.create_task(run_ops(second, [_adjust("LOCK-A", 7)], actor=None))
            for _ in range(200):
                if await _waiting_for_advisory_lock(second):
                    break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("the second batch never waited for the product's lock")
            assert not second_job.done()
            release.set()
            await slow_job
            (outcome,) = await second_job
            assert outcome.status == "applied"
            assert await _on_hand(second, "LOCK-A") == 22  # 10 + 5 + 7: no update lost
            async with second.read() as tx:
                moved = await tx.fetchval(
                    "SELECT SUM(m.delta) FROM stock_movement m JOIN product p ON p.id = m.product WHERE p.sku = 'LOCK-A'"
                )
            assert moved == 22  # the trail (opening 10, +5, +7) still sums to the book

        asyncio.run(_with_two_databases(test))

    def test_a_transaction_needing_a_lower_key_starts_again_with_all_keys_and_applies_once(two_products):
        async def test(first: Database, _second: Database) -> None:
            attempts = []
            before = _relocks()

            async def work(engine: EngineTx) -> None:
                attempts.append(sorted(engine.held))
                await engine.lock({locks.key(locks.FLOOR_TASK, 1)})
                await engine.apply([_adjust("LOCK-B", 4)], now=_now(), actor=None, record_rejected=False)
                await engine.lock({locks.key(locks.NAME, 1)})  # below what it holds: cannot wait for it here

            await engine_transaction(first, work)
            # 1st: it holds a floor task's key when the batch shows it needs LOCK-B's product (ranked
            # lower): restart. 2nd: it asks for a name key below everything it holds: restart. 3rd:
            # every key up front, in order — the floor task, the product, the name.
            assert len(attempts) == 3, attempts
            assert attempts[0] == []
            assert locks.key(locks.FLOOR_TASK, 1) in attempts[1] and locks.key(locks.NAME, 1) not in attempts[1]
            assert {locks.key(locks.FLOOR_TASK, 1), locks.key(locks.NAME, 1)} <= set(attempts[2])
            assert _relocks() == before + 2
            assert await _on_hand(first, "LOCK-B") == 14  # applied once, not twice
            async with first.read() as tx:
                ledger = await tx.fetchval("SELECT count(*) FROM ledger WHERE op_type = 'adjust_stock'")
            assert ledger == 3  # two opening stocks and this one

        asyncio.run(_with_two_databases(test))
