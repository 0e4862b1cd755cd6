"""Returns: a supervisor authorises an RMA from a shipped order, the packer's phone receives its units
(resellable into a bin, damaged to scrap), refunds are recorded against it, and it is closed."""

from __future__ import annotations

from tests.support import order_body
from tests.warehouse import device_for, rma_for, shipped_order


def _stock(client, admin, sku: str) -> dict[str, int]:
    rows = client.get("/api/stock", params={"sku": sku}, headers=admin).json()
    return {r["location"]: r["on_hand"] for r in rows}


def test_an_rma_is_created_from_a_shipped_order_and_refuses_more_than_was_sent(client, admin):
    _, order = shipped_order(client, admin)
    line = order["lines"][0]
    rma = rma_for(client, admin, order, [(line["id"], 2)], reason="not_as_described", note="too small", value_cents=4000)
    assert rma["code"].startswith("RMA-") and rma["status"] == "requested"
    assert [(l["sku"], l["qty_sent"], l["qty_expected"], l["qty_received"]) for l in rma["lines"]] == [("SKU-A", 3, 2, 0)]
    assert rma["lines"][0]["barcodes"] == ["INT-SKU-A"]
    assert (rma["reason"], rma["note"], rma["value_cents"], rma["currency"]) == ("not_as_described", "too small", 4000, "EUR")

    # 3 were sent and 2 are expected back already: a second RMA may take 1, not 2.
    refused = rma_for(client, admin, order, [(line["id"], 2)], expect=409)
    assert (refused["error"], refused["field"]) == ("more_than_sent", "lines[0].qty")
    assert "at most 1 × SKU-A" in refused["message"]
    rma_for(client, admin, order, [(line["id"], 1)])
    assert len(client.get("/api/rmas", params={"order_id": order["id"]}, headers=admin).json()) == 2


def test_bad_rma_requests_name_the_field_and_change_nothing(client, admin):
    _, order = shipped_order(client, admin)
    line_id = order["lines"][0]["id"]
    no_reason = client.post(
        f"/api/orders/{order['id']}/rmas", json={"lines": [{"order_line_id": line_id, "qty": 1}]}, headers=admin
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.text
    odd_reason = rma_for(client, admin, order, [(line_id, 1)], expect=400, reason="changed_my_mind")
    assert "reason" in odd_reason["message"] or odd_reason.get("field") == "reason"
    other = rma_for(client, admin, order, [(999999, 1)], expect=409)
    assert (other["error"], other["field"]) == ("not_on_order", "lines[0].order_line_id")
    twice = rma_for(client, admin, order, [(line_id, 1), (line_id, 1)], expect=422)
    assert twice["field"] == "lines[1]"
    # An order still in the building cannot be returned.
    fresh = client.post("/api/orders", json=order_body("WEB-9", [("SKU-B", 1)]), headers=admin).json()
    early = rma_for(client, admin, fresh, [(fresh["lines"][0]["id"], 1)], expect=409)
    assert (early["error"], early["field"]) == ("not_shipped", "order_id")
    assert client.get("/api/rmas", headers=admin).json() == []


def test_resellable_units_go_back_to_a_bin_and_feed_a_backorder(client, admin):
    packer, order = shipped_order(client, admin)
    line = order["lines"][0]
    # Every SKU-A left is reserved: a new order for 2 waits for stock.
    waiting = client.post("/api/orders", json=order_body("WEB-2", [("SKU-A", 9)]), headers=admin).json()
    assert waiting["status"] in ("backordered", "partially_allocated")
    before = sum(_stock(client, admin, "SKU-A").values())
    rma = rma_for(client, admin, order, [(line["id"], 3)])

    results = packer.push(
        packer.op("return_receive", rma=rma["code"], sku="SKU-A", qty=2, condition="resellable", location="A-05"),
        packer.op("return_receive", rma=rma["code"], sku="SKU-A", qty=1, condition="damaged"),
    )["results"]
    assert [(r["status"], r["result"]["restocked"], r["result"]["scrapped"]) for r in results] == [
        ("applied", 2, 0),
        ("applied", 0, 1),
    ]
    assert _stock(client, admin, "SKU-A")["A-05"] == 2
    assert sum(_stock(client, admin, "SKU-A").values()) == before + 2  # the damaged unit is scrapped: no stock
    now = client.get(f"/api/rmas/{rma['id']}", headers=admin).json()
    assert now["status"] == "inspected"
    assert [(l["qty_received"], l["qty_restocked"], l["qty_scrapped"]) for l in now["lines"]] == [(3, 2, 1)]
    fed = client.get(f"/api/orders/{waiting['id']}", headers=admin).json()
    assert sum(l["qty_allocated"] for l in fed["lines"]) == sum(l["qty_allocated"] for l in waiting["lines"]) + 2


def test_a_wrong_item_is_rejected_and_too_many_are_adjusted(client, admin):
    packer, order = shipped_order(client, admin)
    rma = rma_for(client, admin, order, [(order["lines"][0]["id"], 1)])
    wrong, extra, replay_check = packer.push(
        packer.op("return_receive", rma=rma["code"], sku="SKU-B", qty=1, condition="resellable", location="A-05"),
        packer.op("return_receive", rma=rma["code"], sku="SKU-A", qty=2, condition="resellable", location="A-05"),
        packer.op("return_receive", rma="RMA-NOSUCH", sku="SKU-A", qty=1, condition="damaged"),
    )["results"]
    assert (wrong["status"], wrong["code"]) == ("rejected", "not_on_rma")
    assert (extra["status"], extra["code"]) == ("adjusted", "more_than_expected")
    assert (replay_check["status"], replay_check["code"]) == ("rejected", "unknown_rma")
    assert _stock(client, admin, "SKU-B").get("A-05", 0) == 0
    assert _stock(client, admin, "SKU-A")["A-05"] == 2
    codes = [e["code"] for e in client.get("/api/exceptions", headers=admin).json()]
    assert "not_on_rma" in codes and "more_than_expected" in codes
    # More than was ever sent is refused outright: 3 went out, 2 came back, 2 more cannot.
    beyond = packer.push(packer.op("return_receive", rma=rma["code"], sku="SKU-A", qty=2, condition="damaged"))["results"][0]
    assert (beyond["status"], beyond["code"]) == ("rejected", "more_than_sent")


def test_a_replayed_receipt_is_applied_once(client, admin):
    packer, order = shipped_order(client, admin)
    rma = rma_for(client, admin, order, [(order["lines"][0]["id"], 2)])
    op = packer.op("return_receive", rma=rma["code"], sku="SKU-A", qty=1, condition="resellable", location="A-05")
    first = packer.push(op)["results"][0]
    again = packer.push(op)["results"][0]
    assert (first["status"], again["status"], again["replayed"]) == ("applied", "applied", True)
    assert _stock(client, admin, "SKU-A")["A-05"] == 1
    assert client.get(f"/api/rmas/{rma['id']}", headers=admin).json()["lines"][0]["qty_received"] == 1


def test_old_return_args_without_an_rma_still_apply(client, admin):
    packer, order = shipped_order(client, admin)
    result = packer.push(
        packer.op("return_receive", order_id=order["id"], sku="SKU-A", qty=1, condition="resellable", location="A-06")
    )["results"][0]
    assert (result["status"], result["result"]["restocked"]) == ("applied", 1)
    missing = packer.push(packer.op("return_receive", sku="SKU-A", qty=1, condition="damaged"))["results"][0]
    assert (missing["status"], missing["code"]) == ("rejected", "missing_order")


def test_refunds_add_up_to_the_rma_value_and_no_further(client, admin):
    packer, order = shipped_order(client, admin)
    rma = rma_for(client, admin, order, [(order["lines"][0]["id"], 1)], value_cents=2500)
    url = f"/api/rmas/{rma['id']}/refunds"
    early = client.post(url, json={"amount_cents": 100, "method": "cash"}, headers=admin)
    assert (early.status_code, early.json()["error"]) == (409, "nothing_received")
    packer.push(packer.op("return_receive", rma=rma["code"], sku="SKU-A", qty=1, condition="damaged"))

    part = client.post(url, json={"amount_cents": 1000, "method": "store_credit", "reference": "SC-77"}, headers=admin)
    assert part.status_code == 201, part.text
    assert (part.json()["refunded_cents"], part.json()["status"]) == (1000, "inspected")
    assert part.json()["done"].endswith("15.00 EUR left.")
    over = client.post(url, json={"amount_cents": 1501, "method": "cash"}, headers=admin)
    assert (over.status_code, over.json()["field"], over.json()["error"]) == (409, "amount_cents", "over_refund")
    other = client.post(url, json={"amount_cents": 100, "method": "cash", "currency": "USD"}, headers=admin)
    assert (other.status_code, other.json()["field"]) == (422, "currency")
    bad = client.post(url, json={"amount_cents": 0, "method": "cheque"}, headers=admin)
    assert bad.status_code == 400
    rest = client.post(
        url, json={"amount_cents": 1500, "method": "original_payment", "reference": "pi_123"}, headers=admin
    ).json()
    assert (rest["status"], rest["refunded_cents"], len(rest["refunds"])) == ("refunded", 2500, 2)
    assert [(f["method"], f["reference"]) for f in rest["refunds"]] == [("store_credit", "SC-77"), ("original_payment", "pi_123")]

    closed = client.post(f"/api/rmas/{rma['id']}/close", json={"note": "done"}, headers=admin).json()
    assert closed["status"] == "closed"
    after = packer.push(packer.op("return_receive", rma=rma["code"], sku="SKU-A", qty=1, condition="damaged"))["results"][0]
    assert (after["status"], after["code"]) == ("rejected", "rma_closed")
    assert client.get("/api/rmas", params={"status": "closed"}, headers=admin).json()[0]["code"] == rma["code"]
    assert client.get("/api/rmas", params={"status": "lost"}, headers=admin).status_code == 422


def test_only_supervisors_open_rmas_and_record_refunds(client, admin):
    packer, order = shipped_order(client, admin)
    body = {"reason": "late", "lines": [{"order_line_id": order["lines"][0]["id"], "qty": 1}]}
    assert client.post(f"/api/orders/{order['id']}/rmas", json=body, headers=packer.headers).status_code == 403
    picker = device_for(client, "pete", "picker")
    assert client.get("/api/rmas", headers=picker.headers).status_code == 403
    assert client.get("/api/rmas", headers=packer.headers).status_code == 200
    # A picker's phone may not push a return.
    rma = rma_for(client, admin, order, [(order["lines"][0]["id"], 1)])
    refused = picker.push(picker.op("return_receive", rma=rma["code"], sku="SKU-A", qty=1, condition="damaged"))["results"][0]
    assert (refused["status"], refused["code"]) == ("rejected", "forbidden_op")


def test_the_slip_carries_the_code_as_a_barcode_and_the_timeline_shows_the_return(client, admin):
    packer, order = shipped_order(client, admin)
    rma = rma_for(client, admin, order, [(order["lines"][0]["id"], 1)], value_cents=900)
    slip = client.get(f"/print/rmas/{rma['id']}/slip", headers=admin)
    assert slip.status_code == 200 and "<svg" in slip.text and rma["code"] in slip.text
    assert client.get("/print/rmas/99999/slip", headers=admin).status_code == 404
    packer.push(packer.op("return_receive", rma=rma["code"], sku="SKU-A", qty=1, condition="resellable", location="A-05"))
    client.post(f"/api/rmas/{rma['id']}/refunds", json={"amount_cents": 900, "method": "cash"}, headers=admin)
    kinds = [s["kind"] for s in client.get(f"/api/orders/{order['id']}/timeline", headers=admin).json()]
    assert kinds[-3:] == ["return_authorised", "return_received", "refunded"]


def test_the_packers_phone_pulls_open_rmas_and_lets_go_of_finished_ones(client, admin):
    packer, order = shipped_order(client, admin)
    first = packer.pull()
    assert first["rmas"] == []
    rma = rma_for(client, admin, order, [(order["lines"][0]["id"], 2)])
    delta = packer.pull(first["cursor"])
    (pulled,) = delta["rmas"]
    assert (pulled["code"], pulled["order_ref"], pulled["status"]) == (rma["code"], order["external_ref"], "requested")
    assert pulled["package_codes"][0] == "PKG-1"
    assert [(l["sku"], l["barcodes"], l["qty_expected"], l["qty_received"]) for l in pulled["lines"]] == [
        ("SKU-A", ["INT-SKU-A"], 2, 0)
    ]
    # Nothing changed: nothing sent again.
    assert packer.pull(delta["cursor"])["rmas"] == []
    packer.push(packer.op("return_receive", rma=rma["code"], sku="SKU-A", qty=1, condition="damaged"))
    partly = packer.pull(delta["cursor"])
    assert [(r["status"], r["lines"][0]["qty_received"]) for r in partly["rmas"]] == [("receiving", 1)]
    packer.push(packer.op("return_receive", rma=rma["code"], sku="SKU-A", qty=1, condition="damaged"))
    done = packer.pull(partly["cursor"])
    assert done["rmas"] == [] and {"entity": "rma", "id": rma["id"]} in done["removed"]
    assert packer.pull()["rmas"] == []  # a full snapshot no longer holds it


def test_the_kpis_count_rmas_per_order_shipped_and_units_back(client, admin):
    import datetime as dt

    packer, order = shipped_order(client, admin)
    rma = rma_for(client, admin, order, [(order["lines"][0]["id"], 2)])
    packer.push(packer.op("return_receive", rma=rma["code"], sku="SKU-A", qty=2, condition="resellable", location="A-05"))
    today = dt.datetime.now(dt.UTC).date().isoformat()
    params = {"from": today, "to": today, "bucket": "day"}
    kpis = {k["name"]: k for k in client.get("/api/kpis", params=params, headers=admin).json()["kpis"]}
    assert kpis["rma_rate"]["total"] == {
        "value": 1.0,
        "parts": {"rmas": 1, "shipped_orders": 1, "units_expected": 2, "shipped_units": 3},
        "bucket": None,
    }
    assert kpis["return_rate"]["total"]["parts"]["returned_units"] == 2
    assert kpis["return_rate"]["total"]["parts"]["returned_orders"] == 1
    csv = client.get("/api/kpis/rma_rate.csv", params=params, headers=admin)
    assert csv.status_code == 200
    assert csv.text.splitlines() == ["bucket,value,rmas,shipped_orders,units_expected,shipped_units", f"{today},1.0,1,1,2,3"]
