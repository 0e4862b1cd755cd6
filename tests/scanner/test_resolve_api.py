"""`POST /api/scan/resolve`: a scan checked against a small warehouse — what the picker's or packer's
device is told about the code it just read."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from scanner.sscc import sscc_for_order
from server.db import Database
from tests.support import create_user, db_config, login, order_body, reset_database
from tests.warehouse import Warehouse, device_for, setup_floor

GS = "\x1d"
GTIN = "09506000134352"


@pytest.fixture(scope="module")
def floor():
    """Bins A-01..A-06, SKU-A/B/C (+ SKU-G with EAN-13, SKU-U with UPC-A, SKU 12345678), orders SYNC-1
    (picked into TOTE-7, packed into its label's SSCC and into PKG-0001) and SYNC-2 (released).
    Built once for the module: every test here only reads, or adds rows no other test looks at."""
    from litestar.testing import TestClient

    from server.app import create_app

    reset_database()
    with TestClient(create_app()) as client:
        admin = login(client, "root", create_user("root", "admin"))
        warehouse = Warehouse(client, admin)
        for sku, codes in (("SKU-G", ["9506000134352"]), ("SKU-U", ["614141000036"]), ("12345678", [])):
            warehouse.product(sku, f"Product {sku}", codes)
        picker, (one, two) = setup_floor(client, admin)
        line = one["lines"][0]
        picker.push(picker.op("pick", order_line_id=line["id"], location="A-01", sku="SKU-A", qty=3, tote="TOTE-7"))
        packer = device_for(client, "pat", "packer")
        label = sscc_for_order(one["id"])
        body = packer.push(
            packer.op("pack", order_line_id=line["id"], sku="SKU-A", qty=2, package=label),
            packer.op("pack", order_line_id=line["id"], sku="SKU-A", qty=1, package="PKG-0001"),
        )
        assert [r["status"] for r in body["results"]] == ["applied", "applied"], body
        yield SimpleNamespace(
            client=client,
            admin=admin,
            one=one,
            two=two,
            label=label,
            picker=picker.headers,
            packer=packer.headers,
        )


def resolve(floor, headers, scan, expect: int = 200) -> dict:
    response = floor.client.post("/api/scan/resolve", json={"scan": scan}, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def test_a_bin_label_is_a_location(floor):
    found = resolve(floor, floor.picker, "A-01")
    assert (found["kind"], found["valid"], found["location"]) == ("location", True, {"code": "A-01", "kind": "bin"})
    assert found["product"] is None and found["error"] is None


def test_a_plain_code_128_location_with_its_symbology_identifier(floor):
    assert resolve(floor, floor.picker, "]C0A-03")["location"] == {"code": "A-03", "kind": "bin"}


@pytest.mark.parametrize("scan", ["9506000134352", "]E09506000134352", GTIN, "https://id.example.com/01/" + GTIN])
def test_a_product_by_its_ean_13_in_any_gtin_form(floor, scan):
    found = resolve(floor, floor.picker, scan)
    assert (found["kind"], found["valid"], found["gtin"]) == ("product", True, GTIN)
    assert found["product"] == {"sku": "SKU-G", "name": "Product SKU-G"}


def test_a_upc_a_product_scanned_as_ean_13(floor):
    found = resolve(floor, floor.picker, "0614141000036")
    assert found["product"]["sku"] == "SKU-U" and found["gtin"] == "00614141000036"


def test_a_product_by_sku_and_by_internal_barcode(floor):
    assert resolve(floor, floor.picker, "SKU-A")["product"] == {"sku": "SKU-A", "name": "Product A"}
    assert resolve(floor, floor.picker, "INT-SKU-B")["product"]["sku"] == "SKU-B"


def test_an_all_digit_sku_need_not_carry_a_gtin_check_digit(floor):
    found = resolve(floor, floor.picker, "12345678")  # as an EAN-8 its check digit would be 0
    assert (found["kind"], found["valid"], found["error"]) == ("product", True, None)
    assert found["product"]["sku"] == "12345678"


def test_gs1_128_with_lot_and_expiry_names_the_product_and_its_batch(floor):
    found = resolve(floor, floor.picker, "]C101" + GTIN + "10L-42" + GS + "17271231" + "3103000125")
    assert found["kind"] == "product" and found["product"]["sku"] == "SKU-G"
    assert (found["gtin"], found["lot"], found["expiry"], found["weight_kg"]) == (GTIN, "L-42", "2027-12-31", 0.125)
    assert found["code"] == f"(01){GTIN}(10)L-42(17)271231(3103)000125"


def test_gs1_hri_and_camera_reads_without_fnc1(floor):
    for scan in ("(01)" + GTIN + "(15)270600(21)SN1", "01" + GTIN + "15270600" + "21SN1"):
        found = resolve(floor, floor.packer, scan)
        assert (found["kind"], found["best_before"], found["serial"]) == ("product", "2027-06-30", "SN1"), scan


def test_a_package_by_its_code_names_its_order(floor):
    found = resolve(floor, floor.packer, "PKG-0001")
    assert found["kind"] == "package"
    assert found["package"] == {"code": "PKG-0001", "status": "open", "order_id": floor.one["id"]}
    assert found["order"]["external_ref"] == "SYNC-1"


def test_a_shipping_label_sscc_is_the_package_packed_under_it(floor):
    for scan in ("]C100" + floor.label, "(00)" + floor.label, floor.label):
        found = resolve(floor, floor.packer, scan)
        assert (found["kind"], found["sscc"]) == ("package", floor.label), scan
        assert found["package"]["code"] == floor.label


def test_an_sscc_of_ours_with_no_package_yet_is_its_order(floor):
    found = resolve(floor, floor.packer, "]C100" + sscc_for_order(floor.two["id"]))
    assert found["kind"] == "order" and found["order"]["id"] == floor.two["id"] and found["package"] is None


def test_a_foreign_sscc_is_unknown_but_valid(floor):
    found = resolve(floor, floor.packer, "]C100106141412345678908")
    assert (found["kind"], found["valid"], found["sscc"], found["error"]) == ("unknown", True, "106141412345678908", None)


def test_an_order_by_reference_by_ord_code_and_by_tracking_link(floor):
    two = floor.two
    for scan in ("SYNC-2", f"ORD-{two['id']}", f"ord-{two['id']}"):
        found = resolve(floor, floor.packer, scan)
        assert found["kind"] == "order", scan
        assert found["order"] == {"id": two["id"], "external_ref": "SYNC-2", "status": "released"}
    token = floor.client.get(f"/api/orders/{two['id']}", headers=floor.admin).json()["tracking_token"]
    found = resolve(floor, floor.packer, f"https://shop.example/track/{token}")
    assert (found["kind"], found["order"]["id"]) == ("order", two["id"])


def test_an_external_reference_shared_by_two_channels_is_not_guessed(floor):
    async def add_channel():
        db = Database(db_config())
        await db.start()
        try:
            async with db.write() as tx:
                await tx.execute("INSERT INTO channel (code, name, kind) VALUES ('shop', 'Web shop', 'api')")
        finally:
            await db.close()

    asyncio.run(add_channel())
    ids = []
    for channel in ("manual", "shop"):
        r = floor.client.post("/api/orders", json=order_body("DUP-1", [("SKU-C", 1)]) | {"channel": channel}, headers=floor.admin)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    found = resolve(floor, floor.packer, "DUP-1")
    assert (found["kind"], found["valid"], found["order"]) == ("unknown", True, None)
    assert f"ORD-{ids[0]}" in found["error"] and f"ORD-{ids[1]}" in found["error"]


def test_a_tote(floor):
    found = resolve(floor, floor.picker, "TOTE-7")
    assert (found["kind"], found["tote"], found["code"]) == ("tote", "TOTE-7", "TOTE-7")


@pytest.mark.parametrize("scan", ["NOPE-THING", "A-99", "ORD-999999", "4006381333931", "1001"])
def test_a_valid_code_nobody_registered_is_unknown(floor, scan):
    found = resolve(floor, floor.picker, scan)
    assert (found["kind"], found["valid"], found["error"]) == ("unknown", True, None), scan
    assert found["product"] is found["location"] is found["order"] is found["package"] is None


def test_a_wrong_check_digit_is_invalid_and_says_which_digit(floor):
    found = resolve(floor, floor.picker, "9506000134353")
    assert (found["kind"], found["valid"], found["product"]) == ("gtin", False, None)
    assert found["error"] == "invalid check digit: expected 2, got 3"
    found = resolve(floor, floor.picker, "]C101" + "09506000134353" + "10L1")
    assert (found["kind"], found["valid"]) == ("gs1", False)
    assert found["error"] == "AI (01) GTIN: invalid check digit: expected 2, got 3"


def test_broken_gs1_data_is_invalid_in_words(floor):
    assert "unknown application identifier" in resolve(floor, floor.picker, "]C1230000")["error"]
    assert "not a valid date" in resolve(floor, floor.picker, "]C101" + GTIN + "17271331")["error"]
    assert resolve(floor, floor.picker, "  \r\n")["error"] == "the scan is empty"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "scan"),
        ({"scan": 4006381333931}, "scan"),
        ({"scan": None}, "scan"),
        ({"scan": ""}, "scan"),
        ({"scan": "x" * 201}, "scan"),
        ({"scan": "A-01", "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(floor, body, field):
    response = floor.client.post("/api/scan/resolve", json=body, headers=floor.admin)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field


def test_two_hundred_characters_are_accepted(floor):
    assert resolve(floor, floor.admin, "x" * 200)["kind"] == "unknown"


def test_every_role_may_resolve_and_nobody_without_a_token(floor):
    assert floor.client.post("/api/scan/resolve", json={"scan": "A-01"}).status_code == 401
    for role in ("driver", "supervisor"):
        headers = device_for(floor.client, f"r-{role}", role).headers
        assert resolve(floor, headers, "A-01")["kind"] == "location"
