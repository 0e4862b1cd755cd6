"""Buying: suppliers, the purchase proposal (backorders and reorder points, less what is on order),
purchase orders from draft to sent (and the refusals), the document and its e-mail, expected dates
on waiting orders, arriving stock for the oldest promise first — through the REST API and the engine,
on the session's database (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import email
import io
import re
from email import policy

import cairosvg
import zxingcpp
from PIL import Image

from tests.support import create_user, login
from tests.warehouse import Warehouse, buying_warehouse, invariants_hold, supplier
from tests.warehouse import api_get as get
from tests.warehouse import api_post as post

TODAY = dt.datetime.now(dt.UTC).date()


def proposal_lines(client, admin) -> dict[str, dict[str, tuple[int, int, int]]]:
    """{supplier: {sku: (qty, for_backorders, for_stock)}} as proposed now."""
    found = get(client, admin, "/api/purchase-orders/proposals")
    return {
        p["supplier"]: {l["sku"]: (l["qty"], l["for_backorders"], l["for_stock"]) for l in p["lines"]} for p in found["proposals"]
    }


def new_po(client, admin, supplier_code, lines, **extra) -> dict:
    body = {"supplier": supplier_code, "lines": [{"sku": s, "qty": q} for s, q in lines], **extra}
    return post(client, admin, "/api/purchase-orders", body, expect=201)


def sent_po(client, admin, supplier_code, lines, **send) -> dict:
    po = new_po(client, admin, supplier_code, lines)
    post(client, admin, f"/api/purchase-orders/{po['id']}/approve")
    return post(client, admin, f"/api/purchase-orders/{po['id']}/send", send or None)


# -- suppliers ---------------------------------------------------------------------------------------


def test_an_admin_keeps_the_supplier_list(client, admin):
    made = supplier(client, admin, "ACME", "Acme Supplies", lead_time_days=5)
    assert made == {"code": "ACME", "name": "Acme Supplies", "email": "orders@acme.example", "lead_time_days": 5, "products": 0}
    Warehouse(client, admin).product("SKU-A", "Product A", supplier="ACME")
    again = client.post("/api/suppliers", json={"code": "ACME", "name": "Other"}, headers=admin)
    assert (again.status_code, again.json()["field"]) == (409, "code")
    bad = client.post("/api/suppliers", json={"code": "X", "name": "X", "email": "not-an-address"}, headers=admin)
    assert (bad.status_code, bad.json()["field"]) == (400, "email")
    changed = post(client, admin, "/api/suppliers/ACME", {"lead_time_days": 9, "email": "buy@acme.example"})
    assert (changed["lead_time_days"], changed["email"], changed["products"]) == (9, "buy@acme.example", 1)
    assert client.post("/api/suppliers/NOPE", json={"name": "x"}, headers=admin).json()["field"] == "code"
    assert [s["code"] for s in get(client, admin, "/api/suppliers")] == ["ACME"]


def test_a_product_gets_a_reorder_qty_and_a_drop_ship_flag_only_with_a_supplier(client, admin):
    supplier(client, admin, "ACME")
    warehouse = Warehouse(client, admin)
    no_supplier = client.post("/api/products", json={"sku": "SKU-X", "name": "X", "drop_ship": True}, headers=admin)
    assert (no_supplier.status_code, no_supplier.json()["field"]) == (422, "drop_ship")
    made = warehouse.product("SKU-X", "X", supplier="ACME", reorder_point=3, reorder_qty=12, drop_ship=True)
    assert (made["supplier"], made["reorder_qty"], made["drop_ship"]) == ("ACME", 12, True)
    assert post(client, admin, "/api/products/SKU-X", {"supplier": ""}, expect=422)["field"] == "drop_ship"
    changed = post(client, admin, "/api/products/SKU-X", {"drop_ship": False, "supplier": ""})
    assert (changed["supplier"], changed["drop_ship"]) == (None, False)


# -- the proposal ------------------------------------------------------------------------------------


def test_the_proposal_orders_backorders_and_reorder_points_less_what_is_on_order(client, admin):
    warehouse = buying_warehouse(client, admin)
    warehouse.order("WEB-1", [("SKU-A", 8)])  # 5 reserved, 3 backordered
    warehouse.order("WEB-2", [("SKU-B", 5)])  # 3 reserved, 2 backordered
    warehouse.order("WEB-3", [("SKU-C", 1)])  # backordered
    warehouse.order("WEB-4", [("SKU-D", 4)])  # drop-ship: never proposed as stock
    new_po(client, admin, "ACME", [("SKU-B", 1)])  # a draft already covers 1 of SKU-B

    # SKU-A: 3 waiting, nothing free or coming → 3; it will then have 0 ≤ reorder point 4 → up to 4 + 6.
    # SKU-B: 2 waiting, 1 on order → 1 (no reorder point). SKU-C: 1 waiting → 1, then 0 ≤ 2 → up to 2 + 3.
    assert proposal_lines(client, admin) == {
        "ACME": {"SKU-A": (13, 3, 10), "SKU-B": (1, 1, 0)},
        "BOLT": {"SKU-C": (6, 1, 5)},
    }
    acme = get(client, admin, "/api/purchase-orders/proposals")["proposals"][0]
    assert (acme["name"], acme["lead_time_days"], acme["units"]) == ("Acme Supplies", 5, 14)
    line_a = acme["lines"][0]
    assert (line_a["backordered"], line_a["available"], line_a["on_order"]) == (3, 0, 0)

    # The proposal becomes a purchase order; the proposal then asks for nothing more of ACME.
    po = new_po(client, admin, "ACME", [("SKU-A", 13), ("SKU-B", 1)])
    assert (po["status"], po["kind"], po["units"], po["code"]) == ("draft", "stock", 14, f"PO-{po['id']:05d}")
    assert "ACME" not in proposal_lines(client, admin)
    # A cancelled purchase order is no longer on order.
    post(client, admin, f"/api/purchase-orders/{po['id']}/cancel", {"reason": "wrong supplier price"})
    assert proposal_lines(client, admin)["ACME"] == {"SKU-A": (13, 3, 10), "SKU-B": (1, 1, 0)}


def test_free_stock_above_the_reorder_point_proposes_nothing(client, admin):
    buying_warehouse(client, admin, stock={"SKU-A": [("A-01", 5)], "SKU-C": [("A-03", 3)]})
    assert proposal_lines(client, admin) == {}
    Warehouse(client, admin).order("WEB-1", [("SKU-C", 1)])  # 2 left: at the reorder point
    assert proposal_lines(client, admin) == {"BOLT": {"SKU-C": (3, 0, 3)}}


# -- purchase orders ---------------------------------------------------------------------------------


def test_a_purchase_order_goes_draft_approved_sent_and_refuses_the_wrong_steps(client, admin):
    buying_warehouse(client, admin)
    po = new_po(client, admin, "BOLT", [("SKU-C", 6)], note="pallet please")
    path = f"/api/purchase-orders/{po['id']}"
    refused = post(client, admin, f"{path}/send", expect=409)
    assert (refused["error"], refused["field"]) == ("illegal_po_transition", "po_id")
    assert "only an approved purchase order can become sent" in refused["message"]

    approved = post(client, admin, f"{path}/approve")
    assert (approved["status"], approved["done"]) == ("approved", f"{po['code']} approved; send it to Bolt & Co.")
    assert post(client, admin, f"{path}/approve", expect=409)["field"] == "po_id"

    sent = post(client, admin, f"{path}/send")
    expected = TODAY + dt.timedelta(days=10)  # BOLT's lead time
    assert (sent["status"], sent["expected_at"]) == ("sent", expected.isoformat())
    assert sent["sent_at"] is not None and sent["done"] == f"{po['code']} sent to Bolt & Co; expected {expected.isoformat()}."

    confirmed = post(client, admin, f"{path}/expected", {"expected_at": (TODAY + dt.timedelta(days=3)).isoformat()})
    assert confirmed["expected_at"] == (TODAY + dt.timedelta(days=3)).isoformat()
    past = post(client, admin, f"{path}/expected", {"expected_at": (TODAY - dt.timedelta(days=1)).isoformat()}, expect=422)
    assert (past["error"], past["field"]) == ("expected_in_past", "expected_at")

    cancelled = post(client, admin, f"{path}/cancel", {"reason": "supplier out of stock"})
    assert (cancelled["status"], cancelled["note"]) == ("cancelled", "pallet please\ncancelled: supplier out of stock")
    assert post(client, admin, f"{path}/cancel", expect=409)["field"] == "po_id"
    assert post(client, admin, f"{path}/expected", {"expected_at": TODAY.isoformat()}, expect=409)["error"] == "po_not_open"
    assert post(client, admin, "/api/purchase-orders/999/approve", expect=404)["field"] == "po_id"
    # Listing by status.
    assert [p["id"] for p in get(client, admin, "/api/purchase-orders?status=cancelled")] == [po["id"]]
    assert get(client, admin, "/api/purchase-orders?status=open") == []
    assert get(client, admin, "/api/purchase-orders?status=lost", expect=400)["field"] == "status"


def test_a_purchase_order_with_bad_lines_is_refused_naming_the_field(client, admin):
    buying_warehouse(client, admin)

    def refused(body, status):
        response = client.post("/api/purchase-orders", json=body, headers=admin)
        assert response.status_code == status, response.text
        return response.json()["field"]

    assert refused({"supplier": "NOPE", "lines": [{"sku": "SKU-A", "qty": 1}]}, 404) == "supplier"
    assert refused({"supplier": "ACME", "lines": [{"sku": "SKU-Z", "qty": 1}]}, 404) == "lines[0].sku"
    assert refused({"supplier": "ACME", "lines": [{"sku": "SKU-A", "qty": 1}, {"sku": "SKU-C", "qty": 1}]}, 422) == "lines[1].sku"
    assert refused({"supplier": "ACME", "lines": [{"sku": "SKU-A", "qty": 1}, {"sku": "SKU-A", "qty": 2}]}, 422) == "lines[1].sku"
    assert refused({"supplier": "ACME", "lines": [{"sku": "SKU-A", "qty": 0}]}, 400) == "lines[0].qty"
    assert refused({"supplier": "ACME", "lines": []}, 400) == "lines"
    past = (TODAY - dt.timedelta(days=2)).isoformat()
    assert refused({"supplier": "ACME", "lines": [{"sku": "SKU-A", "qty": 1}], "expected_at": past}, 422) == "expected_at"
    assert get(client, admin, "/api/purchase-orders") == []


def test_a_supervisor_buys_but_only_an_admin_keeps_suppliers(client, admin):
    buying_warehouse(client, admin)
    sue = login(client, "sue", create_user("sue", "supervisor"))
    po = new_po(client, sue, "ACME", [("SKU-A", 2)])
    assert post(client, sue, f"/api/purchase-orders/{po['id']}/approve")["status"] == "approved"
    assert client.post("/api/suppliers", json={"code": "NEW", "name": "New"}, headers=sue).status_code == 403
    paco = login(client, "paco", create_user("paco", "packer"))
    assert client.get("/api/purchase-orders/proposals", headers=paco).status_code == 403


# -- the document ------------------------------------------------------------------------------------


def test_the_document_prints_the_lines_and_the_po_code_as_code_128(client, admin):
    buying_warehouse(client, admin)
    po = sent_po(client, admin, "ACME", [("SKU-A", 13), ("SKU-B", 1)])
    response = client.get(f"/api/purchase-orders/{po['id']}/document", headers=admin)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "no-store" in response.headers["cache-control"]
    page = response.text
    assert f"Purchase order {po['code']}" in page
    assert 'class="barcode code128"' in page and f'aria-label="{po["code"]}"' in page
    # The code scans back at the dock: the SVG rasterised at print resolution reads as Code 128.
    (svg,) = re.findall(r"<svg\b.*?</svg>", page, re.DOTALL)
    png = cairosvg.svg2png(bytestring=svg.encode(), dpi=300, background_color="white")
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert (barcode.format, barcode.text) == (zxingcpp.BarcodeFormat.Code128, po["code"])
    assert "SKU-A" in page and ">13<" in page and "Product B" in page
    assert f"Expected</dt><dd>{po['expected_at']}" in page
    assert client.get("/api/purchase-orders/999/document", headers=admin).status_code == 404


def test_the_email_parses_back_with_the_supplier_the_code_and_the_lines(client, admin):
    buying_warehouse(client, admin)
    po = sent_po(client, admin, "ACME", [("SKU-A", 13), ("SKU-B", 1)])
    response = client.get(f"/api/purchase-orders/{po['id']}/document.eml", headers=admin)
    assert response.status_code == 200 and response.headers["content-type"].startswith("message/rfc822")
    assert f'filename="{po["code"]}.eml"' in response.headers["content-disposition"]
    message = email.message_from_bytes(response.content, policy=policy.default)
    assert message["To"] == "Acme Supplies <orders@acme.example>"
    assert po["code"] in message["Subject"] and message["From"].addresses[0].addr_spec == "purchasing@shipshape.invalid"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert [line.split()[:3] for line in text.splitlines() if "SKU-" in line] == [["1", "SKU-A", "13"], ["2", "SKU-B", "1"]]
    assert f"Expected: {po['expected_at']}" in text
    assert f"Purchase order {po['code']}" in html and "<style>" in html and "SKU-B" in html


# -- waiting orders, expected dates, arriving stock ------------------------------------------------


def test_waiting_orders_show_the_po_that_brings_their_units_oldest_promise_first(client, admin):
    warehouse = buying_warehouse(client, admin, stock={})
    late = warehouse.order("WEB-LATE", [("SKU-B", 2)], promised_at="2026-12-20T12:00:00Z")
    soon = warehouse.order("WEB-SOON", [("SKU-B", 2)], promised_at="2026-12-05T12:00:00Z")
    first = sent_po(client, admin, "ACME", [("SKU-B", 3)], expected_at=(TODAY + dt.timedelta(days=4)).isoformat())
    second = sent_po(client, admin, "ACME", [("SKU-B", 1)], expected_at=(TODAY + dt.timedelta(days=9)).isoformat())

    def waiting_steps(order):
        return [s["label"] for s in get(client, admin, f"/api/orders/{order['id']}/timeline") if s["kind"] == "expected"]

    d4, d9 = (TODAY + dt.timedelta(days=4)).isoformat(), (TODAY + dt.timedelta(days=9)).isoformat()
    # The sooner promise gets the earliest purchase order's units, though its order came later.
    assert waiting_steps(soon) == [f"Waiting for 2 × SKU-B — expected {d4} ({first['code']})"]
    assert waiting_steps(late) == [
        f"Waiting for 1 × SKU-B — expected {d4} ({first['code']})",
        f"Waiting for 1 × SKU-B — expected {d9} ({second['code']})",
    ]
    detail = get(client, admin, f"/api/orders/{late['id']}")
    assert detail["lines"][0]["incoming"] == [
        {"qty": 1, "purchase_order": first["code"], "expected_at": d4},
        {"qty": 1, "purchase_order": second["code"], "expected_at": d9},
    ]
    # Nothing on order for SKU-A: the line says so.
    bare = warehouse.order("WEB-A", [("SKU-A", 1)])
    assert get(client, admin, f"/api/orders/{bare['id']}")["lines"][0]["incoming"] == [
        {"qty": 1, "purchase_order": None, "expected_at": None}
    ]
    assert waiting_steps(bare) == []


def test_arriving_stock_goes_to_the_oldest_promise_first(client, admin):
    warehouse = buying_warehouse(client, admin, stock={})
    unpromised = warehouse.order("WEB-OLD", [("SKU-C", 2)])
    late = warehouse.order("WEB-LATE", [("SKU-C", 2)], promised_at="2026-12-20T12:00:00Z")
    soon = warehouse.order("WEB-SOON", [("SKU-C", 2)], promised_at="2026-12-05T12:00:00Z")
    warehouse.stock("SKU-C", "A-03", 3, reason="delivery from Bolt")
    now = {
        o["external_ref"]: (o["status"], o["lines"][0]["qty_allocated"]) for o in warehouse.read_orders([unpromised, late, soon])
    }
    assert now == {"WEB-SOON": ("allocated", 2), "WEB-LATE": ("partially_allocated", 1), "WEB-OLD": ("backordered", 0)}
    invariants_hold()
