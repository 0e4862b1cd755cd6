"""The tracking link printed on a label opens a real page, under the configured public URL whatever
Host the request named, and that page shows where the parcel is and nothing about the customer."""

from __future__ import annotations

import re

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
