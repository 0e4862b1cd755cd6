"""The supervisor's exception queue: each item with who, when and the evidence, and the actions that
close it — each an op in the ledger that can resolve the item in the same op — and the follow-up task
that reaches the phone of the person it concerns."""

from __future__ import annotations

from tests.support import create_user, login
from tests.warehouse import device_for, setup_floor


def queue(client, admin, **params):
    response = client.get("/api/exceptions", params=params, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def over_pick(client, admin):
    """Pia picks 5 × SKU-A for a line of 3 (A-01 holds 5): the surplus goes to a put-away task."""
    picker, orders = setup_floor(client, admin)
    line = orders[0]["lines"][0]
    op = picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=5, tote="T-7")
    (result,) = picker.push(op)["results"]
    assert result["code"] == "over_pick"
    (item,) = queue(client, admin)
    return picker, orders, item


def test_an_over_pick_shows_who_when_the_evidence_and_the_actions_that_fit(client, admin):
    picker, orders, item = over_pick(client, admin)
    assert item["kind"] == "conflict" and item["code"] == "over_pick"
    assert item["evidence"]["op"] == "pick"
    assert item["evidence"]["args"]["qty"] == 5 and item["evidence"]["args"]["tote"] == "T-7"
    assert item["evidence"]["actor"] == "pia"
    assert item["evidence"]["result"]["put_away"] == 2
    assert item["order_ref"] == orders[0]["external_ref"]
    (task,) = item["floor_tasks"]
    # The surplus is in Pia's tote: the put-away is hers.
    assert (task["kind"], task["qty"], task["tote"], task["assignee"]) == ("put_away", 2, "T-7", "pia")
    assert item["actions"][-1] == "resolve" and "count" in item["actions"]


def test_newest_first_and_a_cursor_for_only_the_new_ones(client, admin):
    picker, orders, first = over_pick(client, admin)
    line = orders[1]["lines"][0]
    picker.push(picker.op("pick_short", order_line_id=line["id"], location="A-02", sku="SKU-B", qty_short=2, reason="damaged"))
    items = queue(client, admin)
    assert [i["kind"] for i in items] == ["short_pick", "conflict"]
    assert [i["id"] for i in queue(client, admin, after_id=first["id"])] == [items[0]["id"]]
    assert [i["id"] for i in queue(client, admin, kind="short_pick")] == [items[0]["id"]]
    assert queue(client, admin, after_id=items[0]["id"]) == []


def test_a_count_task_for_the_picker_resolves_the_item_and_reaches_her_phone(client, admin):
    picker, _, item = over_pick(client, admin)
    before = picker.pull()
    response = client.post(
        "/api/count-tasks",
        json={"location": "A-01", "sku": "SKU-A", "assignee": "pia", "exception_id": item["id"]},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["message"].startswith(f"Count task {body['result']['task_id']}: count A-01 (SKU-A), for pia")
    assert body["exception_id"] == item["id"]
    # Resolved in the same op, with what was done, by whom and when.
    (done,) = queue(client, admin, status="resolved")
    assert done["resolution"] == "ordered a count of A-01 (SKU-A) for pia"
    assert done["resolved_by"] == "root" and done["resolved_at"]
    # Her next pull (a delta) brings the count; the put-away of her tote was there already.
    after = picker.pull(before["cursor"])
    assert [(t["kind"], t["location"], t["sku"]) for t in after["floor_tasks"]] == [("cycle_count", "A-01", "SKU-A")]
    snapshot = picker.pull()
    assert sorted(t["kind"] for t in snapshot["floor_tasks"]) == ["cycle_count", "put_away"]


def test_a_picker_counts_the_bin_she_was_asked_to_and_no_other(client, admin):
    picker, _, item = over_pick(client, admin)
    task = client.post("/api/count-tasks", json={"location": "A-01", "sku": "SKU-A", "assignee": "pia"}, headers=admin).json()
    task_id = task["result"]["task_id"]
    cursor = picker.pull()["cursor"]
    # Without a task she may count any bin ad hoc (the policy decides whether the book follows at once).
    (free,) = picker.push(picker.op("count", location="A-03", sku="SKU-A", counted=5))["results"]
    assert free["status"] != "rejected", free
    (wrong,) = picker.push(picker.op("count", location="A-03", sku="SKU-A", counted=5, task_id=task_id))["results"]
    assert (wrong["status"], wrong["code"]) == ("rejected", "wrong_location")
    (counted,) = picker.push(picker.op("count", location="A-01", sku="SKU-A", counted=0, task_id=task_id))["results"]
    assert counted["status"] == "applied", counted
    pulled = picker.pull(cursor)
    assert {"entity": "floor_task", "id": task_id} in pulled["removed"]
    # Someone else's count task is not hers to count.
    other = device_for(client, "olli", "picker")
    (theirs,) = other.push(other.op("count", location="A-01", sku="SKU-A", counted=0, task_id=task_id))["results"]
    assert theirs["code"] in ("not_your_task", "task_closed")


def test_handing_a_count_to_someone_else_drops_it_from_the_first_phone(client, admin):
    picker, _, _ = over_pick(client, admin)
    create_user("olli", "picker")
    first = client.post("/api/count-tasks", json={"location": "A-03", "assignee": "pia"}, headers=admin).json()
    cursor = picker.pull()["cursor"]
    again = client.post("/api/count-tasks", json={"location": "A-03", "assignee": "olli"}, headers=admin).json()
    assert again["result"]["task_id"] == first["result"]["task_id"]  # one bin, one open count
    assert {"entity": "floor_task", "id": first["result"]["task_id"]} in picker.pull(cursor)["removed"]


def test_count_task_validation_names_the_field(client, admin):
    over_pick(client, admin)
    for body, field, status in [
        ({"location": "Z-99"}, "location", 404),
        ({"location": "A-01", "sku": "NOPE"}, "sku", 404),
        ({"location": "A-01", "assignee": "nobody"}, "assignee", 404),
        ({"location": "A-01", "exception_id": 999}, "exception_id", 404),
        ({"location": ""}, "location", 400),
        ({"location": "A-01", "colour": "red"}, "colour", 400),
    ]:
        response = client.post("/api/count-tasks", json=body, headers=admin)
        assert response.status_code == status, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())
    create_user("dana", "driver")
    response = client.post("/api/count-tasks", json={"location": "A-01", "assignee": "dana"}, headers=admin)
    assert (response.status_code, response.json()["field"]) == (422, "assignee")


def test_resolve_with_a_comment_keeps_it_in_the_history(client, admin):
    _, _, item = over_pick(client, admin)
    response = client.post(f"/api/exceptions/{item['id']}/resolve", json={"comment": "put back by hand"}, headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["resolution"], body["resolved_by"]) == ("resolved", "put back by hand", "root")
    assert queue(client, admin) == []
    # Without a body, as before.
    assert client.post(f"/api/exceptions/{item['id']}/resolve", headers=admin).status_code == 200
    too_long = client.post(f"/api/exceptions/{item['id']}/resolve", json={"comment": "x" * 501}, headers=admin)
    assert (too_long.status_code, too_long.json()["field"]) == (400, "comment")


def test_re_release_gives_a_short_line_new_pick_tasks_once_stock_is_back(client, admin):
    picker, orders = setup_floor(client, admin, orders=[[("SKU-B", 2)]])
    line = orders[0]["lines"][0]
    picker.push(picker.op("pick_short", order_line_id=line["id"], location="A-02", sku="SKU-B", qty_short=2))
    (item,) = queue(client, admin)
    assert "re_release" in item["actions"]
    # Nothing free yet: refused, naming the order.
    response = client.post(f"/api/orders/{orders[0]['id']}/re-release", json={"exception_id": item["id"]}, headers=admin)
    assert (response.status_code, response.json()["error"], response.json()["field"]) == (409, "nothing_to_pick", "order_id")
    # Stock arrives in another bin; the order is on the floor, so nothing fed it: re-release does.
    client.post(
        "/api/stock/adjustments", json={"location": "A-04", "sku": "SKU-B", "qty_delta": 4, "reason": "found"}, headers=admin
    ).raise_for_status()
    cursor = picker.pull()["cursor"]
    response = client.post(f"/api/orders/{orders[0]['id']}/re-release", json={"exception_id": item["id"]}, headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message"] == f"Order {orders[0]['id']}: 1 new pick task(s) for pia."
    new = picker.pull(cursor)["tasks"]
    assert [(t["location"], t["qty"]) for t in new] == [("A-04", 2)]
    assert queue(client, admin) == []


def test_re_release_refuses_orders_past_picking(client, admin):
    picker, orders = setup_floor(client, admin, orders=[[("SKU-B", 2)]])
    line = orders[0]["lines"][0]
    picker.push(picker.op("pick", order_line_id=line["id"], location="A-02", sku="SKU-B", qty=2))
    response = client.post(f"/api/orders/{orders[0]['id']}/re-release", headers=admin)
    assert (response.status_code, response.json()["error"], response.json()["field"]) == (409, "not_re_releasable", "order_id")
    assert client.post("/api/orders/99999/re-release", headers=admin).status_code == 404


def test_approve_and_reassign_resolve_the_item_they_came_from(client, admin):
    picker, orders, item = over_pick(client, admin)
    create_user("olli", "picker")
    line = orders[1]["lines"][0]
    (task,) = [t for t in picker.pull()["tasks"] if t["order_line_id"] == line["id"]]
    response = client.post(
        f"/api/tasks/{task['id']}/reassign", json={"picker": "olli", "exception_id": item["id"]}, headers=admin
    )
    assert response.status_code == 200, response.text
    assert response.json()["message"] == f"Pick task {task['id']} now belongs to olli."
    (done,) = queue(client, admin, status="resolved")
    assert done["resolution"] == f"gave pick task {task['id']} to olli"


def test_a_count_beyond_tolerance_shows_book_and_counted_and_is_approved_from_the_queue(client, admin):
    over_pick(client, admin)
    counter = device_for(client, "cara", "supervisor")
    (result,) = counter.push(counter.op("count", location="A-03", sku="SKU-A", counted=40))["results"]
    assert result["code"] == "awaits_approval"
    (item,) = queue(client, admin, kind="conflict", after_id=0)[:1]
    assert (item["evidence"]["book"], item["evidence"]["counted"]) == (5, 40)
    assert item["actions"][0] == "approve"
    (task,) = [t for t in item["floor_tasks"] if t["kind"] == "approve_count"]
    response = client.post(f"/api/floor-tasks/{task['id']}/decide", json={"qty": 30, "exception_id": item["id"]}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["message"] == "Booked the count: the bin now holds 30 (difference 25)."
    resolved = client.get(f"/api/exceptions/{item['id']}", headers=admin).json()
    assert resolved["resolution"] == "approved a count of 30 × SKU-A in A-03"


def test_only_staff_act_on_the_queue(client, admin):
    headers = login(client, "pia2", create_user("pia2", "picker"))
    assert client.post("/api/count-tasks", json={"location": "A-01"}, headers=headers).status_code == 403
    assert client.post("/api/orders/1/re-release", headers=headers).status_code == 403
