"""Stock back to every channel: a storefront pulls available-to-promise with its own token, and gets
changed levels pushed to its webhook, signed, retried until it accepts."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import time

import httpx
import pytest

from tests.channels.own_database import own_database
from tests.channels.receiver import Receiver
from tests.support import LiveServer, create_user, login, order_body
from tests.warehouse import Warehouse, device_for, pick_everything, small_warehouse


def levels_of(delivery) -> dict[str, int]:
    return {item["sku"]: item["available"] for item in json.loads(delivery.body)["levels"]}


def signed_by(secret: str, delivery) -> bool:
    expected = base64.b64encode(hmac.new(secret.encode(), delivery.body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, delivery.headers["x-shipshape-hmac-sha256"])


@pytest.fixture
def fast_server():
    """A real server process, on a database of its own, whose stock feed looks every 0.1 s and retries
    after 0.2 s, 0.4 s …, giving up after 4 attempts."""
    with own_database():
        env = {
            **os.environ,
            "SHIPSHAPE_LOGIN_RATE_LIMIT": "1000",
            "SHIPSHAPE_STOCK_FEED_POLL_SECONDS": "0.1",
            "SHIPSHAPE_STOCK_WEBHOOK_BACKOFF_SECONDS": "0.2",
            "SHIPSHAPE_STOCK_WEBHOOK_MAX_ATTEMPTS": "4",
        }
        server = LiveServer(env=env)
        try:
            yield server
        finally:
            server.stop()


def test_levels_reach_the_storefront_signed_retried_and_right_after_a_receipt_and_a_pick(fast_server):
    flaky, dead = Receiver(fail_first=2), Receiver(fail_first=1_000)
    try:
        with httpx.Client(base_url=fast_server.url, timeout=30) as http:
            admin = login(http, "root", create_user("root", "admin"))
            warehouse = small_warehouse(http, admin)  # SKU-A 5+5, SKU-B 3, SKU-C none
            shop = http.post(
                "/api/channels",
                json={"code": "shop", "name": "Shop", "kind": "shopify", "stock_webhook_url": flaky.url},
                headers=admin,
            ).json()
            http.post(
                "/api/channels",
                json={"code": "gone", "name": "Gone", "kind": "api", "stock_webhook_url": dead.url},
                headers=admin,
            ).raise_for_status()

            # The first delivery: every SKU, after two refusals, the same delivery id each time.
            (first,) = flaky.wait_for(lambda got: len(got) == 1)
            assert [r.status for r in flaky.received] == [500, 500, 200]
            assert len({r.headers["x-shipshape-delivery-id"] for r in flaky.received}) == 1
            assert signed_by(shop["webhook_secret"], first)
            assert not signed_by("another secret entirely", first)
            assert levels_of(first) == {"SKU-A": 10, "SKU-B": 3, "SKU-C": 0}
            assert json.loads(first.body)["channel"] == "shop"

            # Goods received: only the changed SKU is sent.
            warehouse.stock("SKU-C", "A-05", 4, reason="delivery from supplier")
            got = flaky.wait_for(lambda got: len(got) == 2)
            assert levels_of(got[1]) == {"SKU-C": 4}
            assert signed_by(shop["webhook_secret"], got[1])

            # An order reserves 2 of SKU-A: 8 left to promise.
            warehouse.client.post("/api/orders", json=order_body("W-1", [("SKU-A", 2)]), headers=admin).raise_for_status()
            got = flaky.wait_for(lambda got: len(got) == 3)
            assert levels_of(got[2]) == {"SKU-A": 8}

            # Picked: the units leave the bin and their reservation together — still 8, nothing to send.
            order = http.get("/api/orders", headers=admin).json()[0]
            picker = device_for(http, "pia", "picker")
            http.post("/api/waves", json={"order_ids": [order["id"]], "picker": "pia"}, headers=admin).raise_for_status()
            pick_everything(picker)
            stock = http.get("/api/stock", params={"sku": "SKU-A"}, headers=admin).json()
            assert sum(s["on_hand"] for s in stock) == 8 and sum(s["reserved"] for s in stock) == 0
            pulled = http.get("/api/channels/shop/stock", params={"sku": "SKU-A"}, headers=admin).json()
            assert [(p["sku"], p["available"]) for p in pulled] == [("SKU-A", 8)]
            # Five units found broken at A-03 and written off: 3 left to promise.
            warehouse.stock("SKU-A", "A-03", -5, reason="found broken")
            got = flaky.wait_for(lambda got: len(got) == 4)
            assert levels_of(got[3]) == {"SKU-A": 3}

            # The dead endpoint: given up on after 4 attempts, and the admin sees it on the channel.
            def gone_state():
                channels = {c["code"]: c for c in http.get("/api/channels", headers=admin).json()}
                return channels["gone"]["stock_webhook"]

            deadline = time.monotonic() + 30
            while gone_state()["failed"] == 0 and time.monotonic() < deadline:
                time.sleep(0.1)
            state = gone_state()
            assert state["failed"] >= 1 and state["last_delivered_at"] is None, state
            assert state["last_failure"]["attempts"] == 4 and state["last_failure"]["error"] == "answered 500"
            assert len({r.headers["x-shipshape-delivery-id"] for r in dead.received[:4]}) == 1
            channels = {c["code"]: c for c in http.get("/api/channels", headers=admin).json()}
            assert channels["shop"]["stock_webhook"]["failed"] == 0
            assert channels["shop"]["stock_webhook"]["last_delivered_at"] is not None
    finally:
        flaky.close()
        dead.close()


@pytest.fixture
def feed(client, admin):
    small_warehouse(client, admin)
    made = {}
    for code in ("shop", "other"):
        response = client.post("/api/channels", json={"code": code, "name": code.title(), "kind": "api"}, headers=admin)
        assert response.status_code == 201, response.text
        made[code] = response.json()
    return made


def settled_since(client, headers) -> dt.datetime:
    """The newest `updated_at` once the stock feed has stored every level (two reads agree)."""
    before = None
    for _ in range(100):
        now = client.get("/api/channels/shop/stock", headers=headers).json()
        if now == before:
            return max(dt.datetime.fromisoformat(l["updated_at"]) for l in now)
        before = now
        time.sleep(0.2)
    raise AssertionError("the stock feed never stored the levels")


def test_a_storefront_pulls_levels_with_its_own_token(client, admin, feed):
    token = {"Authorization": f"Bearer {feed['shop']['api_token']}"}
    response = client.get("/api/channels/shop/stock", headers=token)
    assert response.status_code == 200, response.text
    assert [(l["sku"], l["available"]) for l in response.json()] == [("SKU-A", 10), ("SKU-B", 3), ("SKU-C", 0)]
    one = client.get("/api/channels/shop/stock", params={"sku": ["SKU-B", "NOPE"]}, headers=token).json()
    assert [(l["sku"], l["available"]) for l in one] == [("SKU-B", 3)]
    # updated_since: only what changed after that time. (A level the feed has not stored yet shows
    # with the time of the answer, so it may come twice, never not at all: wait for the stored times.)
    since = settled_since(client, token)
    time.sleep(0.01)
    Warehouse(client, admin).stock("SKU-B", "A-02", 2)
    changed = client.get("/api/channels/shop/stock", params={"updated_since": since.isoformat()}, headers=token).json()
    assert [(l["sku"], l["available"]) for l in changed] == [("SKU-B", 5)]
    # Staff may read any channel's feed.
    assert client.get("/api/channels/other/stock", headers=admin).status_code == 200
    assert client.get("/api/channels/unknown/stock", headers=admin).status_code == 404


def test_the_feed_refuses_wrong_other_channels_and_floor_tokens(client, admin, feed):
    assert client.get("/api/channels/shop/stock").status_code == 401
    wrong = client.get("/api/channels/shop/stock", headers={"Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthorized"
    other = client.get("/api/channels/shop/stock", headers={"Authorization": f"Bearer {feed['other']['api_token']}"})
    assert other.status_code == 403 and "'other'" in other.json()["message"]
    picker = login(client, "pia", create_user("pia", "picker"))
    assert client.get("/api/channels/shop/stock", headers=picker).status_code == 403
    # The channel token opens nothing else.
    token = {"Authorization": f"Bearer {feed['shop']['api_token']}"}
    assert client.get("/api/orders", headers=token).status_code == 401
    assert client.get("/api/channels", headers=token).status_code == 401
    # A rotated token replaces the old one; a switched-off channel's token reads nothing.
    rotated = client.post("/api/channels/shop", json={"rotate_api_token": True}, headers=admin).json()
    assert client.get("/api/channels/shop/stock", headers=token).status_code == 401
    fresh = {"Authorization": f"Bearer {rotated['api_token']}"}
    assert client.get("/api/channels/shop/stock", headers=fresh).status_code == 200
    client.post("/api/channels/shop", json={"active": False}, headers=admin).raise_for_status()
    assert client.get("/api/channels/shop/stock", headers=fresh).status_code == 403
    # The token is shown once: never in the list.
    listed = {c["code"]: c for c in client.get("/api/channels", headers=admin).json()}
    assert "api_token" not in listed["shop"] and listed["shop"]["has_api_token"] is True


def test_the_stock_webhook_address_is_checked_and_can_be_switched_off(client, admin, feed):
    bad = client.post("/api/channels/shop", json={"stock_webhook_url": "ftp://example.com/x"}, headers=admin)
    assert bad.status_code == 400 and bad.json()["field"] == "stock_webhook_url"
    on = client.post("/api/channels/shop", json={"stock_webhook_url": "https://shop.example.com/hooks/stock"}, headers=admin)
    assert on.json()["stock_webhook_url"] == "https://shop.example.com/hooks/stock"
    off = client.post("/api/channels/shop", json={"stock_webhook_url": ""}, headers=admin).json()
    assert "stock_webhook_url" not in off


def test_two_server_processes_send_each_delivery_once():
    """Two worker processes share one database: both watch the stock, both send — yet every delivery
    is queued once and each attempt made by one process only."""
    with own_database():
        _two_processes_send_once()


def _two_processes_send_once() -> None:
    receiver = Receiver(fail_first=2)
    env = {
        **os.environ,
        "SHIPSHAPE_LOGIN_RATE_LIMIT": "1000",
        "SHIPSHAPE_STOCK_FEED_POLL_SECONDS": "0.05",
        "SHIPSHAPE_STOCK_WEBHOOK_BACKOFF_SECONDS": "0.2",
    }
    server = LiveServer(workers=2, env=env)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            admin = login(http, "root", create_user("root", "admin"))
            warehouse = small_warehouse(http, admin)
            http.post(
                "/api/channels",
                json={"code": "shop", "name": "Shop", "kind": "api", "stock_webhook_url": receiver.url},
                headers=admin,
            ).raise_for_status()
            receiver.wait_for(lambda got: len(got) == 1)
            for n in range(5):
                warehouse.stock("SKU-C", "A-05", 1, reason=f"found {n}")
            receiver.wait_for(lambda got: got and levels_of(got[-1]).get("SKU-C") == 5)
            time.sleep(1)  # time enough for a second sender to show itself
    finally:
        server.stop()
        receiver.close()
    assert [r.status for r in receiver.received[:3]] == [500, 500, 200]
    accepted = [r.headers["x-shipshape-delivery-id"] for r in receiver.accepted()]
    assert len(accepted) == len(set(accepted)), "a delivery was sent twice after it was accepted"
    tries = [r.headers["x-shipshape-delivery-id"] for r in receiver.received]
    assert tries.count(tries[0]) == 3, "the first delivery's attempts were doubled"
