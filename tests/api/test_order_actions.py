"""The supervisor's order detail and its actions: hold with a reason, release the hold, mark paid,
cancel — each answers with the order as it now is and, in `done`, what it did; and the refusals."""

from __future__ import annotations

from tests.support import create_user, login, order_body
from tests.warehouse import Warehouse, small_warehouse


def order(client, admin, ref, lines, **extra) -> dict:
    response = client.post("/api/orders", json=order_body(ref, lines, **extra), headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


def act(client, admin, order_id, action, body=None, expect=200) -> dict:
    response = client.post(f"/api/orders/{order_id}/{action}", json=body, headers=admin)
    assert response.status_code == expect, response.text
    return response.json()


def test_the_detail_shows_where_the_stock_is_held_and_packages(client, admin):
    small_warehouse(client, admin)
    made = order(client, admin, "WEB-1", [("SKU-A", 7), ("SKU-B", 2)], promised_at="2026-12-01T09:00:00Z")
    detail = client.get(f"/api/orders/{made['id']}", headers=admin).json()
    assert [(l["sku"], [(a["location"], a["qty"]) for a in l["allocation"]], l["totes"]) for l in detail["lines"]] == [
        ("SKU-A", [("A-01", 5), ("A-03", 2)], []),
        ("SKU-B", [("A-02", 2)], []),
    ]
    assert detail["promised_at"].startswith("2026-12-01T09:00:00")
    assert (detail["hold"], detail["hold_reason"], detail["packages"], detail["done"]) == (None, "", [], "")


def test_hold_frees_the_stock_and_release_hold_reserves_it_again(client, admin):
    small_warehouse(client, admin)
    made = order(client, admin, "WEB-1", [("SKU-B", 2)])
    waiting = order(client, admin, "WEB-2", [("SKU-B", 3)])
    assert waiting["status"] == "partially_allocated"

    held = act(client, admin, made["id"], "hold", {"reason": "address check"})
    assert (held["status"], held["hold"], held["hold_reason"]) == ("on_hold", "supervisor", "address check")
    assert held["done"] == "Order WEB-1 is on hold (address check). 2 units went back to stock."
    assert held["lines"][0]["allocation"] == []
    # The units went to the order waiting for them.
    assert client.get(f"/api/orders/{waiting['id']}", headers=admin).json()["status"] == "allocated"
    assert (held["timeline"][-1]["status"], held["timeline"][-1]["note"]) == ("on_hold", "address check")
    steps = client.get(f"/api/orders/{made['id']}/timeline", headers=admin).json()
    assert steps[-1]["kind"] == "on_hold"

    released = act(client, admin, made["id"], "release-hold")
    assert (released["status"], released["hold"]) == ("backordered", None)
    assert released["done"] == "Hold released; order WEB-1 is waiting for stock (0 units reserved)."
    assert released["timeline"][-1]["note"] == "hold released"


def test_hold_is_refused_once_the_order_is_on_the_floor(client, admin):
    small_warehouse(client, admin)
    made = order(client, admin, "WEB-1", [("SKU-A", 1)])
    create_user("pia", "picker")
    Warehouse(client, admin).release([made], "pia")
    body = act(client, admin, made["id"], "hold", {"reason": "too late"}, expect=409)
    assert (body["error"], body["field"]) == ("cannot_hold", "order_id")
    assert "released" in body["message"] and "cancel" in body["message"]


def test_a_payment_hold_is_released_only_by_paying(client, admin):
    small_warehouse(client, admin)
    unpaid = order(client, admin, "WEB-9", [("SKU-A", 2)], payment_status="pending")
    assert (unpaid["status"], unpaid["hold"], unpaid["hold_reason"]) == ("on_hold", "payment", "waiting for payment")
    body = act(client, admin, unpaid["id"], "release-hold", expect=409)
    assert body["error"] == "payment_pending"
    body = act(client, admin, unpaid["id"], "hold", {"reason": "fraud check"}, expect=409)
    assert body["error"] == "already_on_hold"
    paid = act(client, admin, unpaid["id"], "pay")
    assert (paid["status"], paid["payment_status"]) == ("allocated", "paid")
    assert paid["done"] == "Payment recorded; order WEB-9 is reserved and ready to release."
    assert act(client, admin, unpaid["id"], "pay")["done"] == "Order WEB-9 was already paid; nothing changed."


def test_paying_does_not_lift_a_supervisors_hold(client, admin):
    small_warehouse(client, admin)
    made = order(client, admin, "WEB-1", [("SKU-A", 1)])
    act(client, admin, made["id"], "hold", {"reason": "fraud check"})
    paid = act(client, admin, made["id"], "pay")
    assert (paid["status"], paid["done"]) == ("on_hold", "Order WEB-1 was already paid; nothing changed.")


def test_cancel_answers_what_it_did(client, admin):
    small_warehouse(client, admin)
    made = order(client, admin, "WEB-1", [("SKU-A", 1)])
    act(client, admin, made["id"], "hold", {"reason": "customer asked to wait"})
    cancelled = act(client, admin, made["id"], "cancel", {"reason": "customer gave up"})
    assert cancelled["status"] == "cancelled"
    assert cancelled["done"] == "Order WEB-1 cancelled; its reserved stock is free again."
    again = act(client, admin, made["id"], "cancel", {}, expect=409)
    assert again["error"] == "illegal_transition"
    assert act(client, admin, made["id"], "release-hold", expect=409)["error"] == "not_on_hold"


def test_bad_hold_requests_name_the_field(client, admin):
    small_warehouse(client, admin)
    made = order(client, admin, "WEB-1", [("SKU-A", 1)])
    for body in ({}, {"reason": ""}, {"reason": "x" * 501}, {"reason": "ok", "extra": 1}):
        response = client.post(f"/api/orders/{made['id']}/hold", json=body, headers=admin)
        assert response.status_code == 400, (body, response.text)
        data = response.json()
        assert {"reason", "extra"} & {data.get("field"), *[e.get("field") for e in data.get("errors", [])]}, data
    assert act(client, admin, 999, "hold", {"reason": "x"}, expect=404)["field"] == "order_id"
    assert act(client, admin, 999, "release-hold", expect=404)["field"] == "order_id"
    assert client.get(f"/api/orders/{made['id']}", headers=admin).json()["status"] == "allocated"


def test_a_packer_reads_orders_but_cannot_hold_them(client, admin):
    small_warehouse(client, admin)
    made = order(client, admin, "WEB-1", [("SKU-A", 1)])
    packer = login(client, "paco", create_user("paco", "packer"))
    assert client.post(f"/api/orders/{made['id']}/hold", json={"reason": "x"}, headers=packer).status_code == 403
    assert client.post(f"/api/orders/{made['id']}/release-hold", headers=packer).status_code == 403
