"""The push contract: outcomes, replays, gaps, limits (docs/sync-protocol.md)."""

from __future__ import annotations

from tests.warehouse import setup_floor


def stock(client, admin, sku):
    return {r["location"]: (r["on_hand"], r["reserved"]) for r in client.get(f"/api/stock?sku={sku}", headers=admin).json()}


def test_a_pick_moves_units_from_the_bin_to_the_line(client, admin):
    picker, orders = setup_floor(client, admin)
    line = orders[0]["lines"][0]
    body = picker.push(picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=3))
    assert body["acked_through"] == 1
    assert body["results"] == [
        {
            "seq": 1,
            "status": "applied",
            "code": None,
            "message": None,
            "replayed": False,
            "result": {"picked": 3, "put_away": 0, "line_qty_picked": 3},
        }
    ]
    assert stock(client, admin, "SKU-A")["A-01"] == (2, 0)
    order = client.get(f"/api/orders/{orders[0]['id']}", headers=admin).json()
    assert order["lines"][0]["qty_picked"] == 3 and order["status"] == "picked"
    assert [e["status"] for e in order["timeline"]][-2:] == ["picking", "picked"]


def test_replays_return_the_stored_result_and_apply_nothing(client, admin):
    picker, orders = setup_floor(client, admin)
    line = orders[0]["lines"][0]
    op = picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=1)
    first = picker.push(op)
    again = picker.push(op)
    assert again["results"][0] == {**first["results"][0], "replayed": True}
    assert stock(client, admin, "SKU-A")["A-01"] == (4, 2)


def test_a_gap_is_refused_with_the_expected_seq(client, admin):
    picker, orders = setup_floor(client, admin)
    line = orders[0]["lines"][0]
    picker.next_seq = 3
    body = picker.push(picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=1), expect=409)
    assert body["expected_seq"] == 1
    assert stock(client, admin, "SKU-A")["A-01"] == (5, 3)


def test_unknown_type_version_and_malformed_args_are_rejected_once_without_blocking(client, admin):
    picker, orders = setup_floor(client, admin)
    line = orders[0]["lines"][0]
    body = picker.push(
        {"seq": 1, "type": "teleport", "version": 1, "args": {}},
        {"seq": 2, "type": "pick", "version": 9, "args": {}},
        {"seq": 3, "type": "pick", "version": 1, "args": {"order_line_id": line["id"], "qty": "two"}},
        picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=1) | {"seq": 4},
    )
    assert [(r["status"], r["code"]) for r in body["results"]] == [
        ("rejected", "unknown_op_type"),
        ("rejected", "unsupported_version"),
        ("rejected", "malformed_args"),
        ("applied", None),
    ]
    assert body["acked_through"] == 4


def test_too_many_ops_is_413(client, admin):
    picker, orders = setup_floor(client, admin)
    limits = client.get("/api/sync/limits", headers=picker.headers).json()
    ops = [{"seq": n, "type": "pick", "version": 1, "args": {}} for n in range(1, limits["max_ops"] + 2)]
    response = client.post("/api/sync/push", json={"device_id": picker.device_id, "ops": ops}, headers=picker.headers)
    assert response.status_code == 413


def test_pull_gives_the_pickers_tasks_and_then_only_what_changed(client, admin):
    picker, orders = setup_floor(client, admin)
    snapshot = picker.pull()
    assert snapshot["reset"] is True
    assert [(t["location"], t["sku"], t["qty"]) for t in snapshot["tasks"]] == [("A-01", "SKU-A", 3), ("A-02", "SKU-B", 2)]
    assert "INT-SKU-A" in snapshot["tasks"][0]["barcodes"]
    line = orders[0]["lines"][0]
    picker.push(picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=3))
    delta = picker.pull(snapshot["cursor"])
    assert delta["reset"] is False
    assert delta["tasks"] == [] and delta["removed"] == [{"entity": "pick_task", "id": snapshot["tasks"][0]["id"]}]
    assert delta["cursor"] != snapshot["cursor"]
    assert picker.pull(delta["cursor"])["removed"] == []


def test_an_op_with_a_nul_in_its_args_is_rejected_alone(client, admin):
    picker, orders = setup_floor(client, admin)
    line = orders[0]["lines"][0]
    body = picker.push(
        {"seq": 1, "type": "pick\u0000", "version": 1, "args": {}},
        {
            "seq": 2,
            "type": "pick",
            "version": 1,
            "args": {"order_line_id": line["id"], "location": "A-01\u0000", "sku": "SKU-A", "qty": 1},
        },
        picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=1) | {"seq": 3},
    )
    assert [(r["status"], r["code"]) for r in body["results"]] == [
        ("rejected", "unknown_op_type"),
        ("rejected", "malformed_args"),
        ("applied", None),
    ]
