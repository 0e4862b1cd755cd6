"""Drop-ship: a line the supplier ships to the customer becomes a drop-ship purchase order, never a
pick; the supplier's tracking number closes it and ships the line (and the order, once nothing else
of it is in the building); cancelling the order takes the purchase order with it, or flags it when
the supplier already has it. Invariants (G4) hold throughout."""

from __future__ import annotations

from tests.support import order_body
from tests.warehouse import api_get as get
from tests.warehouse import api_post as post
from tests.warehouse import buying_warehouse, device_for, invariants_hold, pack_order, pick_everything, seal


def drop_ship_po(client, admin, order) -> dict:
    (po,) = [p for p in get(client, admin, "/api/purchase-orders?kind=drop_ship") if p["sales_order"] == order["id"]]
    return po


def sent(client, admin, po) -> dict:
    post(client, admin, f"/api/purchase-orders/{po['id']}/approve")
    return post(client, admin, f"/api/purchase-orders/{po['id']}/send")


def tracking(client, admin, po, number="1Z999AA10123456784", carrier="UPS", expect=200) -> dict:
    return post(
        client, admin, f"/api/purchase-orders/{po['id']}/tracking", {"carrier": carrier, "tracking_number": number}, expect
    )


def test_a_drop_ship_line_becomes_a_purchase_order_to_its_supplier_not_a_pick(client, admin):
    warehouse = buying_warehouse(client, admin)
    order = warehouse.order("WEB-1", [("SKU-A", 1), ("SKU-D", 2)])
    assert order["status"] == "allocated"  # the warehouse's own line is covered; the drop-ship waits for nobody
    lines = {l["sku"]: (l["status"], l["drop_ship"], l["qty_allocated"]) for l in order["lines"]}
    assert lines == {"SKU-A": ("allocated", False, 1), "SKU-D": ("drop_ship", True, 0)}
    po = drop_ship_po(client, admin, order)
    assert (po["kind"], po["status"], po["supplier"], po["order_ref"]) == ("drop_ship", "draft", "BOLT", "WEB-1")
    assert [(l["sku"], l["qty_ordered"], l["order_line"]) for l in po["lines"]] == [("SKU-D", 2, order["lines"][1]["id"])]
    assert po["ship_to"] == "Test Customer, 1 Dock Road, LS1 1AA Leeds, GB"
    # Released to a picker, only SKU-A becomes a pick task.
    picker = device_for(client, "pia", "picker")
    warehouse.release([order], "pia")
    assert [t["sku"] for t in picker.pull()["tasks"]] == ["SKU-A"]
    # The drop-ship is not a backorder: nothing proposed for it.
    proposed = get(client, admin, "/api/purchase-orders/proposals")["proposals"]
    assert "SKU-D" not in [l["sku"] for p in proposed for l in p["lines"]]
    # The order's detail names the purchase order that ships the line.
    detail = get(client, admin, f"/api/orders/{order['id']}")
    assert detail["lines"][1]["incoming"] == [{"qty": 2, "purchase_order": po["code"], "expected_at": None}]
    invariants_hold()


def test_the_line_can_say_otherwise_than_the_product(client, admin):
    warehouse = buying_warehouse(client, admin)
    lines = [{"sku": "SKU-D", "qty": 1, "drop_ship": False}, {"sku": "SKU-B", "qty": 1, "drop_ship": True}]
    order = post(client, admin, "/api/orders", order_body("WEB-1", []) | {"lines": lines}, 201)
    assert {l["sku"]: (l["status"], l["drop_ship"]) for l in order["lines"]} == {
        "SKU-D": ("backordered", False),
        "SKU-B": ("drop_ship", True),
    }
    assert drop_ship_po(client, admin, order)["supplier"] == "ACME"
    warehouse.product("SKU-N", "No supplier")
    body = order_body("WEB-2", []) | {"lines": [{"sku": "SKU-N", "qty": 1, "drop_ship": True}]}
    refused = post(client, admin, "/api/orders", body, 422)
    assert (refused["error"], refused["field"]) == ("no_supplier", "lines[0].drop_ship")


def test_an_order_of_drop_ships_only_never_enters_a_wave_and_ships_with_the_tracking_number(client, admin):
    warehouse = buying_warehouse(client, admin)
    order = warehouse.order("WEB-1", [("SKU-D", 2)])
    assert order["status"] == "awaiting_supplier"
    device_for(client, "pia", "picker")
    refused = client.post("/api/waves", json={"order_ids": [order["id"]], "picker": "pia"}, headers=admin)
    assert (refused.status_code, refused.json()["error"]) == (409, "not_allocated")
    assert order["id"] not in [o["id"] for o in get(client, admin, "/api/waves/candidates")]

    po = drop_ship_po(client, admin, order)
    draft = tracking(client, admin, po, expect=409)
    assert (draft["error"], draft["field"]) == ("illegal_po_transition", "po_id")
    sent(client, admin, po)
    bad = client.post(f"/api/purchase-orders/{po['id']}/tracking", json={"carrier": "UPS", "tracking_number": " "}, headers=admin)
    assert (bad.status_code, bad.json()["field"]) == (400, "tracking_number")

    closed = tracking(client, admin, po)
    assert (closed["status"], closed["tracking_number"]) == ("closed", "1Z999AA10123456784")
    assert closed["done"] == f"{po['code']} closed: Bolt & Co shipped order WEB-1 with UPS, tracking 1Z999AA10123456784."
    now = get(client, admin, f"/api/orders/{order['id']}")
    assert (now["status"], now["lines"][0]["status"]) == ("shipped", "shipped")
    steps = get(client, admin, f"/api/orders/{order['id']}/timeline")
    labels = [s["label"] for s in steps]
    assert labels[0] == "Order received" and "Shipped" in labels
    assert f"Shipped by Bolt & Co with UPS, tracking 1Z999AA10123456784 ({po['code']})" in labels
    assert f"Drop-ship {po['code']} to Bolt & Co: 2 × SKU-D" in labels
    assert "Waiting for the supplier to ship it" in labels
    # Entering it again changes nothing; a stock purchase order takes no tracking number.
    assert tracking(client, admin, po)["status"] == "closed"
    stock_po = post(client, admin, "/api/purchase-orders", {"supplier": "BOLT", "lines": [{"sku": "SKU-C", "qty": 1}]}, 201)
    assert tracking(client, admin, stock_po, expect=422)["error"] == "not_drop_ship"
    invariants_hold()


def test_a_mixed_order_is_shipped_when_its_package_and_the_supplier_both_shipped(client, admin):
    warehouse = buying_warehouse(client, admin)
    order = warehouse.order("WEB-1", [("SKU-A", 1), ("SKU-D", 1)])
    picker = device_for(client, "pia", "picker")
    packer = device_for(client, "paco", "packer")
    warehouse.release([order], "pia")
    pick_everything(picker)
    (picked,) = warehouse.read_orders([order])
    assert picked["status"] == "picked"  # the drop-ship line is not waited for on the floor
    pack_order(packer, {**picked, "lines": [picked["lines"][0]]}, "PKG-1")
    seal(packer, "PKG-1")
    assert warehouse.read_orders([order])[0]["status"] == "packed"
    shipped = packer.push(packer.op("ship", package="PKG-1", carrier="dhl"))["results"][0]
    assert shipped["status"] == "applied", shipped
    # Its own package left; the supplier has not shipped yet: still packed.
    assert warehouse.read_orders([order])[0]["status"] == "packed"
    po = drop_ship_po(client, admin, order)
    sent(client, admin, po)
    tracking(client, admin, po)
    assert warehouse.read_orders([order])[0]["status"] == "shipped"
    invariants_hold()


def test_paying_a_pending_order_makes_its_drop_ship_purchase_order(client, admin):
    warehouse = buying_warehouse(client, admin)
    order = warehouse.order("WEB-1", [("SKU-D", 1)], payment_status="pending")
    assert order["status"] == "on_hold"
    assert get(client, admin, "/api/purchase-orders") == []  # nothing bought for an unpaid order
    paid = post(client, admin, f"/api/orders/{order['id']}/pay")
    assert paid["status"] == "awaiting_supplier"
    assert drop_ship_po(client, admin, order)["status"] == "draft"


def test_cancelling_the_order_cancels_its_drop_ship_or_flags_one_already_sent(client, admin):
    warehouse = buying_warehouse(client, admin)
    drafted = warehouse.order("WEB-1", [("SKU-D", 1), ("SKU-A", 2)])
    po = drop_ship_po(client, admin, drafted)
    refused = post(client, admin, f"/api/purchase-orders/{po['id']}/cancel", expect=409)
    assert (refused["error"], refused["field"]) == ("drop_ship_order_live", "po_id")
    post(client, admin, f"/api/orders/{drafted['id']}/cancel", {"reason": "customer changed mind"})
    assert get(client, admin, f"/api/purchase-orders/{po['id']}")["status"] == "cancelled"
    steps = [s["label"] for s in get(client, admin, f"/api/orders/{drafted['id']}/timeline")]
    assert f"{po['code']} to Bolt & Co cancelled" in steps

    gone = warehouse.order("WEB-2", [("SKU-D", 3)])
    po2 = sent(client, admin, drop_ship_po(client, admin, gone))
    post(client, admin, f"/api/orders/{gone['id']}/cancel", {"reason": "fraud"})
    assert get(client, admin, f"/api/purchase-orders/{po2['id']}")["status"] == "sent"  # the supplier has it
    flagged = [e for e in get(client, admin, "/api/exceptions") if e["code"] == "drop_ship_already_sent"]
    assert len(flagged) == 1 and po2["code"] in flagged[0]["message"] and "WEB-2" in flagged[0]["message"]
    # The supervisor called the supplier: the purchase order of a cancelled order may now be cancelled.
    assert (
        post(client, admin, f"/api/purchase-orders/{po2['id']}/cancel", {"reason": "stopped by phone"})["status"] == "cancelled"
    )
    invariants_hold()


def test_a_supplier_shipping_for_a_cancelled_order_is_recorded_and_flagged(client, admin):
    warehouse = buying_warehouse(client, admin)
    order = warehouse.order("WEB-1", [("SKU-D", 1)])
    po = sent(client, admin, drop_ship_po(client, admin, order))
    post(client, admin, f"/api/orders/{order['id']}/cancel")
    closed = tracking(client, admin, po, number="TRK-1")
    assert closed["status"] == "closed" and "arrange a return" in closed["done"]
    assert get(client, admin, f"/api/orders/{order['id']}")["status"] == "cancelled"
    assert any(e["code"] == "order_cancelled" for e in get(client, admin, "/api/exceptions"))
    invariants_hold()
