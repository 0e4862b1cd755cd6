"""The tracking link printed on a label opens a real page, under the configured public URL whatever
Host the request named, and that page shows where the parcel is and nothing about the customer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar.testing import TestClient

from tests.support import ADDRESS
from tests.warehouse import setup_floor

PUBLIC = "https://track.shop.example"


def _client(public_url: str | None):
    from server.app import create_app
    from server.settings import Settings

    return TestClient(create_app(Settings(public_url=public_url)))


@pytest.fixture
def shop(clean_db):
    from tests.support import create_user, login

    with _client(PUBLIC) as client:
        admin = login(client, "root", create_user("root", "admin"))
        _, orders = setup_floor(client, admin)
        yield client, admin, orders[0]


def _links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<\"^]+/track/[A-Za-z0-9_-]+", text)


def test_printed_links_use_the_public_url_not_the_host_header(shop):
    client, admin, order = shop
    forged = {**admin, "host": "evil.example"}
    for path in (f"/print/orders/{order['id']}/label", f"/print/orders/{order['id']}/packing-slip"):
        html = client.get(path, headers=forged).text
        assert "evil.example" not in html
        assert set(_links(html)) == {f"{PUBLIC}/track/{order['tracking_token']}"}
    zpl = client.get(f"/print/orders/{order['id']}/label.zpl", headers=forged).text
    assert "evil" not in zpl and "track.shop.example/track/" in zpl


def test_the_printed_link_opens_the_tracking_page(shop):
    client, admin, order = shop
    (link,) = set(_links(client.get(f"/print/orders/{order['id']}/label", headers=admin).text))
    page = client.get(link.removeprefix(PUBLIC))  # no login: the token is the key
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "Being prepared" in html and "Order received" in html
    assert ADDRESS["city"] in html and "LS1" in html
    # Nothing about the customer beyond the town and postcode district.
    for private in ("Test Customer", ADDRESS["line1"], ADDRESS["postcode"], "SKU-", order["external_ref"]):
        assert private not in html, private
    assert page.headers["cache-control"] == "no-store"
    assert "<script" not in html and "style=" not in html  # the CSP allows neither
    assert page.headers["referrer-policy"] == "no-referrer"  # the token never leaks in a Referer


@pytest.mark.parametrize("token", ["AAAAAAAAAAAAAAAA", "short", "x" * 40, "a'b\"c<d>"])
def test_an_unknown_token_is_a_404_page(shop, token):
    client, _, _ = shop
    response = client.get(f"/track/{token}")
    assert response.status_code == 404 and "Unknown tracking code" in response.text
    assert client.get("/track/..%2F..%2Fetc").status_code == 404


def test_without_a_public_url_nothing_links_anywhere(clean_db):
    from tests.support import create_user, login

    with _client(None) as client:
        admin = login(client, "root", create_user("root", "admin"))
        _, orders = setup_floor(client, admin)
        order_id = orders[0]["id"]
        for path in (f"/print/orders/{order_id}/label", f"/print/orders/{order_id}/packing-slip"):
            response = client.get(path, headers=admin)
            assert response.status_code == 200 and "/track/" not in response.text and "testserver" not in response.text
        zpl = client.get(f"/print/orders/{order_id}/label.zpl", headers=admin).text
        assert "^BQN" not in zpl and "/track/" not in zpl and "^BCN" in zpl  # the SSCC stays


def test_a_bad_public_url_is_refused_at_start():
    from server.settings import parse_public_url

    with pytest.raises(ValueError, match="SHIPSHAPE_PUBLIC_URL"):
        parse_public_url("track.example.com")
    assert parse_public_url("https://track.example.com/") == "https://track.example.com"


def _record_shipment(package: str, carrier: str, tracking_number: str) -> None:
    """A carrier booked the package (what POST /api/packages/{code}/shipment does, straight through the engine)."""
    import asyncio

    from server.apply import run_one
    from server.db import Database
    from sync.ops import RecordShipment
    from tests.support import db_config

    async def book() -> None:
        db = Database(db_config())
        await db.start()
        try:
            await run_one(db, RecordShipment(package=package, carrier=carrier, tracking_number=tracking_number), actor=None)
        finally:
            await db.close()

    asyncio.run(book())


PRIVATE_ADDRESS = {
    "line1": "14 Larkspur Terrace",
    "city": "Leeds",
    "postcode": "LS6 2QT",
    "country": "GB",
    "lat": 53.8213,
    "lon": -1.5731,
}


@pytest.fixture
def delivered(clean_db):
    """Two orders to Ms Prudence Oddfellow: one delivered by our van with every proof, one with a carrier."""
    from tests.support import create_user, login, set_depot
    from tests.warehouse import Warehouse, device_for, pack_order, pick_everything, routed_package, seal, small_warehouse

    with _client(PUBLIC) as client:
        admin = login(client, "root", create_user("root", "admin"))
        set_depot(53.7960, -1.5470)
        small_warehouse(client, admin)
        warehouse = Warehouse(client, admin)
        customer = {"name": "Prudence Oddfellow"}
        promised = "2026-12-03T17:00:00Z"
        orders = [
            warehouse.order(ref, [("SKU-A", 1)], customer=customer, ship_to=PRIVATE_ADDRESS, promised_at=promised)
            for ref in ("T-1", "T-2")
        ]
        picker = device_for(client, "pia", "picker")
        warehouse.release(orders, "pia")
        pick_everything(picker)
        packer = device_for(client, "paco", "packer")
        for order, code in zip(warehouse.read_orders(orders), ("PK-T1", "PK-T2"), strict=True):
            pack_order(packer, order, code)
        seal(packer, "PK-T2")
        _record_shipment("PK-T2", "dhl", "JD0146000012345678")
        assert packer.push(packer.op("ship", package="PK-T2", carrier="dhl"))["results"][0]["status"] == "applied"
        driver, _ = routed_package(client, admin, packer, "PK-T1")
        yield client, admin, driver, orders


def _page(client, order) -> str:
    response = client.get(f"/track/{order['tracking_token']}")
    assert response.status_code == 200
    return response.text


def test_the_page_shows_the_promise_out_for_delivery_and_each_parcel_s_carrier_and_tracking_number(delivered):
    client, _, _, (own, carried) = delivered
    html = _page(client, own)
    assert "Out for delivery" in html and "Expected by" in html and "3 Dec 2026, 17:00 UTC" in html
    assert "Our own van" in html
    html = _page(client, carried)
    assert "Dhl" in html and "JD0146000012345678" in html and "On its way" in html


def test_a_failed_attempt_is_told_in_the_customer_s_words_without_the_driver_s_note(delivered):
    client, _, driver, (own, _) = delivered
    driver.push(driver.op("deliver_failed", package="PK-T1", reason="not_home", note="Prudence's dog bit me at the gate"))
    html = _page(client, own)
    assert "We tried to deliver" in html and "nobody was home" in html
    assert "dog" not in html and "Prudence" not in html


def test_after_a_delivery_the_page_shows_when_and_nothing_of_the_proof(delivered):
    client, admin, driver, (own, _) = delivered
    result = driver.push(
        driver.op(
            "deliver",
            package="PK-T1",
            recipient="Quentin Neighbourly",
            signature="3f0c2a8e-5b7d-4c1e-9a6f-0d2b4e8c1a7f",
            photo="9e1d4b2c-7a3f-4e5d-8c6b-1f0a2d3e4b5c",
            lat=53.821345,
            lon=-1.573187,
        )
    )["results"][0]
    assert result["status"] == "applied"
    html = _page(client, own)
    assert "<h1>Delivered</h1>" in html and "Delivered <time" in html and "We promised it by" in html
    for private in (
        "Quentin",
        "Neighbourly",
        "3f0c2a8e",
        "9e1d4b2c",
        "53.82",
        "-1.57",
        "1.573",
        "Larkspur",
        PRIVATE_ADDRESS["postcode"],
        "Prudence",
        "Oddfellow",
        "SKU-",
        "Product",
        own["external_ref"],
    ):
        assert private not in html, private
    # The staff's timeline has all of it, for the people allowed to read it.
    timeline = client.get(f"/api/orders/{own['id']}/timeline", headers=admin).json()
    assert any(step["detail"].get("recipient") == "Quentin Neighbourly" for step in timeline)


def test_the_page_is_laid_out_for_a_360_pixel_phone():
    css = (Path(__file__).resolve().parents[2] / "pwa" / "print.css").read_text()
    block = css[css.index("body.tracking {") :]
    assert "padding: 16px" in block and "font-size: 16px" in block and "overflow-wrap: anywhere" in block
