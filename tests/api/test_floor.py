"""The supervisor's live floor: the snapshot's numbers for a floor counted by hand, and the stream that
brings every committed op to the phone within two seconds, from any server process."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import httpx
import pytest

from server.db import Database
from tests.support import EventStream, LiveServer, create_user, db_config, login
from tests.warehouse import Warehouse, device_for, small_warehouse

# Stock of the small warehouse: SKU-A 5 in A-01 and 5 in A-03, SKU-B 3 in A-02, SKU-C none.
REORDER = {"SKU-A": 4, "SKU-B": 5, "SKU-C": 1}


def _seed(client, admin) -> dict:
    """A morning on the floor, counted by hand in the test below:

    - W-1: one wave to pia of two orders: 3 × SKU-A (picked in full from A-01) and 2 × SKU-B (not yet);
    - LATE: 1 × SKU-C, promised yesterday, backordered (no SKU-C anywhere);
    - SOON: 2 × SKU-A promised in two hours, allocated; LATER: 1 × SKU-A promised in ten hours;
    - reorder points SKU-A 4 (7 left after the pick), SKU-B 5 (3 on hand), SKU-C 1 (none);
    - pia's phone says 7 ops wait on it; pete's phone says none.
    """
    warehouse = Warehouse(client, admin)
    for sku, point in REORDER.items():
        warehouse.product(sku, f"Product {sku[-1]}", [f"INT-{sku}"], reorder_point=point)
    for n in range(1, 7):
        warehouse.location(f"A-{n:02d}", n * 10)
    warehouse.stock_rows({"SKU-A": [("A-01", 5), ("A-03", 5)], "SKU-B": [("A-02", 3)]})
    pia = device_for(client, "pia", "picker")
    pete = device_for(client, "pete", "picker")
    now = dt.datetime.now(dt.UTC)
    wave = warehouse.orders([[("SKU-A", 3)], [("SKU-B", 2)]], "W")
    warehouse.release(wave, "pia")
    late = warehouse.order("LATE", [("SKU-C", 1)], promised_at=(now - dt.timedelta(days=1)).isoformat())
    soon = warehouse.order("SOON", [("SKU-A", 2)], promised_at=(now + dt.timedelta(hours=2)).isoformat())
    warehouse.order("LATER", [("SKU-A", 1)], promised_at=(now + dt.timedelta(hours=10)).isoformat())
    (first, _second) = warehouse.read_orders(wave)
    line = first["lines"][0]
    pick = pia.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=3)
    response = client.post("/api/sync/push", json={"device_id": pia.device_id, "ops": [pick], "pending": 7}, headers=pia.headers)
    assert response.status_code == 200 and response.json()["results"][0]["status"] == "applied", response.text
    pulled = client.get("/api/sync/pull", params={"device_id": pete.device_id, "pending": 0}, headers=pete.headers)
    assert pulled.status_code == 200, pulled.text
    return {"pia": pia, "late": late, "soon": soon}


def test_the_floor_shows_a_morning_counted_by_hand(client, admin):
    seeded = _seed(client, admin)
    floor = client.get("/api/floor", headers=admin).json()

    by_status = {status: n for status, n in floor["orders_by_status"].items() if n}
    assert by_status == {"picked": 1, "released": 1, "backordered": 1, "allocated": 2}
    assert set(floor["orders_by_status"]) >= {"new", "packed", "shipped", "delivered", "cancelled"}

    (wave,) = floor["waves"]
    assert (wave["picker"], wave["tasks_total"], wave["tasks_done"], wave["units_total"], wave["units_picked"]) == (
        "pia",
        2,
        1,
        5,
        3,
    )

    (pia,) = floor["pickers"]
    assert (pia["username"], pia["tasks_open"], pia["lines_today"], pia["units_today"]) == ("pia", 1, 1, 3)
    assert pia["last_activity"] is not None
    assert floor["picks"] == {"last_hour": 1, "today": 1, "per_hour_today": 1.0}

    assert floor["late_count"] == 1 and [o["external_ref"] for o in floor["late"]] == ["LATE"]
    assert floor["late"][0]["status"] == "backordered" and floor["late"][0]["customer"] == "Test Customer"
    assert floor["at_risk_hours"] == 4
    assert floor["at_risk_count"] == 1 and [o["external_ref"] for o in floor["at_risk"]] == ["SOON"]
    assert floor["backorders"] == {"orders": 1, "lines": 1, "units": 1}

    # SKU-B 3 ≤ 5 (2 short) before SKU-C 0 ≤ 1 (1 short); SKU-A 7 > 4 is fine.
    assert floor["low_stock_count"] == 2
    assert [(s["sku"], s["on_hand"], s["reorder_point"]) for s in floor["low_stock"]] == [("SKU-B", 3, 5), ("SKU-C", 0, 1)]

    (device,) = floor["devices"]
    assert (device["device_id"], device["owner"], device["pending"]) == (seeded["pia"].device_id, "pia", 7)
    assert device["name"] == "pia's phone" and device["last_seen_at"] and device["pending_at"]
    assert floor["open_exceptions"] == 0 and floor["open_floor_tasks"] == 0
    # 3 stock adjustments, 5 intakes, the wave's release and the pick.
    assert floor["ledger_id"] == 10


def test_a_device_reports_its_backlog_on_push_and_pull_and_bad_counts_are_refused(client, admin):
    small_warehouse(client, admin)
    pia = device_for(client, "pia", "picker")
    devices = lambda: client.get("/api/floor", headers=admin).json()["devices"]  # noqa: E731
    assert devices() == []
    # A push without new ops still carries the count (a phone that only retries what it sent).
    body = {"device_id": pia.device_id, "ops": [], "pending": 12}
    assert client.post("/api/sync/push", json=body, headers=pia.headers).status_code == 200
    assert [d["pending"] for d in devices()] == [12]
    pulled = client.get("/api/sync/pull", params={"device_id": pia.device_id, "pending": 0}, headers=pia.headers)
    assert pulled.status_code == 200
    assert devices() == []  # drained: off the list
    # Older clients send no count: their report changes nothing but "last seen".
    assert client.get("/api/sync/pull", params={"device_id": pia.device_id}, headers=pia.headers).status_code == 200

    too_many = client.post("/api/sync/push", json=body | {"pending": 1_000_001}, headers=pia.headers)
    assert too_many.status_code == 400 and "pending" in too_many.text
    negative = client.get("/api/sync/pull", params={"device_id": pia.device_id, "pending": -1}, headers=pia.headers)
    assert negative.status_code == 400 and negative.json()["field"] == "pending"


def test_the_stream_answers_only_a_client_that_asked_for_events(client, admin):
    response = client.get("/api/floor/stream", headers=admin)
    assert response.status_code == 406
    assert response.json()["error"] == "not_acceptable" and response.json()["field"] == "Accept"


def _sign_in(server: LiveServer, username: str, password: str) -> dict[str, str]:
    with httpx.Client(base_url=server.url) as http:
        return login(http, username, password)


def test_a_committed_op_reaches_the_stream_within_two_seconds(live_server, clean_db):
    admin = _sign_in(live_server, "root", create_user("root", "admin"))
    with httpx.Client(base_url=live_server.url) as http:
        small_warehouse(http, admin)
        stream = EventStream(live_server.url + "/api/floor/stream", admin)
        try:
            assert stream.response.status_code == 200
            assert stream.response.headers["content-type"].startswith("text/event-stream")
            assert "content-encoding" not in stream.response.headers  # never gzipped: events leave as they happen
            first = stream.next(timeout=5)
            assert first is not None and first["event"] == "floor"
            assert int(first["id"]) == first["data"]["ledger_id"]
            assert first["data"]["orders_by_status"]["allocated"] == 0

            committed = time.monotonic()
            Warehouse(http, admin).order("LIVE-1", [("SKU-A", 1)])
            answered = time.monotonic()
            event = stream.next(timeout=5)
            assert event is not None, "no snapshot after the op"
            assert event["data"]["orders_by_status"]["allocated"] == 1
            assert int(event["id"]) > int(first["id"])
            assert event["arrived"] - answered <= 2.0, f"{event['arrived'] - answered:.2f} s after the order was taken"
            assert event["arrived"] - committed <= 2.5
        finally:
            stream.close()


def test_reconnecting_with_the_last_event_id_repeats_nothing_until_something_moves(live_server, clean_db):
    admin = _sign_in(live_server, "root", create_user("root", "admin"))
    with httpx.Client(base_url=live_server.url) as http:
        small_warehouse(http, admin)
        current = http.get("/api/floor", headers=admin).json()["ledger_id"]
        stream = EventStream(live_server.url + "/api/floor/stream", admin, last_event_id=current)
        try:
            assert stream.next(timeout=1.5) is None, "the client already holds this snapshot"
            Warehouse(http, admin).order("LIVE-2", [("SKU-A", 1)])
            event = stream.next(timeout=3)
            assert event is not None and int(event["id"]) > current
        finally:
            stream.close()
        # An older id (the phone missed something while away) gets the current floor at once.
        stream = EventStream(live_server.url + "/api/floor/stream", admin, last_event_id=current)
        try:
            event = stream.next(timeout=3)
            assert event is not None and int(event["id"]) > current
        finally:
            stream.close()


def test_a_picker_cannot_open_the_stream(live_server, clean_db):
    picker = _sign_in(live_server, "pia", create_user("pia", "picker"))
    with httpx.Client(base_url=live_server.url) as http:
        response = http.get("/api/floor/stream", headers=picker | {"Accept": "text/event-stream"})
    assert response.status_code == 403


def test_a_quiet_stream_sends_keepalives_and_a_burst_of_commits_becomes_few_snapshots(clean_db):
    """The stream generator itself, with a short keepalive: a comment when nothing moves, and ten
    announcements in a row coalesced into at most two snapshots."""
    from server.live.hub import Hub
    from server.live.stream import KEEPALIVE, FloorFeed, floor_events

    async def scenario() -> tuple[list, list]:
        db = Database(db_config())
        await db.start()
        hub = Hub()
        events = floor_events(FloorFeed(db, hub), keepalive=0.2)
        try:
            first = await anext(events)
            quiet = await asyncio.wait_for(anext(events), 2)
            async with db.write() as tx:  # something on the floor changes (as an op would)…
                await tx.execute("INSERT INTO supplier (code, name, email) VALUES ('S', 'S', '')")
                await tx.execute(
                    "INSERT INTO product (sku, name, supplier, reorder_point, weight_g, length_mm, width_mm, height_mm, active) "
                    "VALUES ('LOW-1', 'Low', NULL, 3, 0, 0, 0, 0, ?)",
                    True,
                )
            for _ in range(10):  # …and the hub hears of it ten times
                hub.announce()
            after: list = []
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:
                try:
                    after.append(await asyncio.wait_for(anext(events), deadline - time.monotonic()))
                except TimeoutError:
                    break
            return [first, quiet], after
        finally:
            await events.aclose()
            await db.close()

    (first, quiet), after = asyncio.run(scenario())
    assert first.event == "floor" and quiet is KEEPALIVE
    snapshots = [e for e in after if e.event == "floor"]
    assert len(snapshots) == 1, after
    assert '"sku":"LOW-1"' in snapshots[0].data


@pytest.fixture
def second_server():
    server = LiveServer()
    yield server
    server.stop()


def test_a_push_to_one_server_process_reaches_a_stream_on_another(live_server, second_server, clean_db):
    """Two server processes on one database: on PostgreSQL the push's NOTIFY reaches the other
    process's LISTEN connection; on SQLite the other process sees the ledger move by its poll."""
    admin = _sign_in(live_server, "root", create_user("root", "admin"))
    with httpx.Client(base_url=live_server.url) as http:
        small_warehouse(http, admin)
        picker = device_for(http, "pia", "picker")
        (order,) = Warehouse(http, admin).orders([[("SKU-A", 3)]], "X")
        Warehouse(http, admin).release([order], "pia")
        (order,) = Warehouse(http, admin).read_orders([order])
    on_two = _sign_in(second_server, "root", "root-password")
    stream = EventStream(second_server.url + "/api/floor/stream", on_two)
    try:
        first = stream.next(timeout=5)
        assert first is not None and first["data"]["picks"]["today"] == 0
        # Over-pick: the line needs 3, the phone says 5 → adjusted, and an exception for the supervisor.
        over = picker.op("pick", order_line_id=order["lines"][0]["id"], location="A-01", sku="SKU-A", qty=5)
        with httpx.Client(base_url=live_server.url) as http:
            picker.client = http
            answer = picker.push(over)
            answered = time.monotonic()
        assert answer["results"][0]["status"] == "adjusted"
        event = stream.next(timeout=5)
        while event is not None and event["data"]["open_exceptions"] == 0:
            event = stream.next(timeout=5)
        assert event is not None, "the other process never heard of the push"
        assert event["data"]["picks"]["today"] == 1 and event["data"]["open_exceptions"] >= 1
        assert event["arrived"] - answered <= 2.0, f"{event['arrived'] - answered:.2f} s on the other process"
    finally:
        stream.close()
