"""Booking sealed packages with carriers (our own fleet, and a parcel company stood in for by
tests/carrier_double.py), and the labels printed for each package."""

from __future__ import annotations

import re

import pytest
from biip import ParseConfig, parse
from litestar.testing import TestClient

from scanner.sscc import DEFAULT_COMPANY_PREFIX, hri, package_of_sscc, sscc_for_order
from server.app import create_app
from server.carriers import CarrierError, CarrierUnavailable
from server.carriers.own_fleet import own_fleet_tracking_number
from server.settings import Settings
from tests.support import create_user, login
from tests.warehouse import packed_order

PARCELCO = (("parcelco", "tests.carrier_double:ParcelCo"),)


@pytest.fixture
def shop(clean_db):
    """The app with ParcelCo registered and no public URL, and an order of 3 × SKU-A packed and sealed
    in PKG-1 (2 units) and PKG-2 (1 unit)."""
    app = create_app(Settings(carriers=PARCELCO, public_url=None))
    with TestClient(app) as client:
        admin = login(client, "root", create_user("root", "admin"))
        packer, order = packed_order(client, admin)
        yield client, admin, packer, order, app.state.carriers.get("parcelco")


def book(client, headers, code, carrier=None, expect=201):
    response = client.post(f"/api/packages/{code}/shipment", json={"carrier": carrier} if carrier else None, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def test_booking_the_own_fleet_records_a_tracking_number_once(shop):
    client, admin, packer, order, _ = shop
    booked = book(client, packer.headers, "PKG-1")
    assert booked["carrier"] == "own_fleet" and booked["label_format"] is None
    assert booked["label_url"] == "/print/packages/PKG-1/label"
    number = booked["tracking_number"]
    assert re.fullmatch(r"SSF\d{11}", number)
    again = book(client, packer.headers, "PKG-1", "own_fleet", expect=200)
    assert again == booked
    packages = {p["code"]: p for p in packer.pull()["pack_orders"][0]["packages"]}
    assert packages["PKG-1"]["tracking_number"] == number and packages["PKG-2"]["tracking_number"] == ""
    # Different packages get unrelated-looking numbers, so a customer cannot read the package count off one.
    other = book(client, admin, "PKG-2")["tracking_number"]
    assert other != number and other[3:8] != number[3:8]


def test_own_fleet_tracking_numbers_are_distinct_and_carry_a_check_digit():
    numbers = [own_fleet_tracking_number(n) for n in range(1, 2001)]
    assert len(set(numbers)) == len(numbers)
    from biip.checksums import gs1_standard_check_digit

    assert all(int(n[-1]) == gs1_standard_check_digit(n[3:-1]) for n in numbers)


def test_a_parcel_carrier_is_booked_once_however_often_the_packer_asks_and_its_label_is_served(shop):
    client, admin, packer, order, parcelco = shop
    first = book(client, packer.headers, "PKG-1", "parcelco")
    second = book(client, packer.headers, "PKG-1", "parcelco", expect=200)
    assert first == second
    assert [r.idempotency_key for r in parcelco.bookings] == ["PKG-1"]
    request = parcelco.bookings[0]
    assert (request.weight_g, request.length_mm, request.postcode, request.recipient) == (1200, 300, "LS1 1AA", "Test Customer")
    assert first["tracking_url"] == f"https://parcelco.example/t/{first['tracking_number']}"
    assert first["label_url"] == "/print/packages/PKG-1/carrier-label" and first["label_format"] == "zpl"
    label = client.get(first["label_url"], headers=packer.headers)
    assert label.status_code == 200 and label.headers["content-type"].startswith("text/plain")
    assert label.text.startswith("^XA") and first["tracking_number"] in label.text
    # Another carrier for the same package: cancel first.
    other = book(client, packer.headers, "PKG-1", "own_fleet", expect=409)
    assert other["error"] == "already_booked" and "parcelco" in other["message"]


def test_a_carrier_outage_is_a_503_and_a_refusal_is_shown_to_the_packer(shop):
    client, admin, packer, order, parcelco = shop
    parcelco.fail_next = CarrierUnavailable("HTTP 503")
    down = book(client, packer.headers, "PKG-1", "parcelco", expect=503)
    assert (down["error"], down["field"]) == ("carrier_unavailable", "carrier") and "ParcelCo" in down["message"]
    parcelco.fail_next = CarrierError("postcode LS1 1AA is not served on Sundays")
    refused = book(client, packer.headers, "PKG-1", "parcelco", expect=422)
    assert refused["error"] == "carrier_refused" and "not served on Sundays" in refused["message"]
    assert book(client, packer.headers, "PKG-1", "parcelco")["tracking_number"]  # the retry goes through
    unknown = book(client, packer.headers, "PKG-2", "pigeon", expect=422)
    assert (unknown["error"], unknown["field"]) == ("unknown_carrier", "carrier")


def test_cancelling_a_booking_frees_the_package_for_another_carrier(shop):
    client, admin, packer, order, parcelco = shop
    number = book(client, packer.headers, "PKG-1", "parcelco")["tracking_number"]
    assert client.post("/api/packages/PKG-1/shipment/cancel", headers=packer.headers).status_code == 204
    assert parcelco.cancelled == [number]
    assert client.get("/print/packages/PKG-1/carrier-label", headers=packer.headers).status_code == 404
    # Nothing booked any more: cancelling again changes nothing and asks nobody.
    assert client.post("/api/packages/PKG-1/shipment/cancel", headers=packer.headers).status_code == 204
    assert parcelco.cancelled == [number]
    assert book(client, packer.headers, "PKG-1", "own_fleet")["carrier"] == "own_fleet"
    # Once handed over, the booking is the parcel's: no cancelling from here.
    assert packer.push(packer.op("ship", package="PKG-1"))["results"][0]["status"] == "applied"
    gone = client.post("/api/packages/PKG-1/shipment/cancel", headers=packer.headers)
    assert (gone.status_code, gone.json()["error"]) == (409, "already_shipped")


def test_no_booking_for_an_unsealed_package_or_a_cancelled_order(clean_db):
    with TestClient(create_app(Settings(public_url=None))) as client:
        admin = login(client, "root", create_user("root", "admin"))
        packer, order = packed_order(client, admin, packages=[("PKG-1", 3)], seal=False)
        open_box = book(client, packer.headers, "PKG-1", expect=409)
        assert (open_box["error"], open_box["field"]) == ("not_sealed", "code")
        assert book(client, packer.headers, "PKG-404", expect=404)["error"] == "unknown_package"
        assert packer.push(packer.op("seal", package="PKG-1", package_type="BOX-M", weight_g=0))["results"][0]["status"] == (
            "rejected"  # no type made yet
        )
        assert client.post(f"/api/orders/{order['id']}/cancel", json={}, headers=admin).status_code == 200
        cancelled = book(client, packer.headers, "PKG-1", expect=409)
        assert cancelled["error"] == "order_cancelled" and order["external_ref"] in cancelled["message"]
        for suffix in ("label", "label.zpl"):
            response = client.get(f"/print/packages/PKG-1/{suffix}", headers=packer.headers)
            assert (response.status_code, response.json()["error"]) == (409, "order_cancelled")


# -- the package's own label ----------------------------------------------------------------------

_HRI = re.compile(r'<p class="hri">\(00\) ([\d ]+)</p>')


def test_each_package_label_says_which_of_the_orders_packages_it_is_and_carries_its_own_sscc(shop):
    client, admin, packer, order, _ = shop
    number = book(client, packer.headers, "PKG-2")["tracking_number"]
    ssccs = []
    for n, code in enumerate(("PKG-1", "PKG-2"), start=1):
        response = client.get(f"/print/packages/{code}/label", headers=packer.headers)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        html = response.text
        assert code in html and f"Package {n} of 2" in html and "BOX-M" in html and "Weight 1.20 kg" in html
        assert "Test Customer" in html and order["external_ref"] in html
        assert "Track this parcel" not in html and "barcode qr" not in html  # no public URL: no QR
        sscc = _HRI.search(html).group(1).replace(" ", "")
        # Read with the GS1 parser as a scanner would: a valid SSCC (AI 00), check digit and all.
        parsed = parse(f"]C100{sscc}", config=ParseConfig(separator_chars=["\x1d"]))
        assert parsed.gs1_message is not None
        (element,) = parsed.gs1_message.element_strings
        assert element.ai.ai == "00" and element.sscc is not None and element.sscc.value == sscc
        assert hri(sscc) in html
        assert package_of_sscc(sscc) is not None and sscc != sscc_for_order(order["id"])
        ssccs.append(sscc)
    assert len(set(ssccs)) == 2
    assert number in client.get("/print/packages/PKG-2/label", headers=packer.headers).text
    assert "Own fleet" in client.get("/print/packages/PKG-2/label", headers=packer.headers).text
    # What a scanner reads off the label names the package.
    found = client.post("/api/scan/resolve", json={"scan": f"]C100{ssccs[1]}"}, headers=packer.headers).json()
    assert (found["kind"], found["package"]["code"]) == ("package", "PKG-2")


def test_the_package_label_as_zpl(shop):
    client, admin, packer, order, _ = shop
    number = book(client, packer.headers, "PKG-1")["tracking_number"]
    response = client.get("/print/packages/PKG-1/label.zpl", headers=packer.headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    zpl = response.text
    (sscc,) = re.findall(r"\^FD\(00\)(\d{18})\^FS", zpl)
    assert package_of_sscc(sscc, DEFAULT_COMPANY_PREFIX) is not None
    assert "Package 1 of 2: PKG-1 (BOX-M)" in zpl and number in zpl and "Weight 1.20 kg" in zpl
    assert "^BQN" not in zpl  # no public URL, no tracking QR
    assert client.get("/print/packages/NOPE/label.zpl", headers=packer.headers).status_code == 404


def test_the_package_label_links_to_tracking_when_a_public_url_is_set(clean_db):
    with TestClient(create_app(Settings(public_url="https://shop.example"))) as client:
        admin = login(client, "root", create_user("root", "admin"))
        packer, order = packed_order(client, admin, packages=[("PKG-1", 3)])
        html = client.get("/print/packages/PKG-1/label", headers=packer.headers).text
        assert "Package 1 of 1" in html and f"https://shop.example/track/{order['tracking_token']}" in html
        assert "^BQN" in client.get("/print/packages/PKG-1/label.zpl", headers=packer.headers).text


def test_the_packing_slip_lists_the_orders_packages(shop):
    client, admin, packer, order, _ = shop
    html = client.get(f"/print/orders/{order['id']}/packing-slip", headers=packer.headers).text
    assert html.count("BOX-M") == 2 and html.count("1.20 kg") == 2
    assert "PKG-1" in html and "PKG-2" in html


@pytest.mark.parametrize("suffix", ["label", "label.zpl", "carrier-label"])
def test_who_may_print_a_package_label(shop, suffix):
    client, admin, packer, order, _ = shop
    book(client, packer.headers, "PKG-1", "parcelco")
    path = f"/print/packages/PKG-1/{suffix}"
    assert client.get(path).status_code == 401
    for role in ("picker", "driver", "supervisor", "admin"):
        headers = login(client, f"u-{role}", create_user(f"u-{role}", role))
        status = client.get(path, headers=headers).status_code
        assert status == (200 if role in ("supervisor", "admin") else 403), (role, status)
    assert client.get(path, headers=packer.headers).status_code == 200
