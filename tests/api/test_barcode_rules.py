"""A product's barcodes are checked for what their symbology can carry when the product is created:
GTINs by their check digit, internal codes (printed as Code 128) as printable ASCII only."""

from __future__ import annotations

import pytest

from tests.warehouse import small_warehouse


def _create(client, admin, barcodes: list[str], sku: str = "X-1"):
    return client.post("/api/products", json={"sku": sku, "name": "Odd", "barcodes": barcodes}, headers=admin)


@pytest.mark.parametrize(
    "code, rule",
    [
        ("INT-€URO", "Code 128"),  # not Latin-1: the packing slip could not draw it (it answered 500)
        ("INT-ÄPFEL", "Code 128"),  # Latin-1, but not printable ASCII
        ("INT-\u202eFDP", "Code 128"),  # a bidirectional override
        ("INT-A\tB", "Code 128"),  # a control character
        ("SKU-\U0001f4e6", "Code 128"),  # an emoji
        ("١٢٣٤٥٦٧٠", "Code 128"),  # Arabic-Indic digits are not the digits of a GTIN
        ("96385075", "check digit"),  # EAN-8
        ("614141000037", "check digit"),  # UPC-A
        ("4006381333932", "check digit"),  # EAN-13
        ("10614141000034", "check digit"),  # GTIN-14
        ("12345", "8, 12, 13 or 14 digits"),
    ],
)
def test_a_barcode_its_symbology_cannot_carry_is_a_422_naming_it_and_the_rule(client, admin, code, rule):
    small_warehouse(client, admin)
    response = _create(client, admin, ["4006381333931", "INT-OK", code])
    body = response.json()
    assert (response.status_code, body["error"], body["field"]) == (422, "invalid_barcode", "barcodes[2]"), response.text
    assert rule in body["message"], body["message"]
    assert client.get("/api/products/X-1", headers=admin).status_code == 404


def test_printable_ascii_internal_codes_and_valid_gtins_are_accepted(client, admin):
    response = _create(client, admin, ["INT ~!#$%&'()*+,-./:;<=>?@[]^_`{|}", "96385074", "614141000036", "10614141000033"])
    assert response.status_code == 201, response.text
    assert [b["kind"] for b in response.json()["barcodes"]] == ["internal", "ean8", "upca", "gtin14"]
