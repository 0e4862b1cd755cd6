"""What a field trial and an insider attack found, each as it was reported, on both engines.

Each test failed on the code before the fix: stock any role could rewrite through sync, a move that
made units, a cancelled order's picked units left in a tote, a queue wedged by one op's data, a
revoked phone that kept its session."""

from __future__ import annotations

import json

import pytest

from tests.support import create_user, login
from tests.warehouse import Device, device_for, register_device, setup_floor


@pytest.fixture
def raw_count():
    """`raw_count(sql)`: one number read straight from the test database."""
    from tests.sync.guarantees.harness import RawDB

    raw = RawDB()
    yield raw.val
    raw.close()


def stock(client, admin, sku):
    return {r["location"]: (r["on_hand"], r["reserved"]) for r in client.get(f"/api/stock?sku={sku}", headers=admin).json()}


def total(client, admin, sku) -> int:
    return sum(on_hand for on_hand, _ in stock(client, admin, sku).values())


def exceptions(client, admin):
    return client.get("/api/exceptions", headers=admin).json()


def floor_tasks(client, admin, kind):
    return client.get(f"/api/floor-tasks?kind={kind}", headers=admin).json()


# -- 1. any signed-in role could rewrite stock through sync ---------------------------------------


# Pickers count ad hoc within the policy (tests/sync/test_counts_moves.py) and floor staff receive
# goods (tests/sync/test_receiving.py); a driver does neither, and a packer does not count.
@pytest.mark.parametrize("role", ["driver", "packer"])
def test_a_floor_role_cannot_count_or_adjust_through_sync_any_more_than_through_rest(client, admin, role):
    setup_floor(client, admin)
    device = device_for(client, "mallory", role)
    before = stock(client, admin, "SKU-A")
    ops = [device.op("count", location="A-01", sku="SKU-A", counted=0)]
    if role == "driver":  # pickers and packers receive goods (issue #13), drivers do not
        ops.append(device.op("receive", location="A-01", sku="SKU-A", qty=1_000_000))
    body = device.push(*ops)
    assert [(r["status"], r["code"]) for r in body["results"]] == [("rejected", "forbidden_op")] * len(ops)
    assert body["acked_through"] == len(ops)  # rejected once, never retried: the queue moves on
    assert stock(client, admin, "SKU-A") == before
    assert [e["code"] for e in exceptions(client, admin)] == ["forbidden_op"] * len(ops)
    # REST says the same for the same user.
    rest = client.post(
        "/api/stock/adjustments",
        headers=device.headers,
        json={"location": "A-01", "sku": "SKU-A", "qty_delta": 5, "reason": "found"},
    )
    assert rest.status_code == 403


def test_an_admin_grant_lets_one_driver_receive_and_count(client, admin):
    setup_floor(client, admin)
    clerk = device_for(client, "gina", "driver")
    other = device_for(client, "otto", "driver")
    r = client.post("/api/users/gina/grants", json={"ops": ["receive", "count"]}, headers=admin)
    assert r.status_code == 200, r.text
    assert {"receive", "count"} <= set(r.json()["may_send"])
    assert client.post("/api/users/gina/grants", json={"ops": ["adjust_stock"]}, headers=admin).status_code == 422
    body = clerk.push(clerk.op("receive", location="A-05", sku="SKU-C", qty=4))
    assert body["results"][0]["status"] == "applied"
    assert other.push(other.op("receive", location="A-05", sku="SKU-C", qty=4))["results"][0]["code"] == "forbidden_op"
    assert other.push(other.op("count", location="A-05", sku="SKU-C", counted=9))["results"][0]["code"] == "forbidden_op"
    assert stock(client, admin, "SKU-C")["A-05"] == (4, 0)


# -- 2. a move larger than the source created units -----------------------------------------------


def test_a_move_larger_than_the_source_moves_only_what_the_book_holds_and_counts_both_bins(client, admin):
    picker, _ = setup_floor(client, admin)
    before = total(client, admin, "SKU-A")
    body = picker.push(picker.op("move", from_location="A-01", to_location="A-06", sku="SKU-A", qty=1_000_000))
    result = body["results"][0]
    assert (result["status"], result["code"]) == ("adjusted", "stock_discrepancy")
    assert result["result"]["moved"] == 5
    assert total(client, admin, "SKU-A") == before  # a move never changes a SKU's total
    now = stock(client, admin, "SKU-A")
    assert now["A-01"][0] == 0 and now["A-06"] == (5, 0)
    counted = {t["location"] for t in floor_tasks(client, admin, "cycle_count")}
    assert counted == {"A-01", "A-06"}


def test_moving_reserved_units_keeps_every_order_whole(client, admin):
    picker, orders = setup_floor(client, admin)
    # A-01 holds 5 with 3 reserved for SYNC-1; moving 4 out leaves 1: the order's reservation follows
    # the units into A-06 (a pickable bin) instead of being lost.
    picker.push(picker.op("move", from_location="A-01", to_location="A-06", sku="SKU-A", qty=4))
    order = client.get(f"/api/orders/{orders[0]['id']}", headers=admin).json()
    assert order["lines"][0]["qty_allocated"] == 3
    rows = stock(client, admin, "SKU-A")
    assert sum(reserved for _, reserved in rows.values()) == 3
    assert all(0 <= reserved <= on_hand for on_hand, reserved in rows.values())


# -- 8. units already picked for an order that is then cancelled ----------------------------------


def test_every_picked_unit_of_a_cancelled_order_gets_a_put_away_task_from_its_tote(client, admin):
    picker, orders = setup_floor(client, admin, orders=[[("SKU-A", 3)]])
    line = orders[0]["lines"][0]
    picker.push(picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=2, tote="TOTE-7"))
    assert client.post(f"/api/orders/{orders[0]['id']}/cancel", headers=admin).status_code == 200
    (task,) = floor_tasks(client, admin, "put_away")
    # The tote is the cart slot the picker's wave gave the order; the task goes back to the bin it came from.
    assert (task["qty"], task["tote"], task["location"], task["sku"]) == (2, "1", "A-01", "SKU-A")
    assert "pia" in task["note"] and "cart slot 1" in task["note"]
    # A late scan of the last unit meets the cancel: its own put-away, and nothing counted twice.
    late = picker.push(picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=1, tote="TOTE-7"))
    assert late["results"][0]["code"] == "order_cancelled"
    assert sum(t["qty"] for t in floor_tasks(client, admin, "put_away")) == 3
    order = client.get(f"/api/orders/{orders[0]['id']}", headers=admin).json()
    assert order["status"] == "cancelled" and order["lines"][0]["qty_picked"] == 0


# -- 4. integer overflow wedged queues (PostgreSQL) -------------------------------------------------


def test_receipts_beyond_any_bin_are_rejected_alone_and_the_queue_moves_on(client, admin, monkeypatch):
    from sync.context import Policy

    monkeypatch.setattr("server.apply.runner._POLICY", Policy(receipt_max_units=1_000_000))  # a bulk warehouse
    setup_floor(client, admin)
    sue = device_for(client, "sue", "supervisor")
    ops = [sue.op("receive", location="A-05", sku="SKU-C", qty=1_000_000) for _ in range(3)]
    body = sue.push(*ops)
    assert [r["status"] for r in body["results"]] == ["applied"] * 3
    # Fill the bin to its limit by adjustments, then one more unit by sync: that op alone is refused.
    for _ in range(999):
        r = client.post(
            "/api/stock/adjustments",
            headers=admin,
            json={"location": "A-05", "sku": "SKU-C", "qty_delta": 1_000_000, "reason": "bulk"},
        )
        if r.status_code != 201:
            break
    assert r.status_code == 422 and r.json()["error"] == "stock_limit", r.text
    body = sue.push(
        sue.op("receive", location="A-05", sku="SKU-C", qty=1_000_000),
        sue.op("receive", location="A-04", sku="SKU-C", qty=1),
    )
    assert [(r["status"], r["code"]) for r in body["results"]] == [("rejected", "stock_limit"), ("applied", None)]
    assert body["acked_through"] == sue.next_seq - 1


def test_a_database_error_caused_by_one_ops_data_rejects_that_op_alone(client, admin, monkeypatch):
    """Whatever limit the engine does not know about: the database refuses one op's row, the batch is
    retried op by op, that op is rejected as database_refused and the others apply (never a 503)."""
    import sqlite3

    import asyncpg

    from server.apply import writer
    from sync.model import LedgerRow

    picker, orders = setup_floor(client, admin)
    real = writer.write_changes

    async def refuses_lot_x(tx, state, outcomes):
        for row in state.new:  # the applied pick of lot X; its rejection (a ledger row only) is stored
            if isinstance(row, LedgerRow) and row.op_type == "pick" and '"lot":"X"' in row.args and row.status != "rejected":
                raise (
                    asyncpg.exceptions.NumericValueOutOfRangeError("out of range")
                    if tx.dialect == "postgres"
                    else sqlite3.IntegrityError("CHECK constraint failed")
                )
        await real(tx, state, outcomes)

    monkeypatch.setattr("server.apply.runner.write_changes", refuses_lot_x)
    line_a, line_b = orders[0]["lines"][0], orders[1]["lines"][0]
    body = picker.push(
        picker.op("pick", order_line_id=line_a["id"], location="A-01", sku="SKU-A", qty=1),
        picker.op("pick", order_line_id=line_a["id"], location="A-01", sku="SKU-A", qty=1, lot="X"),
        picker.op("pick", order_line_id=line_b["id"], location="A-02", sku="SKU-B", qty=1),
    )
    assert [(r["status"], r["code"]) for r in body["results"]] == [
        ("applied", None),
        ("rejected", "database_refused"),
        ("applied", None),
    ]
    assert body["acked_through"] == 3
    assert stock(client, admin, "SKU-A")["A-01"][0] == 4 and stock(client, admin, "SKU-B")["A-02"][0] == 2
    assert "database_refused" in [e["code"] for e in exceptions(client, admin)]
    again = picker.push(picker.op("pick", order_line_id=line_a["id"], location="A-01", sku="SKU-A", qty=1))
    assert again["results"][0]["status"] == "applied"


# -- 5. a deeply nested value in args wedged the queue ----------------------------------------------


@pytest.mark.parametrize("depth", [40, 965, 5_000, 100_000])
def test_args_nested_at_any_depth_reject_that_op_once_and_the_next_seq_is_taken(client, admin, depth):
    picker, orders = setup_floor(client, admin)
    line = orders[0]["lines"][0]
    nested = "[" * depth + "]" * depth
    body = (
        '{"device_id": "%s", "ops": [{"seq": 1, "type": "pick", "version": 1, "args": {"order_line_id": %d, '
        '"location": "A-01", "sku": "SKU-A", "qty": 1, "lot": %s}}, '
        '{"seq": 2, "type": "pick", "version": 1, "args": {"order_line_id": %d, "location": "A-01", "sku": "SKU-A", "qty": 1}}]}'
        % (picker.device_id, line["id"], nested, line["id"])
    )
    r = client.post("/api/sync/push", content=body, headers=picker.headers | {"content-type": "application/json"})
    assert r.status_code == 200, r.text[:300]
    results = r.json()["results"]
    assert [(x["status"], x["code"]) for x in results] == [("rejected", "malformed_args"), ("applied", None)]
    picker.next_seq = 3
    assert picker.push(picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=1))["acked_through"] == 3


def test_nesting_can_not_make_an_op_valid_by_being_cut(client, admin):
    """The defused value becomes null, and `expiry: null` would be valid: the op is rejected all the same."""
    setup_floor(client, admin)
    sue = device_for(client, "sue", "supervisor")
    deep = "[" * 200 + "]" * 200
    body = (
        '{"device_id": "%s", "ops": [{"seq": 1, "type": "receive", "version": 1, "args": '
        '{"location": "A-05", "sku": "SKU-C", "qty": 1, "expiry": %s}}]}' % (sue.device_id, deep)
    )
    r = client.post("/api/sync/push", content=body, headers=sue.headers | {"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["results"][0]["code"] == "malformed_args", r.text[:300]
    assert "A-05" not in stock(client, admin, "SKU-C")


# -- 6. revoking a device did not end its session -----------------------------------------------


def test_revoking_a_device_ends_the_sessions_used_from_it(client, admin):
    setup_floor(client, admin)
    password = create_user("pat", "picker")
    phone = login(client, "pat", password)
    device_id = register_device(client, phone, "pat's phone")
    laptop = login(client, "pat", password)  # pat signed in elsewhere too: that session stays
    assert client.post(f"/api/devices/{device_id}/revoke", headers=admin).status_code == 200
    me = client.get("/api/auth/me", headers=phone)
    assert (me.status_code, me.json()["error"]) == (401, "device_revoked")
    assert client.post("/api/devices", json={"name": "sneaky"}, headers=phone).status_code == 401
    assert client.get("/api/auth/me", headers=laptop).status_code == 200


def test_a_token_used_to_push_from_a_device_ends_when_that_device_is_revoked(client, admin):
    """The phone signed in again after registering (a new token the device never registered with)."""
    picker, orders = setup_floor(client, admin)
    again = login(client, "pia", "pia-password")
    device = Device(client, again, picker.device_id)
    device.push(device.op("pick", order_line_id=orders[0]["lines"][0]["id"], location="A-01", sku="SKU-A", qty=1))
    assert client.post(f"/api/devices/{picker.device_id}/revoke", headers=admin).status_code == 200
    assert client.get("/api/auth/me", headers=again).status_code == 401


def test_a_revoked_device_cannot_fill_the_quarantine_without_bound(client, admin, raw_count):
    picker, orders = setup_floor(client, admin)
    line = orders[0]["lines"][0]
    assert client.post(f"/api/devices/{picker.device_id}/revoke", headers=admin).status_code == 200
    for round_ in range(3):
        headers = login(client, "pia", "pia-password")  # the thief signs in again each time
        ops = [
            {
                "seq": round_ * 500 + n,
                "type": "pick",
                "version": 1,
                "args": {"order_line_id": line["id"], "location": "A-01", "sku": "SKU-A", "qty": 1},
            }
            for n in range(1, 501)
        ]
        r = client.post(
            "/api/sync/push",
            content=json.dumps({"device_id": picker.device_id, "ops": ops}),
            headers=headers | {"content-type": "application/json"},
        )
        assert r.status_code == 403 and r.json()["error"] == "device_revoked"
        assert client.get("/api/auth/me", headers=headers).status_code == 401  # and the session ended
    assert raw_count("SELECT COUNT(*) FROM quarantined_op") == 1_000


# -- 3. counts and receipts beyond a tolerance wait for a supervisor --------------------------------


def test_a_count_within_tolerance_is_booked_and_one_beyond_it_waits_for_approval(client, admin):
    setup_floor(client, admin)
    sue = device_for(client, "sue", "supervisor")
    # A-01 holds 5 of SKU-A: 4 is within the 10-unit tolerance, 50 is not.
    assert sue.push(sue.op("count", location="A-01", sku="SKU-A", counted=4))["results"][0]["status"] == "applied"
    result = sue.push(sue.op("count", location="A-01", sku="SKU-A", counted=50))["results"][0]
    assert (result["status"], result["code"]) == ("adjusted", "awaits_approval")
    assert stock(client, admin, "SKU-A")["A-01"][0] == 4  # recorded, not booked
    (task,) = floor_tasks(client, admin, "approve_count")
    assert (task["location"], task["sku"], task["qty"]) == ("A-01", "SKU-A", 50)
    assert "sue" in task["note"] and "the book has 4" in task["note"]  # who, when, before and after
    assert "awaits_approval" in [e["code"] for e in exceptions(client, admin)]
    # The supervisor corrects it to 40 and approves: the book follows, once.
    r = client.post(f"/api/floor-tasks/{task['id']}/decide", json={"decision": "approve", "qty": 40}, headers=admin)
    assert r.status_code == 200 and r.json()["difference"] == 36, r.text
    assert stock(client, admin, "SKU-A")["A-01"][0] == 40
    again = client.post(f"/api/floor-tasks/{task['id']}/decide", json={"decision": "approve"}, headers=admin)
    assert (again.status_code, again.json()["error"]) == (409, "already_decided")
    assert stock(client, admin, "SKU-A")["A-01"][0] == 40


def test_a_receipt_beyond_the_limit_waits_and_a_refusal_books_nothing(client, admin):
    setup_floor(client, admin)
    sue = device_for(client, "sue", "supervisor")
    result = sue.push(sue.op("receive", location="A-05", sku="SKU-C", qty=5_000))["results"][0]
    assert (result["status"], result["code"], result["result"]["pending"]) == ("adjusted", "awaits_approval", 5_000)
    assert "A-05" not in stock(client, admin, "SKU-C")
    (task,) = floor_tasks(client, admin, "approve_receipt")
    picker = client.post(f"/api/floor-tasks/{task['id']}/decide", json={"decision": "approve"}, headers=sue.headers)
    assert picker.status_code == 200  # a supervisor may decide …
    assert stock(client, admin, "SKU-C")["A-05"] == (5_000, 0)
    second = sue.push(sue.op("receive", location="A-05", sku="SKU-C", qty=2_000))["results"][0]
    assert second["code"] == "awaits_approval"
    (task,) = floor_tasks(client, admin, "approve_receipt")
    r = client.post(f"/api/floor-tasks/{task['id']}/decide", json={"decision": "refuse"}, headers=admin)
    assert r.status_code == 200 and r.json()["received"] == 0
    assert stock(client, admin, "SKU-C")["A-05"] == (5_000, 0)
    pia = login(client, "pia", "pia-password")  # … a picker may not
    assert client.post(f"/api/floor-tasks/{task['id']}/decide", json={"decision": "approve"}, headers=pia).status_code == 403
