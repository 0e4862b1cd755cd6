"""Cycle counts and moves on the floor: a picker counts any bin ad hoc (within the count policy the
book follows at once, beyond it a supervisor approves or refuses), moves units between bins, and
every change of units in a bin is in that bin's trail (`GET /api/locations/{code}/history`); the
phone gets the catalog, the bins and the book per bin to do it offline (pull deltas)."""

from __future__ import annotations

import base64

from tests.warehouse import Warehouse, device_for, packed_order, routed_package, setup_floor, small_warehouse


def stock(client, admin, sku: str) -> dict[str, int]:
    return {r["location"]: r["on_hand"] for r in client.get(f"/api/stock?sku={sku}", headers=admin).json()}


def history(client, admin, code: str, **params) -> dict:
    response = client.get(f"/api/locations/{code}/history", params=params, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def approvals(client, admin) -> list[dict]:
    return client.get("/api/floor-tasks?kind=approve_count", headers=admin).json()


# -- ad hoc counts -----------------------------------------------------------------------------------


def test_a_picker_counts_a_bin_ad_hoc_and_a_small_difference_is_booked_at_once(client, admin):
    small_warehouse(client, admin)  # SKU-A: A-01 5, A-03 5
    pia = device_for(client, "pia", "picker")
    (result,) = pia.push(pia.op("count", location="A-01", sku="SKU-A", counted=3))["results"]
    assert (result["status"], result["result"]["difference"]) == ("applied", -2)
    assert stock(client, admin, "SKU-A")["A-01"] == 3
    # The difference is in the supervisor's queue as a discrepancy, booked; nothing waits for approval.
    codes = [e["code"] for e in client.get("/api/exceptions", headers=admin).json()]
    assert codes == ["count_difference"]
    assert approvals(client, admin) == []


def test_a_big_difference_waits_for_a_supervisor_who_approves_it(client, admin):
    small_warehouse(client, admin)
    pia = device_for(client, "pia", "picker")
    (result,) = pia.push(pia.op("count", location="A-01", sku="SKU-A", counted=40))["results"]
    assert (result["status"], result["code"]) == ("adjusted", "awaits_approval")
    assert "the book stays as it is until a supervisor approves it" in result["message"]
    assert stock(client, admin, "SKU-A")["A-01"] == 5  # not booked yet
    (task,) = approvals(client, admin)
    assert (task["location"], task["sku"], task["qty"]) == ("A-01", "SKU-A", 40)
    decided = client.post(f"/api/floor-tasks/{task['id']}/decide", json={"decision": "approve"}, headers=admin)
    assert decided.status_code == 200, decided.text
    assert decided.json()["on_hand"] == 40 and decided.json()["difference"] == 35
    assert stock(client, admin, "SKU-A")["A-01"] == 40
    # The trail shows the opening stock and the approved count, not the count that waited.
    trail = history(client, admin, "A-01")["movements"]
    assert [(m["op_type"], m["delta"], m["on_hand_after"], m["actor"]) for m in trail] == [
        ("approve_stock_change", 35, 40, "root"),
        ("adjust_stock", 5, 5, "root"),
    ]


def test_approving_a_count_corrected_below_what_orders_hold_shrinks_their_reservations(client, admin):
    """Found by the property test: the approval did not load the orders holding units in the bin, so
    booking a corrected 0 under a reservation broke the database's stock check (a 500)."""
    setup_floor(client, admin, orders=[[("SKU-A", 3)]])  # 3 × SKU-A reserved in A-01 (book 5)
    pia = device_for(client, "pip", "picker")
    (result,) = pia.push(pia.op("count", location="A-01", sku="SKU-A", counted=20))["results"]
    assert result["code"] == "awaits_approval"
    (task,) = approvals(client, admin)
    decided = client.post(f"/api/floor-tasks/{task['id']}/decide", json={"decision": "approve", "qty": 0}, headers=admin)
    assert decided.status_code == 200, decided.text
    rows = {r["location"]: (r["on_hand"], r["reserved"]) for r in client.get("/api/stock?sku=SKU-A", headers=admin).json()}
    assert rows["A-01"] == (0, 0)
    assert rows["A-03"] == (5, 3)  # the order's units are reserved from the other bin instead


def test_a_refused_count_leaves_the_book_and_the_trail_as_they_were(client, admin):
    small_warehouse(client, admin)
    pia = device_for(client, "pia", "picker")
    pia.push(pia.op("count", location="A-03", sku="SKU-A", counted=0, lot=""))
    pia.push(pia.op("count", location="A-03", sku="SKU-A", counted=90))
    (task,) = approvals(client, admin)
    refused = client.post(f"/api/floor-tasks/{task['id']}/decide", json={"decision": "refuse"}, headers=admin)
    assert refused.status_code == 200, refused.text
    assert stock(client, admin, "SKU-A")["A-03"] == 0
    assert [m["op_type"] for m in history(client, admin, "A-03")["movements"]] == ["count", "adjust_stock"]


def test_a_picker_may_not_answer_a_count_task_that_is_not_hers(client, admin):
    small_warehouse(client, admin)
    pia = device_for(client, "pia", "picker")
    device_for(client, "olli", "picker")
    queue = client.post("/api/count-tasks", json={"location": "A-01", "sku": "SKU-A"}, headers=admin).json()
    olli = client.post("/api/count-tasks", json={"location": "A-03", "sku": "SKU-A", "assignee": "olli"}, headers=admin).json()
    for task_id, code in ((queue["result"]["task_id"], "A-01"), (olli["result"]["task_id"], "A-03")):
        (result,) = pia.push(pia.op("count", location=code, sku="SKU-A", counted=5, task_id=task_id))["results"]
        assert (result["status"], result["code"]) == ("rejected", "not_your_task")
    # Ad hoc, the same count is hers to make, and it closes the supervisors' open count of that bin.
    (result,) = pia.push(pia.op("count", location="A-01", sku="SKU-A", counted=5))["results"]
    assert result["status"] == "applied"
    assert [t["location"] for t in client.get("/api/floor-tasks?kind=cycle_count", headers=admin).json()] == ["A-03"]


def test_a_counted_lot_is_booked_as_its_own_stock_row(client, admin):
    small_warehouse(client, admin)
    pia = device_for(client, "pia", "picker")
    (result,) = pia.push(pia.op("count", location="A-02", sku="SKU-B", counted=4, lot="L42"))["results"]
    assert result["status"] == "applied"
    rows = {(r["location"], r["lot"]): r["on_hand"] for r in client.get("/api/stock?sku=SKU-B", headers=admin).json()}
    assert rows == {("A-02", ""): 3, ("A-02", "L42"): 4}
    (latest, _) = history(client, admin, "A-02")["movements"]
    assert (latest["lot"], latest["delta"], latest["on_hand_after"]) == ("L42", 4, 4)


# -- moves -------------------------------------------------------------------------------------------


def test_a_picker_moves_units_between_bins_and_both_trails_show_it(client, admin):
    small_warehouse(client, admin)
    pia = device_for(client, "pia", "picker")
    (result,) = pia.push(pia.op("move", from_location="A-01", to_location="A-06", sku="SKU-A", qty=2))["results"]
    assert (result["status"], result["result"]["moved"]) == ("applied", 2)
    assert stock(client, admin, "SKU-A") == {"A-01": 3, "A-03": 5, "A-06": 2}
    source = history(client, admin, "A-01")["movements"][0]
    target = history(client, admin, "A-06")["movements"][0]
    assert (source["op_type"], source["delta"], source["on_hand_after"], source["actor"]) == ("move", -2, 3, "pia")
    assert (target["op_type"], target["delta"], target["on_hand_after"]) == ("move", 2, 2)
    assert source["ledger_id"] == target["ledger_id"]


# -- every op that changes units leaves a movement ----------------------------------------------------


def test_every_kind_of_op_that_changes_units_in_a_bin_leaves_its_movement(client, admin):
    """A table of the ops that move units — pick, short pick, receipt, count, approved count, move,
    adjustment, customer return — each once, and the movement it left (bin, delta, book after)."""
    packer, order = packed_order(client, admin, packages=(("PKG-1", 3),), seal=False)  # pia picked 3 × SKU-A from A-01
    routed_package(client, admin, packer, "PKG-1")  # shipped
    supervisor = device_for(client, "sam", "supervisor")
    pia = device_for(client, "pip", "picker")
    Warehouse(client, admin).location("R-01", 900, kind="returns")
    orders = Warehouse(client, admin).orders([[("SKU-B", 2)]], "MOVE")
    Warehouse(client, admin).release(orders, "pip")
    line = Warehouse(client, admin).read_orders(orders)[0]["lines"][0]
    steps = [
        (pia, pia.op("pick_short", order_line_id=line["id"], location="A-02", sku="SKU-B", qty_short=2, reason="damaged")),
        (supervisor, supervisor.op("receive", location="A-04", sku="SKU-C", qty=7, lot="L1")),
        (pia, pia.op("count", location="A-04", sku="SKU-C", counted=6, lot="L1")),
        (pia, pia.op("count", location="A-04", sku="SKU-C", counted=60, lot="L1")),
        (pia, pia.op("move", from_location="A-03", to_location="A-05", sku="SKU-A", qty=4)),
        (packer, packer.op("return_receive", order_id=order["id"], sku="SKU-A", qty=1, condition="resellable", location="R-01")),
    ]
    for device, op in steps:
        (result,) = device.push(op)["results"]
        assert result["status"] != "rejected", (op, result)
    (task,) = approvals(client, admin)
    assert client.post(f"/api/floor-tasks/{task['id']}/decide", json={"decision": "approve"}, headers=admin).status_code == 200
    trails = {
        code: [
            (m["op_type"], m["sku"], m["lot"], m["delta"], m["on_hand_after"])
            for m in reversed(history(client, admin, code)["movements"])
        ]
        for code in ("A-01", "A-02", "A-03", "A-04", "A-05", "R-01")
    }
    assert trails == {
        "A-01": [("adjust_stock", "SKU-A", "", 5, 5), ("pick", "SKU-A", "", -3, 2)],
        "A-02": [("adjust_stock", "SKU-B", "", 3, 3), ("pick_short", "SKU-B", "", -2, 1)],
        "A-03": [("adjust_stock", "SKU-A", "", 5, 5), ("move", "SKU-A", "", -4, 1)],
        "A-04": [
            ("receive", "SKU-C", "L1", 7, 7),
            ("count", "SKU-C", "L1", -1, 6),
            ("approve_stock_change", "SKU-C", "L1", 54, 60),
        ],
        "A-05": [("move", "SKU-A", "", 4, 4)],
        "R-01": [("return_receive", "SKU-A", "", 1, 1)],
    }


# -- a bin's trail -----------------------------------------------------------------------------------


def test_a_bins_trail_pages_back_and_bad_paging_is_a_clear_400(client, admin):
    small_warehouse(client, admin)
    pia = device_for(client, "pia", "picker")
    for counted in (4, 6, 2):
        pia.push(pia.op("count", location="A-01", sku="SKU-A", counted=counted))
    first = history(client, admin, "A-01", limit=2)
    assert [m["on_hand_after"] for m in first["movements"]] == [2, 6]
    assert first["code"] == "A-01" and first["kind"] == "bin"
    rest = history(client, admin, "A-01", limit=2, before=first["next_before"])
    assert [m["on_hand_after"] for m in rest["movements"]] == [4, 5] and rest["next_before"] is None
    assert {m["actor"] for m in first["movements"]} == {"pia"} and first["movements"][0]["status"] == "applied"
    missing = client.get("/api/locations/NOPE/history", headers=admin)
    assert missing.status_code == 404 and missing.json()["field"] == "code"
    for params in ({"limit": 0}, {"limit": 501}, {"before": 0}, {"limit": "many"}):
        bad = client.get("/api/locations/A-01/history", params=params, headers=admin)
        assert bad.status_code == 400, (params, bad.text)


# -- the catalog on the phone ------------------------------------------------------------------------


def test_the_catalog_comes_whole_on_reset_and_then_only_what_changed(client, admin):
    warehouse = small_warehouse(client, admin)
    pia = device_for(client, "pia", "picker")
    full = pia.pull()
    assert full["reset"] is True
    assert [(p["sku"], p["barcodes"], p["active"]) for p in full["catalog"]] == [
        ("SKU-A", ["INT-SKU-A"], True),
        ("SKU-B", ["INT-SKU-B"], True),
        ("SKU-C", ["INT-SKU-C"], True),
    ]
    assert [(b["code"], b["kind"]) for b in full["bins"]] == [(f"A-{n:02d}", "bin") for n in range(1, 7)]
    assert sorted((s["location"], s["sku"], s["on_hand"]) for s in full["bin_stock"]) == [
        ("A-01", "SKU-A", 5),
        ("A-02", "SKU-B", 3),
        ("A-03", "SKU-A", 5),
    ]
    quiet = pia.pull(full["cursor"])
    assert (quiet["reset"], quiet["catalog"], quiet["bins"], quiet["bin_stock"]) == (False, [], [], [])
    # A barcode (its GTIN too), a new product, a new bin and a product taken out of use: only those.
    assert client.post("/api/products/SKU-B/barcodes", json={"code": "4006381333931"}, headers=admin).status_code == 201
    warehouse.product("SKU-D", "Product D")
    warehouse.location("B-01", 70, kind="staging")
    assert client.post("/api/products/SKU-C", json={"active": False}, headers=admin).status_code == 200
    pia.push(pia.op("move", from_location="A-01", to_location="A-06", sku="SKU-A", qty=5))
    delta = pia.pull(quiet["cursor"])
    assert [(p["sku"], p["barcodes"], p["active"]) for p in delta["catalog"]] == [
        ("SKU-B", ["INT-SKU-B", "4006381333931", "04006381333931"], True),
        ("SKU-C", ["INT-SKU-C"], False),
        ("SKU-D", [], True),
    ]
    assert [(b["code"], b["kind"]) for b in delta["bins"]] == [("B-01", "staging")]
    assert sorted((s["location"], s["sku"], s["on_hand"]) for s in delta["bin_stock"]) == [
        ("A-01", "SKU-A", 0),
        ("A-06", "SKU-A", 5),
    ]
    # The packer gets the catalog too (scanning items offline), not the book per bin.
    packer = device_for(client, "paco", "packer").pull()
    assert len(packer["catalog"]) == 3 and len(packer["bins"]) == 7 and packer["bin_stock"] == []


def test_a_cursor_from_before_the_catalog_stays_valid_and_brings_the_whole_catalog(client, admin):
    small_warehouse(client, admin)
    pia = device_for(client, "pia", "picker")
    cursor = pia.pull()["cursor"]
    ledger = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(":")[-2]  # v3:<epoch>:<ledger>:<rev>
    old = base64.urlsafe_b64encode(f"v1:{ledger}".encode()).decode().rstrip("=")
    delta = pia.pull(old)
    assert delta["reset"] is False  # the tasks stay a delta …
    assert len(delta["catalog"]) == 3 and len(delta["bins"]) == 6 and len(delta["bin_stock"]) == 3  # … the catalog comes whole
    assert pia.pull(delta["cursor"])["catalog"] == []
    bad = pia.pull("djM6MTox", expect=400)  # "v3:1:1": no epoch
    assert bad["error"] == "bad_cursor"
