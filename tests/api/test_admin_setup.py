"""Admin setup from the phone, through the API: barcodes attached to products (scanned or typed),
products changed, one bin's label, users enabled again, given a new password or another role, and
sales channels with their webhook secrets — each refusal naming the field and the rule."""

from __future__ import annotations

import pytest

from tests.support import create_user, login
from tests.warehouse import Warehouse, small_warehouse

EAN = "4006381333931"  # EAN-13, right check digit
UPC = "614141000036"  # UPC-A; the same GTIN as the EAN-13 0614141000036


def _product(client, admin, sku="TEE-1", barcodes=()):
    return Warehouse(client, admin).product(sku, "T-shirt", list(barcodes))


# -- products and barcodes ----------------------------------------------------------------------


def test_an_admin_attaches_a_scanned_barcode_and_the_product_is_found_by_it(client, admin):
    _product(client, admin)
    response = client.post("/api/products/TEE-1/barcodes", json={"code": EAN}, headers=admin)
    assert response.status_code == 201, response.text
    assert [(b["code"], b["kind"]) for b in response.json()["barcodes"]] == [(EAN, "ean13")]
    found = client.get("/api/products", params={"barcode": EAN}, headers=admin).json()
    assert [p["sku"] for p in found] == ["TEE-1"]
    # Attaching it again changes nothing.
    again = client.post("/api/products/TEE-1/barcodes", json={"code": EAN}, headers=admin)
    assert again.status_code == 201 and len(again.json()["barcodes"]) == 1


@pytest.mark.parametrize(
    "code, status, error, rule",
    [
        ("4006381333932", 422, "invalid_barcode", "check digit"),
        ("INT-\u20acURO", 422, "invalid_barcode", "Code 128"),
        ("", 400, "validation_failed", "length"),
        ("X" * 65, 400, "validation_failed", "length"),
    ],
)
def test_a_barcode_its_symbology_cannot_carry_is_refused_naming_code(client, admin, code, status, error, rule):
    _product(client, admin)
    response = client.post("/api/products/TEE-1/barcodes", json={"code": code}, headers=admin)
    body = response.json()
    assert (response.status_code, body["error"], body["field"]) == (status, error, "code"), response.text
    assert rule in body["message"], body["message"]


def test_a_barcode_on_another_product_is_a_409_naming_code_in_any_gtin_length(client, admin):
    _product(client, admin, "TEE-1", [UPC])
    _product(client, admin, "TEE-2")
    for code in (UPC, "0" + UPC):
        response = client.post("/api/products/TEE-2/barcodes", json={"code": code}, headers=admin)
        body = response.json()
        assert (response.status_code, body["error"], body["field"]) == (409, "duplicate_barcode", "code"), response.text
        assert "TEE-1" in body["message"]
    unknown = client.post("/api/products/NOPE/barcodes", json={"code": EAN}, headers=admin)
    assert (unknown.status_code, unknown.json()["error"], unknown.json()["field"]) == (404, "unknown_product", "sku")


def test_removing_a_barcode_frees_it_for_another_product(client, admin):
    _product(client, admin, "TEE-1", [UPC, "INT-TEE"])
    _product(client, admin, "TEE-2")
    removed = client.delete(f"/api/products/TEE-1/barcodes/0{UPC}", headers=admin)  # named as its EAN-13
    assert removed.status_code == 200, removed.text
    assert [b["code"] for b in removed.json()["barcodes"]] == ["INT-TEE"]
    assert client.post("/api/products/TEE-2/barcodes", json={"code": UPC}, headers=admin).status_code == 201
    gone = client.delete(f"/api/products/TEE-1/barcodes/{UPC}", headers=admin)
    assert (gone.status_code, gone.json()["error"], gone.json()["field"]) == (404, "unknown_barcode", "code")


def test_an_admin_changes_a_products_name_measures_reorder_point_and_retires_it(client, admin):
    _product(client, admin)
    response = client.post(
        "/api/products/TEE-1",
        json={"name": "T-shirt, red", "weight_g": 180, "length_mm": 300, "width_mm": 200, "height_mm": 20, "reorder_point": 12},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    p = response.json()
    assert (p["name"], p["weight_g"], p["length_mm"], p["width_mm"], p["height_mm"], p["reorder_point"], p["active"]) == (
        "T-shirt, red",
        180,
        300,
        200,
        20,
        12,
        True,
    )
    retired = client.post("/api/products/TEE-1", json={"active": False}, headers=admin).json()
    assert (retired["active"], retired["name"], retired["weight_g"]) == (False, "T-shirt, red", 180)
    assert [p["sku"] for p in client.get("/api/products", params={"q": "red"}, headers=admin).json()] == ["TEE-1"]
    assert client.get("/api/products", params={"q": "blue"}, headers=admin).json() == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "   "}, "name"),
        ({"name": ""}, "name"),
        ({"weight_g": -1}, "weight_g"),
        ({"reorder_point": 10_000_001}, "reorder_point"),
        ({"active": "yes"}, "active"),
        ({"sku": "NEW"}, "sku"),
    ],
)
def test_bad_product_changes_are_refused_naming_the_field(client, admin, body, field):
    _product(client, admin)
    response = client.post("/api/products/TEE-1", json=body, headers=admin)
    assert (response.status_code, response.json()["field"]) == (400, field), response.text


def test_an_unknown_product_cannot_be_changed(client, admin):
    response = client.post("/api/products/NOPE", json={"name": "x"}, headers=admin)
    assert (response.status_code, response.json()["error"], response.json()["field"]) == (404, "unknown_product", "sku")


# -- one bin's label ------------------------------------------------------------------------------


def test_one_bins_label_prints_alone(client, admin):
    small_warehouse(client, admin, stock={})
    page = client.get("/print/locations/A-02/label", headers=admin)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text.count('class="bin-code"') == 1 and ">A-02<" in page.text
    assert client.get("/print/locations/Z-99/label", headers=admin).status_code == 404


# -- users ----------------------------------------------------------------------------------------


def test_a_disabled_user_is_enabled_again_and_signs_in(client, admin):
    password = create_user("pia", "picker")
    assert client.post("/api/users/pia/disable", headers=admin).status_code == 200
    assert client.post("/api/auth/login", json={"username": "pia", "password": password}).status_code == 401
    enabled = client.post("/api/users/pia/enable", headers=admin)
    assert enabled.status_code == 200 and enabled.json()["active"] is True
    login(client, "pia", password)
    unknown = client.post("/api/users/nobody/enable", headers=admin)
    assert (unknown.status_code, unknown.json()["field"]) == (404, "username")


def test_a_password_reset_ends_the_users_sessions_and_the_new_one_works(client, admin):
    old = create_user("pia", "picker")
    session = login(client, "pia", old)
    new = "copper kettle whistles at dawn"
    response = client.post("/api/users/pia/password", json={"password": new}, headers=admin)
    assert response.status_code == 200, response.text
    assert client.get("/api/auth/me", headers=session).status_code == 401
    assert client.post("/api/auth/login", json={"username": "pia", "password": old}).status_code == 401
    login(client, "pia", new)


@pytest.mark.parametrize(
    "body, status, error",
    [
        ({"password": "password1"}, 400, "weak_password"),
        ({"password": "pia"}, 400, "validation_failed"),
        ({"password": "pia12345"}, 400, "weak_password"),
        ({}, 400, "validation_failed"),
    ],
)
def test_a_weak_password_is_refused_naming_password(client, admin, body, status, error):
    create_user("pia", "picker")
    response = client.post("/api/users/pia/password", json=body, headers=admin)
    assert (response.status_code, response.json()["error"], response.json()["field"]) == (status, error, "password")


def test_a_role_change_ends_the_sessions_and_the_next_sign_in_has_the_new_role(client, admin):
    password = create_user("pia", "picker")
    session = login(client, "pia", password)
    response = client.post("/api/users/pia/role", json={"role": "packer"}, headers=admin)
    assert (response.status_code, response.json()["role"]) == (200, "packer"), response.text
    assert client.get("/api/auth/me", headers=session).status_code == 401
    assert client.get("/api/auth/me", headers=login(client, "pia", password)).json()["role"] == "packer"
    bad = client.post("/api/users/pia/role", json={"role": "boss"}, headers=admin)
    assert (bad.status_code, bad.json()["field"]) == (400, "role")


def test_the_last_active_admin_cannot_stop_being_one(client, admin):
    response = client.post("/api/users/root/role", json={"role": "supervisor"}, headers=admin)
    body = response.json()
    assert (response.status_code, body["error"], body["field"]) == (409, "last_admin", "role"), response.text
    assert client.get("/api/auth/me", headers=admin).json()["role"] == "admin"  # and still signed in
    # With a second admin, the first may step down.
    create_user("ada", "admin")
    assert client.post("/api/users/root/role", json={"role": "supervisor"}, headers=admin).status_code == 200


# -- channels -------------------------------------------------------------------------------------


def test_a_channels_secret_is_shown_once_then_only_as_a_hint(client, admin):
    made = client.post("/api/channels", json={"code": "shop", "name": "Web shop", "kind": "shopify"}, headers=admin)
    assert made.status_code == 201, made.text
    secret = made.json()["webhook_secret"]
    assert len(secret) >= 43 and made.json()["secret_hint"] == "\u2026" + secret[-4:]
    listed = {c["code"]: c for c in client.get("/api/channels", headers=admin).json()}
    assert listed["shop"] == {
        "code": "shop",
        "name": "Web shop",
        "kind": "shopify",
        "active": True,
        "secret_hint": "\u2026" + secret[-4:],
        "has_api_token": True,  # the stock feed's token: shown once too (tests/channels/test_stock_feed.py)
    }
    assert secret not in client.get("/api/channels", headers=admin).text
    assert listed["manual"]["secret_hint"] is None

    rotated = client.post("/api/channels/shop", json={"rotate_secret": True}, headers=admin).json()
    assert rotated["webhook_secret"] not in (None, secret)
    changed = client.post("/api/channels/shop", json={"name": "Shop (EU)", "kind": "woocommerce", "active": False}, headers=admin)
    assert changed.status_code == 200 and "webhook_secret" not in changed.json()
    assert (changed.json()["name"], changed.json()["kind"], changed.json()["active"]) == ("Shop (EU)", "woocommerce", False)
    assert changed.json()["secret_hint"] == "\u2026" + rotated["webhook_secret"][-4:]


def test_a_given_secret_is_kept_and_shown_once(client, admin):
    given = "whsec_0123456789abcdef"
    made = client.post(
        "/api/channels", json={"code": "woo", "name": "Woo", "kind": "woocommerce", "webhook_secret": given}, headers=admin
    )
    assert made.json()["webhook_secret"] == given and made.json()["secret_hint"] == "\u2026cdef"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "Shop", "kind": "api"}, "code"),
        ({"code": "Shop!", "name": "Shop", "kind": "api"}, "code"),
        ({"code": "shop", "name": " ", "kind": "api"}, "name"),
        ({"code": "shop", "name": "Shop", "kind": "fax"}, "kind"),
        ({"code": "shop", "name": "Shop", "kind": "api", "webhook_secret": "short"}, "webhook_secret"),
        ({"code": "shop", "name": "Shop", "kind": "api", "webhook_secret": "has a space in it ok"}, "webhook_secret"),
        ({"code": "shop", "name": "Shop", "kind": "api", "colour": "red"}, "colour"),
    ],
)
def test_bad_channels_are_refused_naming_the_field(client, admin, body, field):
    response = client.post("/api/channels", json=body, headers=admin)
    assert (response.status_code, response.json()["field"]) == (400, field), response.text


def test_duplicate_and_unknown_channels(client, admin):
    body = {"code": "shop", "name": "Shop", "kind": "api"}
    assert client.post("/api/channels", json=body, headers=admin).status_code == 201
    duplicate = client.post("/api/channels", json=body, headers=admin)
    assert (duplicate.status_code, duplicate.json()["error"], duplicate.json()["field"]) == (409, "duplicate_channel", "code")
    unknown = client.post("/api/channels/nope", json={"active": False}, headers=admin)
    assert (unknown.status_code, unknown.json()["error"], unknown.json()["field"]) == (404, "unknown_channel", "code")
    bad = client.post("/api/channels/shop", json={"kind": "fax"}, headers=admin)
    assert (bad.status_code, bad.json()["field"]) == (400, "kind")
