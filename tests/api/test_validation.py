"""Bad input gets a 4xx naming the field and the rule, and changes nothing."""

from __future__ import annotations

import pytest

from tests.support import order_body
from tests.warehouse import small_warehouse


def snapshot(client, headers):
    return (
        client.get("/api/stock", headers=headers).json(),
        client.get("/api/orders?limit=1000", headers=headers).json(),
        client.get("/api/products", headers=headers).json(),
        client.get("/api/locations", headers=headers).json(),
    )


BAD_ORDERS = [
    ("qty as a string", lambda b: b["lines"][0].update(qty="2"), "lines[0].qty", "Expected `int`"),
    ("negative qty", lambda b: b["lines"][0].update(qty=-1), "lines[0].qty", ">= 1"),
    ("zero qty", lambda b: b["lines"][0].update(qty=0), "lines[0].qty", ">= 1"),
    ("no lines", lambda b: b.update(lines=[]), "lines", "length >= 1"),
    ("missing external_ref", lambda b: b.pop("external_ref"), "external_ref", "missing required field"),
    ("missing customer name", lambda b: b["customer"].pop("name"), "customer.name", "missing required field"),
    ("country not ISO", lambda b: b["ship_to"].update(country="United Kingdom"), "ship_to.country", "matching regex"),
    ("unknown field", lambda b: b.update(colour="red"), "colour", "unknown field"),
    ("bad payment status", lambda b: b.update(payment_status="maybe"), "payment_status", "Invalid enum value"),
    ("lines not a list", lambda b: b.update(lines="SKU-A"), "lines", "Expected `array`"),
]


@pytest.mark.parametrize("name, mutate, field, rule", BAD_ORDERS, ids=[b[0] for b in BAD_ORDERS])
def test_malformed_orders_are_refused_naming_the_field(client, admin, name, mutate, field, rule):
    small_warehouse(client, admin)
    before = snapshot(client, admin)
    body = order_body("BAD-1", [("SKU-A", 1)])
    mutate(body)
    response = client.post("/api/orders", json=body, headers=admin)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["error"] == "validation_failed"
    assert error["field"] == field
    assert rule.lower() in error["errors"][0]["rule"].lower()
    assert snapshot(client, admin) == before


@pytest.mark.parametrize(
    "lines, status, code, field",
    [
        ([("NOPE", 1)], 404, "unknown_sku", "lines[0].sku"),
        ([("SKU-A", 1), ("NOPE", 1)], 404, "unknown_sku", "lines[1].sku"),
        ([("SKU-A", 1), ("SKU-A", 2)], 422, "duplicate_sku", "lines[1].sku"),
    ],
)
def test_orders_naming_unknown_things_change_nothing(client, admin, lines, status, code, field):
    small_warehouse(client, admin)
    before = snapshot(client, admin)
    response = client.post("/api/orders", json=order_body("BAD-2", lines), headers=admin)
    assert (response.status_code, response.json()["error"], response.json()["field"]) == (status, code, field)
    assert snapshot(client, admin) == before


def test_unknown_channel_is_named(client, admin):
    small_warehouse(client, admin)
    body = order_body("BAD-3", [("SKU-A", 1)])
    body["channel"] = "nowhere"
    response = client.post("/api/orders", json=body, headers=admin)
    assert response.status_code == 404 and response.json()["field"] == "channel"


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"location": "A-01", "sku": "SKU-A", "qty_delta": -6, "reason": "damaged"}, 422, "qty_delta"),
        ({"location": "A-01", "sku": "SKU-A", "qty_delta": 0, "reason": "nothing"}, 422, "qty_delta"),
        ({"location": "Z-99", "sku": "SKU-A", "qty_delta": 1, "reason": "found"}, 404, "location"),
        ({"location": "A-01", "sku": "NOPE", "qty_delta": 1, "reason": "found"}, 404, "sku"),
        ({"location": "A-01", "sku": "SKU-A", "qty_delta": 1}, 400, "reason"),
        ({"location": "A-01", "sku": "SKU-A", "qty_delta": 1.5, "reason": "x"}, 400, "qty_delta"),
        ({"location": "A-01", "sku": "SKU-A", "qty_delta": 1, "reason": "x", "expiry": "31/12/2027"}, 400, "expiry"),
    ],
)
def test_bad_stock_adjustments(client, admin, body, status, field):
    small_warehouse(client, admin)
    before = snapshot(client, admin)
    response = client.post("/api/stock/adjustments", json=body, headers=admin)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    assert snapshot(client, admin) == before


@pytest.mark.parametrize(
    "body, status, code, field",
    [
        ({"sku": "X-1", "name": "Bad EAN", "barcodes": ["5012345678901"]}, 422, "invalid_barcode", "barcodes[0]"),
        ({"sku": "X-1", "name": "Odd length", "barcodes": ["12345"]}, 422, "invalid_barcode", "barcodes[0]"),
        ({"sku": "SKU-A", "name": "Duplicate"}, 409, "duplicate_sku", "sku"),
        ({"sku": "X-1", "name": "Taken barcode", "barcodes": ["INT-SKU-A"]}, 409, "duplicate_barcode", "barcodes[0]"),
        ({"sku": "has space", "name": "Bad SKU"}, 400, "validation_failed", "sku"),
        ({"sku": "X-1", "name": ""}, 400, "validation_failed", "name"),
    ],
)
def test_bad_products(client, admin, body, status, code, field):
    small_warehouse(client, admin)
    before = snapshot(client, admin)
    response = client.post("/api/products", json=body, headers=admin)
    assert (response.status_code, response.json()["error"], response.json()["field"]) == (status, code, field), response.text
    assert snapshot(client, admin) == before


def test_the_check_digit_error_says_what_digit_was_expected(client, admin):
    response = client.post("/api/products", json={"sku": "X-2", "name": "x", "barcodes": ["5012345678901"]}, headers=admin)
    assert "Expected 0" in response.json()["message"]


def test_valid_barcodes_are_stored_with_their_gtin(client, admin):
    response = client.post(
        "/api/products",
        json={"sku": "X-3", "name": "x", "barcodes": ["5012345678900", "036000291452", "96385074"]},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    assert [(b["kind"], b["gtin"]) for b in response.json()["barcodes"]] == [
        ("ean13", "05012345678900"),
        ("upca", "00036000291452"),
        ("ean8", "00000096385074"),
    ]
    # Found by any length of the same GTIN.
    assert client.get("/api/products?barcode=00036000291452", headers=admin).json()[0]["sku"] == "X-3"


def test_malformed_json_is_a_400(client, admin):
    response = client.post("/api/orders", content=b"{not json", headers={**admin, "content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] in ("validation_failed", "bad_request")


def test_unknown_order_and_wave_are_404(client, admin):
    assert client.get("/api/orders/999", headers=admin).status_code == 404
    assert client.post("/api/orders/999/cancel", headers=admin).json()["error"] == "unknown_order"
    assert client.get("/api/waves/999", headers=admin).status_code == 404


def test_wave_for_someone_who_is_not_a_picker(client, admin):
    small_warehouse(client, admin)
    order = client.post("/api/orders", json=order_body("W-9", [("SKU-A", 1)]), headers=admin).json()
    response = client.post("/api/waves", json={"order_ids": [order["id"]], "picker": "root"}, headers=admin)
    assert (response.status_code, response.json()["error"], response.json()["field"]) == (422, "not_a_picker", "picker")
    response = client.post("/api/waves", json={"order_ids": [order["id"]], "picker": "ghost"}, headers=admin)
    assert (response.status_code, response.json()["error"]) == (404, "unknown_user")
    assert client.get(f"/api/orders/{order['id']}", headers=admin).json()["status"] == "allocated"


def test_nul_characters_are_refused_everywhere(client, admin):
    """PostgreSQL cannot store a NUL; no input may carry one (and none may cause a 5xx)."""
    small_warehouse(client, admin)
    before = snapshot(client, admin)
    assert client.get("/api/products?barcode=%00", headers=admin).status_code == 400
    assert client.get("/api/products/SKU%00A", headers=admin).status_code == 400
    body = order_body("NUL-1", [("SKU-A", 1)])
    body["customer"]["name"] = "Ann\u0000Lee"
    response = client.post("/api/orders", json=body, headers=admin)
    assert response.status_code == 400 and "NUL" in response.json()["message"]
    assert snapshot(client, admin) == before
