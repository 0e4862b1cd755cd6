"""Stock at a glance: a supervisor scans or types an item or a bin and sees what is where, reserved
and on its way back; the low-stock list names what is at or below its reorder point, most urgent first."""

from __future__ import annotations

from tests.support import create_user, login
from tests.warehouse import Warehouse, device_for, released_wave

EAN = "4006381333931"  # a valid EAN-13, printed on SKU-A's packaging


def _floor(client, admin) -> Warehouse:
    """SKU-A (EAN, reorder point 8) in A-01 (5) and A-03 (5); SKU-B (reorder point 5) in A-02 (3);
    SKU-C never stocked (reorder point 0); an order of 3 × SKU-A released to pia, who over-picks 2."""
    warehouse = Warehouse(client, admin)
    warehouse.product("SKU-A", "Product A", [EAN], reorder_point=8)
    warehouse.product("SKU-B", "Product B", reorder_point=5)
    warehouse.product("SKU-C", "Product C")
    for n, code in enumerate(("A-01", "A-02", "A-03"), start=1):
        warehouse.location(code, n * 10)
    warehouse.stock_rows({"SKU-A": [("A-01", 5), ("A-03", 5)], "SKU-B": [("A-02", 3)]})
    picker = device_for(client, "pia", "picker")
    (order,) = released_wave(client, admin, [[("SKU-A", 3)]])
    line = order["lines"][0]
    result = picker.push(picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=5, tote="TOTE-9"))
    assert result["results"][0]["code"] == "over_pick", result
    return warehouse


def _lookup(client, headers, q: str, expect: int = 200) -> dict:
    response = client.get("/api/stock/lookup", params={"q": q}, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def test_an_item_by_sku_shows_every_bin_totals_and_units_on_the_way_back(client, admin):
    _floor(client, admin)
    found = _lookup(client, admin, "SKU-A")
    assert found["kind"] == "item" and found["bin"] is None
    item = found["item"]
    # 5 − 5 picked = 0 (row kept out: nothing on hand or reserved); A-03: 5 on hand.
    assert [(p["location"], p["on_hand"], p["reserved"], p["available"]) for p in item["places"]] == [("A-03", 5, 0, 5)]
    assert item["totals"] == {"on_hand": 5, "reserved": 0, "available": 5}
    # 5 on hand ≤ reorder point 8: low.
    assert (item["reorder_point"], item["low"], item["barcodes"]) == (8, True, [EAN])
    # The over-pick's 2 surplus units wait in TOTE-9 for a put-away.
    assert item["on_the_way_back"] == 2
    assert [(r["kind"], r["qty"], r["tote"]) for r in item["returning"]] == [("put_away", 2, "TOTE-9")]
    assert item["receipts_awaiting_approval"] == []
    assert "no purchase orders" in found["purchase_orders"]


def test_an_item_by_its_barcode_or_gs1_data_is_the_same_item(client, admin):
    _floor(client, admin)
    assert _lookup(client, admin, EAN)["item"]["sku"] == "SKU-A"
    # GS1 element string: GTIN-14 of the EAN, lot 42 — the lot the scan carried comes back too.
    gs1 = _lookup(client, admin, "(01)04006381333931(10)42")
    assert (gs1["item"]["sku"], gs1["lot"]) == ("SKU-A", "42")


def test_a_bin_shows_every_item_in_it(client, admin):
    warehouse = _floor(client, admin)
    warehouse.stock("SKU-B", "A-03", 4)
    headers = login(client, "sup", create_user("sup", "supervisor"))
    found = _lookup(client, headers, "A-03")
    assert found["kind"] == "bin" and found["item"] is None
    bin_ = found["bin"]
    assert (bin_["code"], bin_["kind"]) == ("A-03", "bin")
    assert [(i["sku"], i["on_hand"], i["available"]) for i in bin_["items"]] == [("SKU-A", 5, 5), ("SKU-B", 4, 4)]
    assert bin_["totals"] == {"on_hand": 9, "reserved": 0, "available": 9}


def test_a_code_that_is_no_item_or_bin_is_404_naming_q(client, admin):
    _floor(client, admin)
    for q in ("NOPE-1", "ORD-1", "4006381333932"):  # unknown text, an order, a bad check digit
        body = _lookup(client, admin, q, expect=404)
        assert body["field"] == "q", body
        assert q in body["message"]
    assert "order" in _lookup(client, admin, "ORD-1", expect=404)["message"]
    response = client.get("/api/stock/lookup", params={"q": ""}, headers=admin)
    assert response.status_code == 400


def test_low_stock_lists_what_is_at_or_below_its_reorder_point(client, admin):
    _floor(client, admin)
    warehouse = Warehouse(client, admin)
    warehouse.order("BACK-1", [("SKU-B", 5)])  # 3 allocated from A-02, 2 backordered
    picker = device_for(client, "pat", "picker")
    headers = picker.headers  # pickers may read stock, as /api/stock allows
    response = client.get("/api/stock/low", headers=headers)
    assert response.status_code == 200, response.text
    # SKU-B: 3 on hand ≤ 5, all reserved and 2 more backordered: 0 − 2 − 5 = −7 free against its point;
    # SKU-A: 5 ≤ 8, 5 free: 5 − 0 − 8 = −3. SKU-C has no reorder point.
    assert response.json() == [
        {"sku": "SKU-B", "name": "Product B", "reorder_point": 5, "on_hand": 3, "reserved": 3, "available": 0, "backordered": 2},
        {"sku": "SKU-A", "name": "Product A", "reorder_point": 8, "on_hand": 5, "reserved": 0, "available": 5, "backordered": 0},
    ]
