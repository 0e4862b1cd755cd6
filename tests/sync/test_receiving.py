"""Goods in by scan against a purchase order, on both engines: what the PO counts, what the book holds,
what a supervisor is told, what the receivers' phones pull, and FEFO picking of what came in."""

from __future__ import annotations

import pytest

from tests.warehouse import device_for, purchase_order, small_warehouse

EARLY, LATE = "2027-01-31", "2027-12-31"


def stock_rows(client, admin, sku):
    return {(r["location"], r["lot"]): r for r in client.get(f"/api/stock?sku={sku}", headers=admin).json()}


def exceptions(client, admin):
    return client.get("/api/exceptions", headers=admin).json()


def receipt(client, admin, po_id):
    response = client.get(f"/api/receipts/{po_id}", headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def received(client, admin, po_id):
    return {line["sku"]: line["qty_received"] for line in receipt(client, admin, po_id)["lines"]}


@pytest.fixture
def floor(client, admin):
    """The small warehouse (SKU-A in A-01 and A-03, SKU-B in A-02, no SKU-C), a PO for 10 × SKU-A and
    4 × SKU-C sent to the supplier, and a picker who unloads the truck."""
    small_warehouse(client, admin)
    po = purchase_order([("SKU-A", 10), ("SKU-C", 4)])
    return po, device_for(client, "rita", "picker")


def test_a_receipt_against_the_po_books_the_units_into_the_bin_and_counts_them_on_the_po(client, admin, floor):
    po, rita = floor
    body = rita.push(rita.op("receive", po=po, reference="DN-778", location="A-01", sku="SKU-A", qty=6))
    result = body["results"][0]
    assert result["status"] == "applied", result
    assert (result["result"]["po_status"], result["result"]["po_received"], result["result"]["ordered"]) == ("receiving", 6, 10)
    assert stock_rows(client, admin, "SKU-A")[("A-01", "")]["on_hand"] == 11
    assert received(client, admin, po) == {"SKU-A": 6, "SKU-C": 0}
    assert receipt(client, admin, po)["status"] == "receiving"
    # The rest arrives: every line complete, the PO is received.
    body = rita.push(
        rita.op("receive", po=po, location="A-03", sku="SKU-A", qty=4),
        rita.op("receive", po=po, location="A-04", sku="SKU-C", qty=4),
    )
    assert [r["status"] for r in body["results"]] == ["applied", "applied"]
    assert body["results"][-1]["result"]["po_status"] == "received"
    assert receipt(client, admin, po)["status"] == "received"
    assert exceptions(client, admin) == []


def test_units_received_into_a_bin_go_to_the_orders_waiting_for_them(client, admin, floor):
    from tests.warehouse import Warehouse

    po, rita = floor
    warehouse = Warehouse(client, admin)
    waiting = warehouse.order("WAIT-1", [("SKU-C", 3)])
    assert warehouse.read_orders([waiting])[0]["status"] == "backordered"
    rita.push(rita.op("receive", po=po, location="A-04", sku="SKU-C", qty=4))
    assert warehouse.read_orders([waiting])[0]["status"] == "allocated"
    assert stock_rows(client, admin, "SKU-C")[("A-04", "")]["reserved"] == 3


def test_more_than_ordered_is_booked_and_flagged_as_an_over_receipt(client, admin, floor):
    po, rita = floor
    body = rita.push(
        rita.op("receive", po=po, location="A-04", sku="SKU-C", qty=3),
        rita.op("receive", po=po, location="A-04", sku="SKU-C", qty=3),
    )
    first, second = body["results"]
    assert first["status"] == "applied"
    assert (second["status"], second["code"]) == ("adjusted", "over_receipt")
    assert "ordered 4 × SKU-C, 6 are received now (2 more than ordered)" in second["message"]
    assert stock_rows(client, admin, "SKU-C")[("A-04", "")]["on_hand"] == 6  # the physical world wins
    assert received(client, admin, po)["SKU-C"] == 6
    (exception,) = exceptions(client, admin)
    assert (exception["code"], exception["kind"]) == ("over_receipt", "conflict")


def test_an_item_not_on_the_po_is_booked_and_a_supervisor_sees_it(client, admin, floor):
    po, rita = floor
    result = rita.push(rita.op("receive", po=po, location="A-02", sku="SKU-B", qty=2))["results"][0]
    assert (result["status"], result["code"]) == ("adjusted", "not_on_po")
    assert "SKU-B is not on PO-" in result["message"]
    assert stock_rows(client, admin, "SKU-B")[("A-02", "")]["on_hand"] == 5
    assert received(client, admin, po) == {"SKU-A": 0, "SKU-C": 0}
    assert [e["code"] for e in exceptions(client, admin)] == ["not_on_po"]


def test_a_po_not_out_with_the_supplier_is_not_counted_but_the_units_are_booked(client, admin, floor):
    _, rita = floor
    draft = purchase_order([("SKU-C", 4)], status="draft")
    result = rita.push(rita.op("receive", po=draft, location="A-05", sku="SKU-C", qty=4))["results"][0]
    assert (result["status"], result["code"]) == ("adjusted", "po_not_open")
    assert stock_rows(client, admin, "SKU-C")[("A-05", "")]["on_hand"] == 4
    assert received(client, admin, draft) == {"SKU-C": 0}


def test_an_unknown_po_is_rejected_and_nothing_is_booked(client, admin, floor):
    _, rita = floor
    result = rita.push(rita.op("receive", po=999, location="A-05", sku="SKU-C", qty=4))["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "unknown_po")
    assert stock_rows(client, admin, "SKU-C") == {}


def test_closing_a_receipt_short_flags_each_missing_line_and_the_po_stays_open(client, admin, floor):
    po, rita = floor
    body = rita.push(
        rita.op("receive", po=po, location="A-01", sku="SKU-A", qty=7),
        rita.op("close_receipt", po=po, reference="DN-778"),
    )
    closed = body["results"][1]
    assert closed["status"] == "applied", closed
    assert closed["result"]["short"] == [{"sku": "SKU-A", "missing": 3}, {"sku": "SKU-C", "missing": 4}]
    flagged = sorted((e["code"], e["kind"], e["qty"]) for e in exceptions(client, admin))
    assert flagged == [("under_receipt", "receipt_discrepancy", 3), ("under_receipt", "receipt_discrepancy", 4)]
    assert all("DN-778" in e["message"] and "stays open" in e["message"] for e in exceptions(client, admin))
    assert receipt(client, admin, po)["status"] == "receiving"
    # A complete PO has nothing to flag.
    rita.push(
        rita.op("receive", po=po, location="A-01", sku="SKU-A", qty=3),
        rita.op("receive", po=po, location="A-04", sku="SKU-C", qty=4),
    )
    again = rita.push(rita.op("close_receipt", po=po))["results"][0]
    assert (again["status"], again["result"]["short"], again["result"]["po_status"]) == ("applied", [], "received")
    assert len(exceptions(client, admin)) == 2


def test_gs1_lot_and_expiry_are_kept_on_the_stock_row(client, admin, floor):
    po, rita = floor
    rita.push(rita.op("receive", po=po, location="A-04", sku="SKU-C", qty=2, lot="L-7731", expiry="2027-03-31"))
    row = stock_rows(client, admin, "SKU-C")[("A-04", "L-7731")]
    assert (row["on_hand"], row["expiry"]) == (2, "2027-03-31")
    assert receipt(client, admin, po)["lines"][1]["lot_tracked"] is True


def test_a_replayed_receipt_is_booked_once(client, admin, floor):
    po, rita = floor
    op = rita.op("receive", po=po, location="A-04", sku="SKU-C", qty=2)
    assert rita.push(op)["results"][0]["replayed"] is False
    again = rita.push(op)["results"][0]
    assert again["replayed"] is True and again["status"] == "applied"
    assert stock_rows(client, admin, "SKU-C")[("A-04", "")]["on_hand"] == 2
    assert received(client, admin, po)["SKU-C"] == 2


def test_a_big_receipt_counts_on_the_po_only_once_a_supervisor_approves_it(client, admin, floor):
    po, rita = floor
    result = rita.push(rita.op("receive", po=po, location="A-04", sku="SKU-C", qty=1_001))["results"][0]
    assert (result["status"], result["code"]) == ("adjusted", "awaits_approval")
    assert stock_rows(client, admin, "SKU-C") == {}
    # A mistyped count counts on nothing until it is decided: refused, the PO still waits for all 4.
    assert received(client, admin, po)["SKU-C"] == 0
    (task,) = [t for t in client.get("/api/floor-tasks?kind=approve_receipt", headers=admin).json()]
    r = client.post(f"/api/floor-tasks/{task['id']}/decide", json={"decision": "refuse"}, headers=admin)
    assert r.status_code == 200, r.text
    assert received(client, admin, po)["SKU-C"] == 0 and stock_rows(client, admin, "SKU-C") == {}
    # The same slip typed again, approved as corrected to what came (5): booked, and counted on the PO
    # with the one unit more than ordered flagged.
    rita.push(rita.op("receive", po=po, location="A-04", sku="SKU-C", qty=1_001))
    (task,) = [t for t in client.get("/api/floor-tasks?kind=approve_receipt", headers=admin).json() if t["status"] == "open"]
    r = client.post(f"/api/floor-tasks/{task['id']}/decide", json={"decision": "approve", "qty": 5}, headers=admin)
    assert r.status_code == 200, r.text
    assert stock_rows(client, admin, "SKU-C")[("A-04", "")]["on_hand"] == 5
    assert received(client, admin, po)["SKU-C"] == 5
    assert "over_receipt" in {e["code"] for e in exceptions(client, admin)}


@pytest.mark.parametrize("role", ["picker", "packer"])
def test_floor_staff_receive_and_close_receipts_drivers_do_not(client, admin, floor, role):
    po, _ = floor
    clerk = device_for(client, f"{role}-clerk", role)
    body = clerk.push(clerk.op("receive", po=po, location="A-04", sku="SKU-C", qty=4), clerk.op("close_receipt", po=po))
    assert [r["status"] for r in body["results"]] == ["applied", "applied"]
    driver = device_for(client, "dora", "driver")
    body = driver.push(driver.op("receive", po=po, location="A-04", sku="SKU-C", qty=4), driver.op("close_receipt", po=po))
    assert [r["code"] for r in body["results"]] == ["forbidden_op", "forbidden_op"]


def test_fefo_the_earliest_expiry_is_reserved_and_picked_first_across_bins(client, admin, floor):
    from tests.warehouse import Warehouse

    _, rita = floor
    warehouse = Warehouse(client, admin)
    warehouse.product("SKU-L", "Yoghurt", ["INT-SKU-L"])
    warehouse.location("L-01", 1)  # first on the walk …
    warehouse.location("L-02", 99)  # … and last
    body = rita.push(
        rita.op("receive", location="L-01", sku="SKU-L", qty=5, lot="LATE", expiry=LATE),
        rita.op("receive", location="L-02", sku="SKU-L", qty=2, lot="EARLY", expiry=EARLY),
    )
    assert [r["status"] for r in body["results"]] == ["applied", "applied"]
    order = warehouse.order("FEFO-1", [("SKU-L", 3)])
    rows = stock_rows(client, admin, "SKU-L")
    assert (rows[("L-02", "EARLY")]["reserved"], rows[("L-01", "LATE")]["reserved"]) == (2, 1)
    picker = device_for(client, "pia", "picker")
    warehouse.release([order], "pia")
    tasks = sorted(((t["location"], t["lot"], t["qty"]) for t in picker.pull()["tasks"]), key=lambda t: t[1])
    assert tasks == [("L-02", "EARLY", 2), ("L-01", "LATE", 1)]


# -- what the receivers' phones pull, and the REST face ---------------------------------------------


def test_pickers_and_packers_pull_the_open_pos_with_lines_barcodes_and_put_away_bins(client, admin, floor):
    po, rita = floor
    purchase_order([("SKU-B", 1)], status="draft")  # not out yet: not on the floor
    packer = device_for(client, "pat", "packer")
    for device in (rita, packer):
        body = device.pull()
        (pulled,) = body["receipts"]
        assert (pulled["id"], pulled["code"], pulled["status"], pulled["supplier_code"]) == (po, f"PO-{po:05d}", "sent", "ACME")
        a, c = pulled["lines"]
        assert (a["sku"], a["qty_ordered"], a["qty_received"], a["barcodes"], a["lot_tracked"]) == (
            "SKU-A",
            10,
            0,
            ["INT-SKU-A"],
            False,
        )
        # SKU-A goes where it already lies (nearest the start of the walk first); SKU-C, new here, to
        # the empty bin nearest the pack bench.
        assert a["put_away"] == ["A-01", "A-03"]
        assert c["put_away"] == ["A-04"]


def test_a_second_new_sku_is_sent_to_the_next_empty_bin(client, admin, floor):
    from tests.warehouse import Warehouse

    Warehouse(client, admin).product("SKU-N", "New thing", ["4006381333931"])
    po = purchase_order([("SKU-C", 1), ("SKU-N", 1)], supplier="NEWCO")
    lines = receipt(client, admin, po)["lines"]
    assert [line["put_away"] for line in lines] == [["A-04"], ["A-05"]]
    assert lines[1]["gtins"] == ["04006381333931"]


def test_the_pull_delta_carries_new_counts_and_tombstones_a_po_once_received(client, admin, floor):
    po, rita = floor
    cursor = rita.pull()["cursor"]
    rita.push(rita.op("receive", po=po, location="A-01", sku="SKU-A", qty=10))
    delta = rita.pull(cursor)
    (pulled,) = delta["receipts"]
    assert (pulled["status"], pulled["lines"][0]["qty_received"]) == ("receiving", 10)
    rita.push(rita.op("receive", po=po, location="A-04", sku="SKU-C", qty=4))
    delta = rita.pull(delta["cursor"])
    assert delta["receipts"] == []
    assert {"entity": "purchase_order", "id": po} in delta["removed"]
    assert rita.pull()["receipts"] == []  # a fresh snapshot has it no more


def test_rest_receipt_and_close_with_the_same_outcomes_as_sync(client, admin, floor):
    po, _ = floor
    r = client.post(
        f"/api/receipts/{po}/items", json={"location": "A-04", "sku": "SKU-C", "qty": 5, "reference": "DN-1"}, headers=admin
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["code"], body["receipt"]["lines"][1]["qty_received"]) == ("adjusted", "over_receipt", 5)
    r = client.post(f"/api/receipts/{po}/close", json={"reference": "DN-1"}, headers=admin)
    assert r.status_code == 200 and r.json()["result"]["short"] == [{"sku": "SKU-A", "missing": 10}]
    assert [p["id"] for p in client.get("/api/receipts", headers=admin).json()] == [po]
    # Bad input: a clear 4xx naming the field, nothing changed.
    r = client.post(f"/api/receipts/{po}/items", json={"location": "A-04", "sku": "SKU-C", "qty": 0}, headers=admin)
    assert r.status_code == 400 and "qty" in r.text
    r = client.post("/api/receipts/999/items", json={"location": "A-04", "sku": "SKU-C", "qty": 1}, headers=admin)
    assert r.status_code == 404 and r.json()["error"] == "unknown_po"
    assert client.get("/api/receipts/999", headers=admin).status_code == 404
    assert stock_rows(client, admin, "SKU-C")[("A-04", "")]["on_hand"] == 5
