"""A batch is just its ops in order: how a device splits its outbox never changes the outcome.

(Devices halve their batches on a 413, so the split is not the server's to choose.)"""

from __future__ import annotations

import pytest

from tests.support import order_body
from tests.warehouse import device_for, small_warehouse


def _scenario(client, admin, split: bool):
    small_warehouse(client, admin, stock={"SKU-A": [("A-01", 10)]})
    pia = device_for(client, "pia", "picker")
    old = client.post("/api/orders", json=order_body("OLD-1", [("SKU-A", 6)]), headers=admin).json()
    assert client.post("/api/waves", json={"order_ids": [old["id"]], "picker": "pia"}, headers=admin).status_code == 201
    new = client.post("/api/orders", json=order_body("NEW-2", [("SKU-A", 4)]), headers=admin).json()
    pick = pia.op("pick", order_line_id=old["lines"][0]["id"], location="A-01", sku="SKU-A", qty=1, tote="T1")
    move = pia.op("move", from_location="A-01", to_location="A-02", sku="SKU-A", qty=2)
    batches = [pia.push(pick), pia.push(move)] if split else [pia.push(pick, move)]
    statuses = [(r["status"], r["code"]) for batch in batches for r in batch["results"]]
    orders = [client.get(f"/api/orders/{o['id']}", headers=admin).json() for o in (old, new)]
    stock = client.get("/api/stock?sku=SKU-A", headers=admin).json()
    return statuses, [(o["status"], o["lines"][0]["qty_picked"], o["lines"][0]["qty_allocated"]) for o in orders], stock


@pytest.mark.parametrize("split", [True, False], ids=["two pushes", "one push"])
def test_a_move_out_of_a_bin_takes_reservations_from_the_newest_order_however_the_batch_is_split(client, admin, split):
    statuses, orders, stock = _scenario(client, admin, split)
    assert statuses == [("applied", None), ("applied", None)]
    # OLD-1 is being picked and keeps all 6; the 2 units moved out of A-01 come off NEW-2's
    # reservation there, which is then found again in A-02.
    assert orders == [("picking", 1, 6), ("allocated", 0, 4)]
    assert {(s["location"], s["on_hand"], s["reserved"]) for s in stock} == {("A-01", 7, 7), ("A-02", 2, 2)}
