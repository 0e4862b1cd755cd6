"""Golden tests: one per row of the conflict table (docs/sync-protocol.md), with the exact outcome, code and follow-up."""

from __future__ import annotations

from tests.support import create_user, login
from tests.warehouse import device_for, routed_package, setup_floor


def stock(client, admin, sku):
    return {r["location"]: (r["on_hand"], r["reserved"]) for r in client.get(f"/api/stock?sku={sku}", headers=admin).json()}


def order(client, admin, order_id):
    return client.get(f"/api/orders/{order_id}", headers=admin).json()


def exceptions(client, admin):
    return client.get("/api/exceptions", headers=admin).json()


def floor_tasks(client, admin, kind):
    return client.get(f"/api/floor-tasks?kind={kind}", headers=admin).json()


def pick(device, line, location, sku, qty, **extra):
    return device.push(device.op("pick", order_line_id=line["id"], location=location, sku=sku, qty=qty, **extra))["results"][0]


def test_pick_for_an_open_line_with_stock_is_applied(client, admin):
    picker, orders = setup_floor(client, admin)
    result = pick(picker, orders[0]["lines"][0], "A-01", "SKU-A", 2)
    assert (result["status"], result["code"]) == ("applied", None)
    assert stock(client, admin, "SKU-A")["A-01"] == (3, 1)
    assert order(client, admin, orders[0]["id"])["lines"][0]["qty_picked"] == 2
    assert exceptions(client, admin) == []


def test_picking_more_than_the_line_needs_fills_it_and_sends_the_surplus_to_put_away(client, admin):
    picker, orders = setup_floor(client, admin)
    line = orders[0]["lines"][0]  # 3 × SKU-A
    assert pick(picker, line, "A-01", "SKU-A", 2)["status"] == "applied"
    result = pick(picker, line, "A-01", "SKU-A", 3, tote="T-7")  # a re-scan: 3 more into the tote
    assert (result["status"], result["code"]) == ("adjusted", "over_pick")
    assert "put the other 2" in result["message"]
    assert order(client, admin, orders[0]["id"])["lines"][0]["qty_picked"] == 3
    (task,) = floor_tasks(client, admin, "put_away")
    assert (task["sku"], task["qty"], task["tote"]) == ("SKU-A", 2, "T-7")
    assert stock(client, admin, "SKU-A")["A-01"] == (0, 0)  # 5 units left the bin: 3 for the line, 2 in the tote
    assert [e["code"] for e in exceptions(client, admin)] == ["over_pick"]


def test_picking_more_than_the_book_holds_zeroes_the_book_records_a_discrepancy_and_orders_a_count(client, admin):
    picker, orders = setup_floor(client, admin, orders=[[("SKU-B", 5)]], stock={"SKU-B": [("A-02", 3), ("A-06", 2)]})
    line = orders[0]["lines"][0]  # 5 wanted: 3 reserved in A-02, 2 in A-06
    result = pick(picker, line, "A-02", "SKU-B", 4)  # but A-02 really held 4
    assert (result["status"], result["code"]) == ("adjusted", "stock_discrepancy")
    assert "cycle count of A-02" in result["message"]
    # The book never goes negative; the line now needs only 1 more, so A-06 keeps 1 of its 2 reserved.
    assert stock(client, admin, "SKU-B") == {"A-02": (0, 0), "A-06": (2, 1)}
    assert order(client, admin, orders[0]["id"])["lines"][0]["qty_picked"] == 4
    (count,) = floor_tasks(client, admin, "cycle_count")
    assert (count["location"], count["sku"], count["qty"]) == ("A-02", "SKU-B", 1)
    assert exceptions(client, admin)[0]["code"] == "stock_discrepancy"


def test_a_pick_for_an_order_cancelled_while_offline_goes_to_put_away_and_the_order_stays_cancelled(client, admin):
    picker, orders = setup_floor(client, admin)
    assert client.post(f"/api/orders/{orders[0]['id']}/cancel", json={"reason": "customer"}, headers=admin).status_code == 200
    result = pick(picker, orders[0]["lines"][0], "A-01", "SKU-A", 3, tote="T-1")
    assert (result["status"], result["code"]) == ("adjusted", "order_cancelled")
    assert "put 3 × SKU-A back" in result["message"]
    assert order(client, admin, orders[0]["id"])["status"] == "cancelled"
    (task,) = floor_tasks(client, admin, "put_away")
    assert (task["qty"], task["tote"], task["order_id"]) == (3, "T-1", orders[0]["id"])
    assert stock(client, admin, "SKU-A")["A-01"] == (2, 0)


def _packed_order(client, admin):
    picker, orders = setup_floor(client, admin)
    line = orders[0]["lines"][0]
    pick(picker, line, "A-01", "SKU-A", 3)
    packer = device_for(client, "paco", "packer")
    result = packer.push(packer.op("pack", order_line_id=line["id"], sku="SKU-A", qty=3, package="PKG-1"))["results"][0]
    assert result["status"] == "applied", result
    assert order(client, admin, orders[0]["id"])["status"] == "packed"
    return packer, orders, line


def test_packing_what_was_not_picked_or_is_already_packed_is_rejected_for_review(client, admin):
    packer, orders, line = _packed_order(client, admin)
    again = packer.push(packer.op("pack", order_line_id=line["id"], sku="SKU-A", qty=1, package="PKG-2"))["results"][0]
    assert (again["status"], again["code"]) == ("rejected", "already_packed")
    not_picked = orders[1]["lines"][0]
    result = packer.push(packer.op("pack", order_line_id=not_picked["id"], sku="SKU-B", qty=1, package="PKG-3"))["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "not_picked")
    assert [e["code"] for e in exceptions(client, admin)] == ["not_picked", "already_packed"]


def test_shipping_a_package_of_a_cancelled_order_is_rejected_with_an_unpack_task(client, admin):
    packer, orders, _ = _packed_order(client, admin)
    assert client.post(f"/api/orders/{orders[0]['id']}/cancel", headers=admin).status_code == 200
    result = packer.push(packer.op("ship", package="PKG-1"))["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "order_cancelled")
    (task,) = floor_tasks(client, admin, "unpack")
    assert task["package"] == "PKG-1"


def _delivered(client, admin):
    packer, orders, _ = _packed_order(client, admin)
    # Sealed, planned on dan's route and loaded into his van: only then is it his to deliver.
    driver, _ = routed_package(client, admin, packer, "PKG-1")
    assert [p["code"] for p in driver.pull()["packages"]] == ["PKG-1"]
    first = driver.push(driver.op("deliver", package="PKG-1", recipient="Ann Lee", signature="sig-1"))["results"][0]
    assert first["status"] == "applied"
    assert order(client, admin, orders[0]["id"])["status"] == "delivered"
    return driver, orders


def test_a_second_identical_delivery_is_a_no_op_and_a_different_one_is_rejected_and_kept(client, admin):
    driver, orders = _delivered(client, admin)
    same = driver.push(driver.op("deliver", package="PKG-1", recipient="ann lee", signature="sig-1"))["results"][0]
    assert (same["status"], same["result"]["duplicate"]) == ("applied", True)
    other = driver.push(driver.op("deliver", package="PKG-1", recipient="Bob Neighbour", signature="sig-2"))["results"][0]
    assert (other["status"], other["code"]) == ("rejected", "conflicting_delivery")
    assert "kept as evidence" in other["message"]
    assert order(client, admin, orders[0]["id"])["status"] == "delivered"


def test_a_failed_attempt_after_a_confirmed_delivery_is_rejected_and_kept(client, admin):
    driver, orders = _delivered(client, admin)
    result = driver.push(driver.op("deliver_failed", package="PKG-1", reason="not_home"))["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "already_delivered")
    assert "kept as evidence" in result["message"]


def test_a_pick_on_a_task_reassigned_while_offline_stands_and_the_exception_names_both_people(client, admin):
    picker, orders = setup_floor(client, admin)
    create_user("pete", "picker")
    task = picker.pull()["tasks"][0]
    supervisor = login(client, "sue", create_user("sue", "supervisor"))
    assert client.post(f"/api/tasks/{task['id']}/reassign", json={"picker": "pete"}, headers=supervisor).status_code == 200
    result = pick(picker, orders[0]["lines"][0], "A-01", "SKU-A", 3)
    assert (result["status"], result["code"]) == ("adjusted", "task_reassigned")
    assert order(client, admin, orders[0]["id"])["lines"][0]["qty_picked"] == 3
    (exception,) = exceptions(client, admin)
    assert exception["people"] == "pia, pete"


def test_unknown_ops_and_malformed_args_are_rejected_with_a_code_and_never_block(client, admin):
    picker, orders = setup_floor(client, admin)
    body = picker.push(
        {"seq": 1, "type": "beam_up", "version": 1, "args": {}},
        picker.op("pick", order_line_id=orders[0]["lines"][0]["id"], location="A-01", sku="SKU-A", qty=1) | {"seq": 2},
    )
    assert [(r["status"], r["code"]) for r in body["results"]] == [("rejected", "unknown_op_type"), ("applied", None)]
    assert exceptions(client, admin)[0]["code"] == "unknown_op_type"


def test_a_short_pick_books_the_loss_orders_a_count_and_sends_the_picker_to_another_bin(client, admin):
    picker, orders = setup_floor(client, admin)  # line 1: 3 × SKU-A reserved in A-01 (5 on the book), A-03 holds 5 more
    line = orders[0]["lines"][0]
    result = picker.push(
        picker.op("pick_short", order_line_id=line["id"], location="A-01", sku="SKU-A", qty_short=3, reason="empty")
    )["results"][0]
    assert result["status"] == "applied" and result["result"] == {"replaced": 3, "backordered": 0}
    # "empty": whatever the book said, nothing is left in A-01.
    assert stock(client, admin, "SKU-A") == {"A-01": (0, 0), "A-03": (5, 3)}
    tasks = [t for t in picker.pull()["tasks"] if t["order_line_id"] == line["id"]]
    assert [(t["location"], t["qty"]) for t in tasks] == [("A-03", 3)]
    (short,) = [e for e in exceptions(client, admin) if e["kind"] == "short_pick"]
    assert (short["code"], short["location"], short["sku"]) == ("short_empty", "A-01", "SKU-A")
    assert [t["location"] for t in floor_tasks(client, admin, "cycle_count")] == ["A-01"]
