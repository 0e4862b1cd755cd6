"""Printing never answers 500: packing slips, labels (HTML and ZPL) and pick lists for products and
orders with long, unicode, right-to-left and emoji text, and for a barcode stored before barcodes were
checked that Code 128 cannot carry."""

from __future__ import annotations

import asyncio

import pytest

from server.db import Database
from tests.support import ADDRESS, create_user, db_config, order_body
from tests.warehouse import small_warehouse

ODD_NAMES = [
    "L" + "o" * 197 + "ng",  # the longest name a product may have
    "燕麦饮料 オーツ麦 귀리 음료",
    "مشروب الشوفان",  # right to left
    "משקה שיבולת שועל (1 ליטר)",
    "Oat drink \U0001f33e\U0001f95b \U0001f468\u200d\U0001f469\u200d\U0001f467",  # emoji, with a ZWJ family
    "R\u202efdp.exe <b>&amp;</b> \"quoted\" 'single' ^XZ~JR_",  # bidi override, markup, ZPL commands
    "Ä\u0308 combining, \u00a0nbsp, \u200bzero width",
]


async def _store_legacy_barcode(sku: str, code: str) -> None:
    """A barcode row as an older version stored it, without today's checks."""
    db = Database(db_config())
    await db.start()
    try:
        async with db.write() as tx:
            product = await tx.fetchval("SELECT id FROM product WHERE sku = ?", sku)
            await tx.execute(
                "INSERT INTO barcode (code, kind, gtin, product) VALUES (?, ?, ?, ?)", code, "internal", None, product
            )
    finally:
        await db.close()


@pytest.fixture
def odd_orders(client, admin):
    small_warehouse(client, admin, stock={})
    skus = []
    for n, name in enumerate(ODD_NAMES):
        sku = f"ODD-{n}"
        response = client.post(
            "/api/products", json={"sku": sku, "name": name, "barcodes": [f"INT-{sku}"], "weight_g": 1}, headers=admin
        )
        assert response.status_code == 201, response.text
        skus.append(sku)
    asyncio.run(_store_legacy_barcode("SKU-A", "LEGACY-€-\u202e-\U0001f4e6"))  # listed after INT-SKU-A
    response = client.post("/api/products", json={"sku": "LEG-1", "name": "Legacy"}, headers=admin)
    assert response.status_code == 201, response.text
    asyncio.run(_store_legacy_barcode("LEG-1", "LEGACY-€-\u202e-\U0001f4e6-ÿ"))  # its only barcode
    for sku in [*skus, "SKU-A", "LEG-1"]:  # enough stock for every order to be picked in one wave
        response = client.post(
            "/api/stock/adjustments",
            json={"location": "A-01", "sku": sku, "qty_delta": 50, "reason": "opening stock"},
            headers=admin,
        )
        assert response.status_code == 201, response.text
    orders = []
    for n, name in enumerate(ODD_NAMES):
        body = order_body(f"REF-{n}-{name[:40].strip()}", [(sku, 1) for sku in skus] + [("SKU-A", 1), ("LEG-1", 1)])
        body["customer"]["name"] = name[:200]
        body["ship_to"] = {
            **ADDRESS,
            "line1": name[:200],
            "line2": name[::-1][:200],
            "city": name[:100].strip() or "x",
            "region": name[:100],
        }
        response = client.post("/api/orders", json=body, headers=admin)
        assert response.status_code == 201, response.text
        orders.append(response.json())
    return orders


def test_every_printed_document_for_odd_text_answers_200(client, admin, odd_orders):
    create_user("pip", "picker", "a long enough picker password")
    for order in odd_orders:
        for path in ("packing-slip", "label", "label.zpl"):
            response = client.get(f"/print/orders/{order['id']}/{path}", headers=admin)
            assert response.status_code == 200, (path, order["external_ref"], response.text[:300])
    wave = client.post("/api/waves", json={"order_ids": [o["id"] for o in odd_orders], "picker": "pip"}, headers=admin)
    assert wave.status_code == 201, wave.text
    assert client.get(f"/print/waves/{wave.json()['id']}/pick-list", headers=admin).status_code == 200


def test_a_stored_barcode_code_128_cannot_carry_is_shown_as_text(client, admin, odd_orders):
    html = client.get(f"/print/orders/{odd_orders[0]['id']}/packing-slip", headers=admin).text
    assert "LEGACY-€-" in html  # the line still says which code the product carries
