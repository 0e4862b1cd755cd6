"""Shops send orders as signed webhooks, against a real server: Shopify and WooCommerce in their own
formats, headers and signatures (fixtures from their documentation, see fixtures/README.md).

A delivery with a bad or missing signature stores nothing; a replayed delivery is taken once; the same
order under a new delivery id stays one order; an update changes an order until it goes to the
pickers and becomes an exception after; a cancellation cancels; an order we cannot take in is
refused with the field named, recorded, and put in front of a supervisor.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from server.channels.hooks import signature
from tests import support
from tests.sync.guarantees.harness import RawDB, assert_invariants
from tests.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures"
SHOP_SECRET = "shpss_0123456789abcdef0123456789"
WOO_SECRET = "wc-secret-with-punctuation!#%&*+"
COUNTED = ("sales_order", "order_line", "reservation", "webhook_delivery", "ledger", "sync_exception", "customer", "address")


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def sign(secret: str, body: bytes) -> str:
    """Written out here rather than imported: the test computes the signature the way the shops document it."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def counts() -> dict[str, int]:
    raw = RawDB()
    try:
        return {table: raw.val(f"SELECT COUNT(*) FROM {table}") for table in COUNTED}
    finally:
        raw.close()


def invariants_hold() -> None:
    raw = RawDB()
    try:
        assert_invariants(raw)
    finally:
        raw.close()


class Shop:
    """The warehouse, its admin's client, and a shop that delivers webhooks to one of its channels."""

    def __init__(self, http: httpx.Client, admin: dict[str, str]):
        self.http = http
        self.admin = admin

    def shopify(
        self,
        payload: dict | bytes,
        topic: str = "orders/create",
        webhook_id: str = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        channel: str = "shop",
        secret: str = SHOP_SECRET,
        hmac_header: str | None = None,
        omit_signature: bool = False,
    ) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": "johns-apparel.myshopify.com",
            "X-Shopify-API-Version": "2025-04",
            "X-Shopify-Webhook-Id": webhook_id,
        }
        if not omit_signature:
            headers["X-Shopify-Hmac-Sha256"] = hmac_header if hmac_header is not None else sign(secret, body)
        return self.http.post(f"/api/hooks/shopify/{channel}", content=body, headers=headers)

    def woo(
        self,
        payload: dict | bytes,
        topic: str = "order.created",
        delivery_id: str = "36e520ebabc2fa725092ff4a47acedf2",
        channel: str = "woo",
        secret: str = WOO_SECRET,
    ) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        resource, _, event = topic.partition(".")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)",
            "X-WC-Webhook-Source": "https://www.example.com/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": sign(secret, body),
            "X-WC-Webhook-ID": "3",
            "X-WC-Webhook-Delivery-ID": delivery_id,
        }
        return self.http.post(f"/api/hooks/woocommerce/{channel}", content=body, headers=headers)

    def order(self, order_id: int) -> dict:
        response = self.http.get(f"/api/orders/{order_id}", headers=self.admin)
        assert response.status_code == 200, response.text
        return response.json()

    def lines(self, order_id: int) -> dict[str, tuple[int, int, str]]:
        """{sku: (qty, qty_allocated, status)} of the order's lines."""
        return {line["sku"]: (line["qty"], line["qty_allocated"], line["status"]) for line in self.order(order_id)["lines"]}

    def reserved(self, sku: str) -> int:
        rows = self.http.get("/api/stock", params={"sku": sku}, headers=self.admin).json()
        return sum(row["reserved"] for row in rows)

    def exceptions(self, code: str) -> list[dict]:
        response = self.http.get("/api/exceptions", headers=self.admin)
        assert response.status_code == 200, response.text
        return [e for e in response.json() if e["code"] == code]


@pytest.fixture
def shop(live_server, clean_db):
    password = support.create_user("root", "admin")
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        admin = support.login(http, "root", password)
        warehouse = Warehouse(http, admin)
        for sku in ("IPOD2008PINK", "WOO-SINGLE-1", "Bar3", "CASE-1"):
            warehouse.product(sku, f"Product {sku}")
        for n, code in enumerate(("A-01", "A-02", "A-03", "A-04"), start=1):
            warehouse.location(code, n * 10)
        warehouse.stock_rows(
            {"IPOD2008PINK": [("A-01", 5)], "WOO-SINGLE-1": [("A-02", 5)], "Bar3": [("A-03", 5)], "CASE-1": [("A-04", 2)]}
        )
        for code, kind, secret in (("shop", "shopify", SHOP_SECRET), ("woo", "woocommerce", WOO_SECRET)):
            response = http.post(
                "/api/channels", json={"code": code, "name": code, "kind": kind, "webhook_secret": secret}, headers=admin
            )
            assert response.status_code == 201, response.text
        yield Shop(http, admin)


def with_lines(payload: dict, *lines: tuple[str, int]) -> dict:
    """The Shopify order with these (sku, quantity) line items instead of its own (the first one's shape)."""
    changed = copy.deepcopy(payload)
    template = changed["line_items"][0]
    changed["line_items"] = [
        dict(template, id=1000 + n, sku=sku, quantity=qty, current_quantity=qty, fulfillable_quantity=qty)
        for n, (sku, qty) in enumerate(lines)
    ]
    return changed


# -- signatures ------------------------------------------------------------------------------------


def test_the_signature_matches_shopifys_own_published_test_vector():
    """Shopify/shopify-api-js validate.test.ts: body {"foo": "bar"}, secret test_secret_key."""
    assert signature("test_secret_key", b'{"foo": "bar"}') == "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="


def test_a_delivery_signed_as_shopifys_library_signs_it_passes_the_check_then_is_refused_as_no_order(shop):
    """The published vector end to end: the signature is accepted (not 401), the body is not an order (400,
    naming the field), and the delivery is recorded, so Shopify's retry of it is answered as a replay."""
    raw = RawDB()
    try:
        raw.execute("UPDATE channel SET webhook_secret = ? WHERE code = 'shop'", "test_secret_key")
    finally:
        raw.close()
    body = b'{"foo": "bar"}'
    first = shop.shopify(body, webhook_id="123456789", hmac_header="B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=")
    assert first.status_code == 400, first.text
    assert first.json()["error"] == "malformed_payload" and first.json()["field"] == "id"
    again = shop.shopify(body, webhook_id="123456789", hmac_header="B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=")
    assert again.status_code == 200 and again.json()["replayed"] is True and again.json()["outcome"] == "malformed"
    assert counts()["webhook_delivery"] == 1 and counts()["sales_order"] == 0


@pytest.mark.parametrize(
    "how",
    ["wrong secret", "missing header", "body changed after signing", "signature of another body", "not base64"],
)
def test_a_delivery_without_a_good_signature_is_401_and_stores_nothing(shop, how):
    payload = fixture("shopify_orders_create.json")
    body = json.dumps(payload).encode()
    before = counts()
    if how == "wrong secret":
        response = shop.shopify(body, secret="not-the-channel-secret-at-all")
    elif how == "missing header":
        response = shop.shopify(body, omit_signature=True)
    elif how == "body changed after signing":
        tampered = body.replace(b'"quantity": 1', b'"quantity": 9', 1)
        assert tampered != body
        response = shop.shopify(tampered, hmac_header=sign(SHOP_SECRET, body))
    elif how == "signature of another body":
        response = shop.shopify(body, hmac_header=sign(SHOP_SECRET, b"{}"))
    else:
        response = shop.shopify(body, hmac_header="%%%not base64%%%")
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "bad_signature"
    assert "X-Shopify-Hmac-Sha256" in response.json()["message"]
    assert counts() == before


def test_woocommerce_signatures_are_checked_the_same_way(shop):
    body = json.dumps(fixture("woocommerce_order_created.json")).encode()
    before = counts()
    response = shop.http.post(
        "/api/hooks/woocommerce/woo",
        content=body,
        headers={"X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Signature": sign("another-secret-entirely", body)},
    )
    assert response.status_code == 401 and response.json()["error"] == "bad_signature"
    missing = shop.http.post("/api/hooks/woocommerce/woo", content=body, headers={"X-WC-Webhook-Topic": "order.created"})
    assert missing.status_code == 401 and "X-WC-Webhook-Signature" in missing.json()["message"]
    assert counts() == before


def test_an_inactive_channel_or_one_of_another_kind_is_404_and_stores_nothing(shop):
    payload = fixture("shopify_orders_create.json")
    before = counts()
    wrong_kind = shop.shopify(payload, channel="woo", secret=WOO_SECRET)
    assert wrong_kind.status_code == 404 and "woo" in wrong_kind.json()["message"]
    unknown = shop.shopify(payload, channel="nowhere")
    assert unknown.status_code == 404 and "nowhere" in unknown.json()["message"]
    assert shop.http.post("/api/channels/shop", json={"active": False}, headers=shop.admin).status_code == 200
    inactive = shop.shopify(payload)
    assert inactive.status_code == 404 and "shop" in inactive.json()["message"]
    assert counts() == before


# -- taking orders in --------------------------------------------------------------------------------


def test_a_shopify_order_is_taken_in_with_its_lines_address_customer_and_payment(shop):
    response = shop.shopify(fixture("shopify_orders_create.json"))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["outcome"] == "created" and answer["replayed"] is False
    order = shop.order(answer["order_id"])
    assert order["channel"] == "shop" and order["external_ref"] == "#9999"
    assert order["payment_status"] == "paid" and order["status"] == "allocated"
    # The documented sample lists IPOD2008PINK on two lines of 1: one line of 2 here.
    assert shop.lines(order["id"]) == {"IPOD2008PINK": (2, 2, "allocated")}
    assert order["customer"] == {"name": "Steve Shipper", "email": "jon@example.com", "phone": "555-555-SHIP"}
    assert order["ship_to"] == {
        "line1": "123 Shipping Street",
        "line2": "",
        "city": "Shippington",
        "postcode": "40003",
        "region": "KY",
        "country": "US",
    }
    assert shop.reserved("IPOD2008PINK") == 2
    invariants_hold()


def test_an_unpaid_shopify_order_waits_for_payment_and_is_released_when_shopify_says_paid(shop):
    payload = fixture("shopify_orders_create.json")
    payload["financial_status"] = "authorized"
    created = shop.shopify(payload).json()
    order = shop.order(created["order_id"])
    assert (order["status"], order["payment_status"], order["hold"]) == ("on_hold", "pending", "payment")
    payload["financial_status"] = "paid"
    paid = shop.shopify(payload, topic="orders/updated", webhook_id="paid-1").json()
    assert paid["outcome"] == "paid", paid
    order = shop.order(created["order_id"])
    assert (order["status"], order["payment_status"]) == ("allocated", "paid")
    invariants_hold()


def test_a_replayed_delivery_is_taken_once_and_answered_with_its_first_outcome(shop):
    payload = fixture("shopify_orders_create.json")
    first = shop.shopify(payload, webhook_id="delivery-1").json()
    after_first = counts()
    second = shop.shopify(payload, webhook_id="delivery-1")
    assert second.status_code == 200
    assert second.json()["replayed"] is True
    assert (second.json()["outcome"], second.json()["order_id"]) == ("created", first["order_id"])
    assert counts() == after_first


def test_the_same_order_under_a_new_delivery_id_is_still_one_order(shop):
    payload = fixture("shopify_orders_create.json")
    first = shop.shopify(payload, webhook_id="delivery-1").json()
    second = shop.shopify(payload, webhook_id="delivery-2").json()
    assert second["replayed"] is False and second["outcome"] == "duplicate" and second["order_id"] == first["order_id"]
    assert counts()["sales_order"] == 1 and counts()["webhook_delivery"] == 2
    assert shop.reserved("IPOD2008PINK") == 2


def test_copies_of_one_delivery_arriving_at_once_on_two_server_processes_make_one_order(clean_db):
    """Eight copies of one delivery and four of the same order under new delivery ids, all at once, on a
    server with two worker processes: one order, one `created`, the copies replays, the rest duplicates."""
    server = support.LiveServer(workers=2)
    log = server.lines
    try:
        password = support.create_user("root", "admin")
        with httpx.Client(base_url=server.url, timeout=30) as http:
            admin = support.login(http, "root", password)
            warehouse = Warehouse(http, admin)
            warehouse.product("IPOD2008PINK", "iPod")
            warehouse.location("A-01", 10)
            warehouse.stock("IPOD2008PINK", "A-01", 5)
            created = http.post(
                "/api/channels",
                json={"code": "shop", "name": "Shop", "kind": "shopify", "webhook_secret": SHOP_SECRET},
                headers=admin,
            )
            assert created.status_code == 201, created.text
        body = json.dumps(fixture("shopify_orders_create.json")).encode()
        ids = ["same-delivery"] * 8 + [f"other-{n}" for n in range(4)]
        barrier = threading.Barrier(len(ids))
        clients = [httpx.Client(base_url=server.url, timeout=60) for _ in ids]

        def deliver(job: tuple[httpx.Client, str]) -> httpx.Response:
            http, webhook_id = job
            http.get("/api/health")
            barrier.wait(timeout=30)
            headers = {
                "X-Shopify-Topic": "orders/create",
                "X-Shopify-Webhook-Id": webhook_id,
                "X-Shopify-Hmac-Sha256": sign(SHOP_SECRET, body),
            }
            return http.post("/api/hooks/shopify/shop", content=body, headers=headers)

        try:
            with ThreadPoolExecutor(max_workers=len(ids)) as pool:
                responses = list(pool.map(deliver, zip(clients, ids, strict=True)))
        finally:
            for http in clients:
                http.close()
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses] + [b"".join(log).decode()[-3000:]]
        answers = [r.json() for r in responses]
        assert len({a["order_id"] for a in answers}) == 1
        fresh = [a for a in answers if not a["replayed"]]
        assert sorted(a["outcome"] for a in fresh) == ["created"] + ["duplicate"] * 4, answers
        assert all(a["outcome"] in ("created", "duplicate") for a in answers if a["replayed"])
        assert counts()["sales_order"] == 1 and counts()["webhook_delivery"] == 5
        invariants_hold()
    finally:
        server.stop()


# -- updates -----------------------------------------------------------------------------------------


def test_an_update_before_release_changes_lines_address_and_reservations(shop):
    payload = with_lines(fixture("shopify_orders_create.json"), ("IPOD2008PINK", 2))
    order_id = shop.shopify(payload).json()["order_id"]
    assert shop.reserved("IPOD2008PINK") == 2

    changed = with_lines(payload, ("IPOD2008PINK", 4), ("CASE-1", 3))
    changed["shipping_address"] = dict(changed["shipping_address"], address1="9 New Road", zip="40005")
    answer = shop.shopify(changed, topic="orders/updated", webhook_id="update-1").json()
    assert answer["outcome"] == "updated", answer
    assert "IPOD2008PINK 2 → 4" in answer["message"] and "CASE-1 added (3)" in answer["message"]
    # Only 2 CASE-1 in stock: one unit waits for stock, as a new order's line would.
    assert shop.lines(order_id) == {"IPOD2008PINK": (4, 4, "allocated"), "CASE-1": (3, 2, "partially_allocated")}
    order = shop.order(order_id)
    assert order["status"] == "partially_allocated"
    assert (order["ship_to"]["line1"], order["ship_to"]["postcode"]) == ("9 New Road", "40005")
    assert (shop.reserved("IPOD2008PINK"), shop.reserved("CASE-1")) == (4, 2)
    invariants_hold()

    # A SKU taken off the order gives its units back; an identical re-send changes nothing.
    smaller = with_lines(changed, ("IPOD2008PINK", 1))
    assert shop.shopify(smaller, topic="orders/updated", webhook_id="update-2").json()["outcome"] == "updated"
    assert shop.lines(order_id) == {"IPOD2008PINK": (1, 1, "allocated"), "CASE-1": (3, 0, "cancelled")}
    assert (shop.reserved("IPOD2008PINK"), shop.reserved("CASE-1")) == (1, 0)
    assert shop.order(order_id)["status"] == "allocated"
    same = shop.shopify(smaller, topic="orders/updated", webhook_id="update-3").json()
    assert same["outcome"] == "unchanged"
    invariants_hold()


def test_an_update_after_the_order_went_to_the_pickers_is_an_exception_and_changes_nothing(shop):
    support.create_user("pia", "picker")
    payload = fixture("shopify_orders_create.json")
    order_id = shop.shopify(payload).json()["order_id"]
    wave = shop.http.post("/api/waves", json={"order_ids": [order_id], "picker": "pia"}, headers=shop.admin)
    assert wave.status_code == 201, wave.text
    before = (shop.lines(order_id), shop.order(order_id)["ship_to"], shop.reserved("IPOD2008PINK"))

    changed = with_lines(payload, ("IPOD2008PINK", 3))
    response = shop.shopify(changed, topic="orders/updated", webhook_id="late-change")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["outcome"], answer["code"]) == ("rejected", "changed_after_picking")
    assert (shop.lines(order_id), shop.order(order_id)["ship_to"], shop.reserved("IPOD2008PINK")) == before
    (exception,) = shop.exceptions("changed_after_picking")
    assert exception["order_id"] == order_id and exception["order_ref"] == "#9999"
    assert "Shopify changed order #9999" in exception["message"] and "IPOD2008PINK 2 → 3" in exception["message"]
    # The same order re-sent as it is (Shopify sends orders/updated for fulfilment, tags …) is no exception.
    assert shop.shopify(payload, topic="orders/updated", webhook_id="no-change").json()["outcome"] == "unchanged"
    assert len(shop.exceptions("changed_after_picking")) == 1
    invariants_hold()


def test_an_update_for_an_order_we_never_got_takes_it_in(shop):
    answer = shop.shopify(fixture("shopify_orders_create.json"), topic="orders/updated").json()
    assert answer["outcome"] == "created"


# -- cancellations ------------------------------------------------------------------------------------


def test_shopify_cancelling_an_order_cancels_it_and_frees_its_stock(shop):
    order_id = shop.shopify(fixture("shopify_orders_create.json")).json()["order_id"]
    assert shop.reserved("IPOD2008PINK") == 2
    answer = shop.shopify(fixture("shopify_orders_cancelled.json"), topic="orders/cancelled", webhook_id="cancel-1").json()
    assert (answer["outcome"], answer["order_id"]) == ("cancelled", order_id)
    assert shop.order(order_id)["status"] == "cancelled" and shop.reserved("IPOD2008PINK") == 0
    # orders/updated carrying cancelled_at after that: already cancelled, nothing more.
    again = shop.shopify(fixture("shopify_orders_cancelled.json"), topic="orders/updated", webhook_id="cancel-2").json()
    assert again["outcome"] == "unchanged"
    invariants_hold()


def test_a_cancellation_of_an_order_we_never_got_is_recorded_and_ignored(shop):
    answer = shop.shopify(fixture("shopify_orders_cancelled.json"), topic="orders/cancelled").json()
    assert answer["outcome"] == "ignored" and counts()["sales_order"] == 0 and counts()["webhook_delivery"] == 1


# -- refusals -----------------------------------------------------------------------------------------


def test_an_unknown_sku_refuses_the_order_naming_the_line_records_it_and_tells_a_supervisor(shop):
    payload = with_lines(fixture("shopify_orders_create.json"), ("IPOD2008PINK", 1), ("NOT-A-SKU", 1))
    response = shop.shopify(payload, webhook_id="unknown-sku")
    assert response.status_code == 200, response.text  # a retry would not help: Shopify must not retry for 48 h
    answer = response.json()
    assert (answer["outcome"], answer["code"], answer["field"]) == ("refused", "unknown_sku", "line_items[1].sku")
    assert "NOT-A-SKU" in answer["message"]
    assert counts()["sales_order"] == 0 and counts()["webhook_delivery"] == 1
    assert len(shop.exceptions("unknown_sku")) == 1
    again = shop.shopify(payload, webhook_id="unknown-sku").json()
    assert again["replayed"] is True and again["outcome"] == "refused"
    assert len(shop.exceptions("unknown_sku")) == 1


def test_malformed_json_after_a_good_signature_is_400_naming_the_problem_and_recorded(shop):
    before = counts()
    response = shop.shopify(b'{"id": 1, "name": "#1", "line_items": [', webhook_id="broken")
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "malformed_json" and "JSON" in response.json()["message"]
    after = counts()
    assert after["webhook_delivery"] == before["webhook_delivery"] + 1 and after["sales_order"] == 0
    assert len(shop.exceptions("malformed_json")) == 1


def test_a_value_our_orders_cannot_hold_is_refused_under_the_shops_field_name(shop):
    payload = fixture("shopify_orders_create.json")
    payload["shipping_address"]["zip"] = ""
    answer = shop.shopify(payload).json()
    assert (answer["outcome"], answer["field"]) == ("refused", "shipping_address.zip"), answer


def test_topics_we_do_not_act_on_are_recorded_and_ignored(shop):
    answer = shop.shopify({"id": 1}, topic="products/update").json()
    assert answer["outcome"] == "ignored" and counts()["webhook_delivery"] == 1 and counts()["sales_order"] == 0


# -- WooCommerce -------------------------------------------------------------------------------------


def test_woocommerce_pings_a_new_webhook_unsigned_and_gets_200_with_nothing_stored(shop):
    before = counts()
    response = shop.http.post(
        "/api/hooks/woocommerce/woo",
        content=b"webhook_id=3",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)",
        },
    )
    assert response.status_code == 200, response.text
    assert counts() == before


def test_a_woocommerce_order_is_taken_in_and_its_status_drives_payment_and_cancellation(shop):
    payload = fixture("woocommerce_order_created.json")
    payload["status"], payload["date_paid"] = "on-hold", None  # bank transfer, not yet paid
    created = shop.woo(payload, delivery_id="d-1").json()
    assert created["outcome"] == "created", created
    order = shop.order(created["order_id"])
    assert order["external_ref"] == "727" and (order["status"], order["payment_status"]) == ("on_hold", "pending")
    assert shop.lines(order["id"]) == {"WOO-SINGLE-1": (2, 0, "backordered"), "Bar3": (1, 0, "backordered")}
    assert order["customer"] == {"name": "John Doe", "email": "john.doe@example.com", "phone": "(555) 555-5555"}
    assert (order["ship_to"]["line1"], order["ship_to"]["region"], order["ship_to"]["country"]) == ("969 Market", "CA", "US")

    payload["status"], payload["date_paid"] = "processing", "2017-03-22T16:28:08"
    assert shop.woo(payload, topic="order.updated", delivery_id="d-2").json()["outcome"] == "paid"
    assert shop.lines(order["id"]) == {"WOO-SINGLE-1": (2, 2, "allocated"), "Bar3": (1, 1, "allocated")}

    payload["status"] = "cancelled"
    assert shop.woo(payload, topic="order.updated", delivery_id="d-3").json()["outcome"] == "cancelled"
    assert shop.order(order["id"])["status"] == "cancelled"
    assert (shop.reserved("WOO-SINGLE-1"), shop.reserved("Bar3")) == (0, 0)
    invariants_hold()


def test_woocommerce_replays_are_recognised_but_two_orders_sharing_a_delivery_id_are_not_merged(shop):
    """WooCommerce's delivery id is a hash of the webhook id and the current second: two orders in one
    second share it. The same bytes again are a replay; another order under that id is still taken in."""
    payload = fixture("woocommerce_order_created.json")
    first = shop.woo(payload, delivery_id="same-second").json()
    replay = shop.woo(payload, delivery_id="same-second").json()
    assert replay["replayed"] is True and replay["order_id"] == first["order_id"]
    other = dict(payload, id=728, number="728")
    second = shop.woo(other, delivery_id="same-second").json()
    assert second["outcome"] == "created" and second["order_id"] != first["order_id"]
    assert counts()["sales_order"] == 2


def test_a_woocommerce_line_without_a_sku_as_in_the_documented_example_refuses_the_order(shop):
    payload = fixture("woocommerce_order_created.json")
    payload["line_items"][0]["sku"] = ""  # as the REST API documentation's example has it
    answer = shop.woo(payload).json()
    assert (answer["outcome"], answer["code"], answer["field"]) == ("refused", "missing_sku", "line_items[0].sku")
    assert "Woo Single #1" in answer["message"]
    assert counts()["sales_order"] == 0 and len(shop.exceptions("missing_sku")) == 1
