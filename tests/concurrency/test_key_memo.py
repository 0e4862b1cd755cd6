"""A batch on PostgreSQL takes the keys its order needed last time before it reads, and loads once
(server/apply/keymemo.py); a guess that falls short is caught and the batch loads again under the
missing locks, with the same result.

Defined only in the PostgreSQL run: SQLite takes no locks and loads once anyway.
"""

from __future__ import annotations

import pytest

from server.apply import keymemo, locks, runner
from tests import support
from tests.warehouse import setup_floor

POSTGRES = support.db_config().dialect == "postgres"


@pytest.fixture
def loads(monkeypatch) -> list[int]:
    """Counts the engine's slice loads (the real loader runs)."""
    counted: list[int] = []
    real = runner.load_state

    async def counting(tx, batch, actor):
        counted.append(len(batch))
        return await real(tx, batch, actor)

    monkeypatch.setattr(runner, "load_state", counting)
    return counted


def _on_hand(client, admin, sku: str) -> dict:
    return {r["location"]: (r["on_hand"], r["reserved"]) for r in client.get(f"/api/stock?sku={sku}", headers=admin).json()}


if POSTGRES:

    def test_a_pick_of_an_order_already_seen_loads_once(client, admin, loads):
        picker, (order_a, order_b) = setup_floor(client, admin)
        line = order_a["lines"][0]
        assert keymemo.MEMO.guess_line(line["id"]) is not None  # learnt when the order came in and was released
        loads.clear()
        body = picker.push(picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=3))
        assert body["results"][0]["status"] == "applied"
        assert loads == [1]  # one op, one load: its keys were taken before reading
        assert _on_hand(client, admin, "SKU-A")["A-01"] == (2, 0)

    def test_a_guess_that_falls_short_is_caught_and_the_batch_reads_again(client, admin, loads):
        picker, (order_a, _order_b) = setup_floor(client, admin)
        line = order_a["lines"][0]
        # As if the order had gained a line of another product since it was learnt: the guess lacks a key.
        keymemo.MEMO._by_line[line["id"]] = frozenset({locks.key(locks.ORDER, order_a["id"])})
        loads.clear()
        body = picker.push(picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=3))
        assert body["results"][0]["status"] == "applied"
        assert loads == [1, 1]  # read, found a key it did not hold, locked it, read again under it
        assert _on_hand(client, admin, "SKU-A")["A-01"] == (2, 0)
        assert keymemo.MEMO.guess_line(line["id"]) >= {locks.key(locks.ORDER, order_a["id"])}  # learnt again
