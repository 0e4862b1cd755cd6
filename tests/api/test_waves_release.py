"""Choosing orders for a wave by channel, promise, zone and size; releasing them to one picker or
split between several; following open waves and giving a wave's open tasks to another picker."""

from __future__ import annotations

import asyncio

import pytest

from tests import support
from tests.support import order_body
from tests.warehouse import Warehouse, device_for


def floor(client, admin) -> Warehouse:
    """SKU-A in zone A (bins A-01, A-02), SKU-B in zone B (bin B-01), plenty of each; a second channel
    'shop'; pickers pia, pete and pat (pat disabled later where a test needs it)."""
    w = Warehouse(client, admin)
    w.product("SKU-A", "Thing A")
    w.product("SKU-B", "Thing B")
    w.location("A-01", 10, zone="A")
    w.location("A-02", 20, zone="A")
    w.location("B-01", 30, zone="B")
    w.stock("SKU-A", "A-01", 100)
    w.stock("SKU-B", "B-01", 100)
    asyncio.run(support._sql([("INSERT INTO channel (code, name, kind) VALUES (?, ?, ?)", ("shop", "Web shop", "api"))]))
    for name in ("pia", "pete", "pat"):
        support.create_user(name, "picker")
    return w


def order(client, admin, ref, lines, **extra) -> dict:
    response = client.post("/api/orders", json=order_body(ref, lines, **extra), headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


def candidates(client, admin, expect: int = 200, **filters) -> list | dict:
    response = client.get("/api/waves/candidates", params=filters, headers=admin)
    assert response.status_code == expect, response.text
    return response.json()


def refs(rows) -> list[str]:
    return [row["external_ref"] for row in rows]


@pytest.fixture
def orders(client, admin):
    floor(client, admin)
    made = {
        "LATE": order(client, admin, "LATE", [("SKU-A", 2)], promised_at="2026-12-03T12:00:00Z"),
        "SOON": order(client, admin, "SOON", [("SKU-A", 5), ("SKU-B", 1)], promised_at="2026-12-01T09:00:00Z"),
        "NONE": order(client, admin, "NONE", [("SKU-B", 12)]),
        "SHOP": order(client, admin, "SHOP", [("SKU-B", 3)], promised_at="2026-12-02T09:00:00Z", channel="shop"),
    }
    held = order(client, admin, "UNPAID", [("SKU-A", 1)], payment_status="pending")
    assert held["status"] == "on_hold"
    return made


def test_candidates_are_allocated_orders_oldest_promise_first_with_their_facts(client, admin, orders):
    rows = candidates(client, admin)
    assert refs(rows) == ["SOON", "SHOP", "LATE", "NONE"]  # no promise: last; the unpaid order is not ready
    soon = rows[0]
    assert (soon["channel"], soon["lines"], soon["units"], soon["size"], soon["zones"]) == ("manual", 2, 6, "medium", ["A", "B"])
    assert soon["promised_at"].startswith("2026-12-01T09:00:00")
    assert [(r["units"], r["size"]) for r in rows[1:]] == [(3, "small"), (2, "small"), (12, "large")]


def test_each_filter_narrows_the_candidates(client, admin, orders):
    assert refs(candidates(client, admin, channel="shop")) == ["SHOP"]
    assert refs(candidates(client, admin, channel="manual")) == ["SOON", "LATE", "NONE"]
    assert refs(candidates(client, admin, promised_before="2026-12-02")) == ["SOON"]
    assert refs(candidates(client, admin, promised_before="2026-12-02T10:00:00+00:00")) == ["SOON", "SHOP"]
    assert refs(candidates(client, admin, zone="A")) == ["SOON", "LATE"]
    assert refs(candidates(client, admin, zone="B")) == ["SOON", "SHOP", "NONE"]
    assert refs(candidates(client, admin, size="small")) == ["SHOP", "LATE"]
    assert refs(candidates(client, admin, size="medium")) == ["SOON"]
    assert refs(candidates(client, admin, size="large")) == ["NONE"]
    assert refs(candidates(client, admin, zone="B", size="small", channel="shop")) == ["SHOP"]
    assert refs(candidates(client, admin, limit=2)) == ["SOON", "SHOP"]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"size": "huge"}, "size"),
        ({"promised_before": "next tuesday"}, "promised_before"),
        ({"channel": "nowhere"}, "channel"),
        ({"zone": "Z"}, "zone"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
    ],
)
def test_a_bad_filter_is_refused_naming_it(client, admin, orders, filters, field):
    body = candidates(client, admin, expect=400 if field == "limit" else 422, **filters)
    assert field in (body.get("field"), *[e.get("field") for e in body.get("errors", [])]), body


def test_released_orders_leave_the_candidates(client, admin, orders):
    w = Warehouse(client, admin)
    w.release([orders["SOON"]], "pia")
    assert "SOON" not in refs(candidates(client, admin))


def test_several_pickers_get_one_wave_each_balanced_by_units(client, admin, orders):
    ids = [orders[ref]["id"] for ref in ("LATE", "SOON", "NONE", "SHOP")]  # 2, 6, 12, 3 units
    response = client.post("/api/waves", json={"order_ids": ids, "pickers": ["pia", "pete"]}, headers=admin)
    assert response.status_code == 201, response.text
    waves = response.json()
    assert [w["picker"] for w in waves] == ["pia", "pete"]
    by_picker = {w["picker"]: {t["order_ref"] for t in w["tasks"]} for w in waves}
    # Largest first to whoever has least: NONE(12)→pia, SOON(6)→pete, SHOP(3)→pete, LATE(2)→pete.
    assert by_picker == {"pia": {"NONE"}, "pete": {"SOON", "SHOP", "LATE"}}
    assert all(t["picker"] == w["picker"] for w in waves for t in w["tasks"])
    assert candidates(client, admin) == []
    # Each picker's phone gets their own wave only.
    listed = client.get("/api/waves", headers=admin).json()
    assert [(w["id"], w["picker"], w["orders"], w["units"], w["open_tasks"]) for w in listed] == [
        (waves[1]["id"], "pete", 3, 11, 4),
        (waves[0]["id"], "pia", 1, 12, 1),
    ]


def test_three_pickers_three_orders_one_each(client, admin, orders):
    ids = [orders[ref]["id"] for ref in ("LATE", "SOON", "SHOP")]
    waves = client.post("/api/waves", json={"order_ids": ids, "pickers": ["pia", "pete", "pat"]}, headers=admin).json()
    assert sorted(len({t["order_id"] for t in w["tasks"]}) for w in waves) == [1, 1, 1]


def test_a_multi_picker_release_is_all_or_nothing_and_names_the_bad_entry(client, admin, orders):
    unpaid = client.get("/api/orders?status=on_hold", headers=admin).json()[0]["id"]
    ids = [orders["LATE"]["id"], orders["SOON"]["id"], unpaid]
    response = client.post("/api/waves", json={"order_ids": ids, "pickers": ["pia", "pete"]}, headers=admin)
    assert response.status_code == 409, response.text
    assert (response.json()["error"], response.json()["field"]) == ("not_allocated", "order_ids[2]")
    assert len(candidates(client, admin)) == 4  # nothing was released
    assert client.get("/api/waves?status=all", headers=admin).json() == []

    response = client.post("/api/waves", json={"order_ids": ids[:2], "pickers": ["pia", "root"]}, headers=admin)
    assert (response.status_code, response.json()["field"]) == (422, "pickers[1]")
    assert len(candidates(client, admin)) == 4


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"pickers": ["pia", "pia"]}, 422, "pickers"),
        ({"pickers": ["pia", "pete", "pat"]}, 422, "pickers"),  # 3 pickers, 2 orders
        ({"pickers": ["pia"], "picker": "pia"}, 422, "pickers"),
        ({}, 422, "pickers"),
        ({"pickers": []}, 400, "pickers"),
        ({"pickers": ["nobody", "pia"]}, 404, "pickers[0]"),
    ],
)
def test_bad_picker_lists_are_refused(client, admin, orders, body, status, field):
    ids = [orders["LATE"]["id"], orders["SOON"]["id"]]
    response = client.post("/api/waves", json={"order_ids": ids, **body}, headers=admin)
    assert response.status_code == status, response.text
    data = response.json()
    assert field in (data.get("field"), *[e.get("field") for e in data.get("errors", [])]), data


def test_one_picker_still_gets_one_wave(client, admin, orders):
    response = client.post("/api/waves", json={"order_ids": [orders["LATE"]["id"]], "picker": "pia"}, headers=admin)
    assert response.status_code == 201, response.text
    wave = response.json()
    assert wave["picker"] == "pia"
    assert [(t["sku"], t["location"], t["qty"], t["qty_picked"], t["status"], t["picker"]) for t in wave["tasks"]] == [
        ("SKU-A", "A-01", 2, 0, "open", "pia")
    ]


def test_a_wave_is_handed_to_another_picker_and_pulls_follow(client, admin):
    floor(client, admin)
    pia = device_for(client, "pia2", "picker")
    pete = device_for(client, "pete2", "picker")
    made = [order(client, admin, f"R-{n}", [("SKU-A", 1), ("SKU-B", 1)]) for n in (1, 2)]
    wave = Warehouse(client, admin).release(made, "pia2")
    assert len(pia.pull()["tasks"]) == 4
    first = wave["tasks"][0]["id"]
    pia.push(pia.op("pick", order_line_id=wave["tasks"][0]["order_line_id"], location="A-01", sku="SKU-A", qty=1, tote="T1"))

    response = client.post(f"/api/waves/{wave['id']}/reassign", json={"picker": "pete2"}, headers=admin)
    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["done"] == f"3 open tasks of wave {wave['id']} given to pete2."
    assert {(t["id"] == first, t["picker"], t["status"]) for t in moved["tasks"]} == {
        (True, "pia2", "done"),
        (False, "pete2", "open"),
    }
    assert len(pete.pull()["tasks"]) == 3
    listed = client.get("/api/waves", headers=admin).json()[0]
    assert {p["picker"]: (p["tasks"], p["open_tasks"], p["picked"]) for p in listed["pickers"]} == {
        "pia2": (1, 0, 1),
        "pete2": (3, 3, 0),
    }

    again = client.post(f"/api/waves/{wave['id']}/reassign", json={"picker": "pia2", "only_from": "pia2"}, headers=admin)
    assert (again.status_code, again.json()["error"]) == (409, "no_open_tasks")
    assert client.post("/api/waves/999/reassign", json={"picker": "pia2"}, headers=admin).status_code == 404
    not_picker = client.post(f"/api/waves/{wave['id']}/reassign", json={"picker": "root"}, headers=admin)
    assert (not_picker.status_code, not_picker.json()["field"]) == (422, "picker")
    assert client.get(f"/api/waves/{wave['id']}", headers=admin).json()["tasks"][1]["picker"] == "pete2"


def test_waves_list_by_status(client, admin, orders):
    wave = Warehouse(client, admin).release([orders["LATE"]], "pia")
    assert [w["id"] for w in client.get("/api/waves?status=open", headers=admin).json()] == [wave["id"]]
    assert client.get("/api/waves?status=done", headers=admin).json() == []
    client.post(f"/api/orders/{orders['LATE']['id']}/cancel", json={}, headers=admin)
    done = client.get("/api/waves?status=done", headers=admin).json()
    assert [(w["id"], w["status"], w["tasks"]) for w in done] == [(wave["id"], "done", 0)]
    bad = client.get("/api/waves?status=closed", headers=admin)
    assert bad.status_code == 400 and "status" in bad.text


def test_the_split_keeps_orders_whole_and_balances_units():
    from server.waves.split import split_by_units

    units = {1: 5, 2: 5, 3: 4, 4: 3, 5: 3}
    assert split_by_units(units, [1, 2, 3, 4, 5], ["a", "b"]) == {"a": [1, 3], "b": [2, 4, 5]}
    assert split_by_units({7: 1}, [7], ["a"]) == {"a": [7]}
