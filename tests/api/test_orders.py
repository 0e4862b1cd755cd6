"""Order intake, allocation, backorders, cancellation and payment holds, through the REST API."""

from __future__ import annotations

from tests.support import order_body
from tests.warehouse import small_warehouse


def stock_of(client, headers, sku):
    return {
        (row["location"], row["lot"]): (row["on_hand"], row["reserved"])
        for row in client.get(f"/api/stock?sku={sku}", headers=headers).json()
    }


def test_intake_reserves_stock_along_the_pick_path(client, admin):
    small_warehouse(client, admin)
    r = client.post("/api/orders", json=order_body("WEB-1", [("SKU-A", 7), ("SKU-B", 2)]), headers=admin)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "allocated"
    assert [(l["sku"], l["qty"], l["qty_allocated"], l["qty_picked"], l["status"]) for l in order["lines"]] == [
        ("SKU-A", 7, 7, 0, "allocated"),
        ("SKU-B", 2, 2, 0, "allocated"),
    ]
    # A-01 comes first on the walk, so it is emptied before A-03 is touched.
    assert stock_of(client, admin, "SKU-A") == {("A-01", ""): (5, 5), ("A-03", ""): (5, 2)}
    assert [e["status"] for e in order["timeline"]] == ["new", "allocated"]


def test_intake_is_idempotent_on_channel_and_external_ref(client, admin):
    small_warehouse(client, admin)
    first = client.post("/api/orders", json=order_body("WEB-2", [("SKU-A", 2)]), headers=admin)
    again = client.post("/api/orders", json=order_body("WEB-2", [("SKU-A", 2)]), headers=admin)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert stock_of(client, admin, "SKU-A")[("A-01", "")] == (5, 2)


def test_lines_that_cannot_be_covered_are_backordered_and_fed_when_stock_arrives(client, admin):
    small_warehouse(client, admin)
    order = client.post("/api/orders", json=order_body("WEB-3", [("SKU-B", 5), ("SKU-C", 1)]), headers=admin).json()
    assert order["status"] == "partially_allocated"
    assert [(l["qty_allocated"], l["status"]) for l in order["lines"]] == [(3, "partially_allocated"), (0, "backordered")]
    r = client.post(
        "/api/stock/adjustments", json={"location": "A-05", "sku": "SKU-C", "qty_delta": 4, "reason": "received"}, headers=admin
    )
    assert r.status_code == 201
    r = client.post(
        "/api/stock/adjustments", json={"location": "A-06", "sku": "SKU-B", "qty_delta": 2, "reason": "received"}, headers=admin
    )
    order = client.get(f"/api/orders/{order['id']}", headers=admin).json()
    assert order["status"] == "allocated"
    assert [e["status"] for e in order["timeline"]][-1] == "allocated"


def test_cancel_releases_reservations_to_waiting_orders(client, admin):
    small_warehouse(client, admin)
    first = client.post("/api/orders", json=order_body("WEB-4", [("SKU-B", 3)]), headers=admin).json()
    second = client.post("/api/orders", json=order_body("WEB-5", [("SKU-B", 2)]), headers=admin).json()
    assert second["status"] == "backordered"
    r = client.post(f"/api/orders/{first['id']}/cancel", json={"reason": "customer changed their mind"}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert client.get(f"/api/orders/{second['id']}", headers=admin).json()["status"] == "allocated"
    assert stock_of(client, admin, "SKU-B") == {("A-02", ""): (3, 2)}
    again = client.post(f"/api/orders/{first['id']}/cancel", headers=admin)
    assert again.status_code == 409 and again.json()["error"] == "illegal_transition"


def test_pending_payment_holds_the_order_until_paid(client, admin):
    small_warehouse(client, admin)
    order = client.post("/api/orders", json=order_body("WEB-6", [("SKU-A", 1)], payment_status="pending"), headers=admin).json()
    assert (order["status"], order["payment_status"], order["lines"][0]["qty_allocated"]) == ("on_hold", "pending", 0)
    paid = client.post(f"/api/orders/{order['id']}/pay", headers=admin).json()
    assert (paid["status"], paid["payment_status"], paid["lines"][0]["qty_allocated"]) == ("allocated", "paid", 1)


def test_wave_release_sorts_tasks_by_pick_path_and_only_takes_allocated_orders(client, admin):
    from tests.support import create_user

    create_user("pia", "picker")
    small_warehouse(client, admin)
    a = client.post("/api/orders", json=order_body("W-1", [("SKU-A", 7)]), headers=admin).json()
    b = client.post("/api/orders", json=order_body("W-2", [("SKU-B", 1)]), headers=admin).json()
    c = client.post("/api/orders", json=order_body("W-3", [("SKU-C", 1)]), headers=admin).json()
    refused = client.post("/api/waves", json={"order_ids": [a["id"], c["id"]], "picker": "pia"}, headers=admin)
    assert refused.status_code == 409 and refused.json()["field"] == "order_ids[1]"
    r = client.post("/api/waves", json={"order_ids": [a["id"], b["id"]], "picker": "pia"}, headers=admin)
    assert r.status_code == 201, r.text
    tasks = r.json()["tasks"]
    assert [(t["location"], t["sku"], t["qty"], t["seq"]) for t in tasks] == [
        ("A-01", "SKU-A", 5, 1),
        ("A-02", "SKU-B", 1, 2),
        ("A-03", "SKU-A", 2, 3),
    ]
    assert client.get(f"/api/orders/{a['id']}", headers=admin).json()["status"] == "released"
    # A released order cannot be released twice.
    assert client.post("/api/waves", json={"order_ids": [a["id"]], "picker": "pia"}, headers=admin).status_code == 409
