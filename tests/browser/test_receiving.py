"""Goods in, offline: Rita the picker unloads a supplier's delivery on a 360×640 phone with no network —
the delivery note, the PO's code, GS1-128 case labels with lot and expiry, a count typed once, an
over-receipt she confirms, a wrong item refused, a dock refused as a bin, a reload in the middle —
finishes the receipt one line short and comes back online: each op once in the ledger, the PO, the
stock and its lots right, and the over- and under-receipt in the supervisor's queue."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests import support
from tests.browser.packing import scan, wait_for_service_worker
from tests.browser.support import PHONE, api_get, assert_fits_a_phone, device_of, ledger_rows, off_playwrights_loop, pending_is
from tests.warehouse import Warehouse, purchase_order

PASSWORD = "rita-secret-1"
ROOT_PASSWORD = "root-secret-1"
TEE_EAN, MUG_EAN8 = "4006381333931", "96385074"
# A GS1-128 case label as a scanner without a symbology prefix sends it: GTIN, expiry, then the lot
# (last, so it needs no separator).
TEE_CASE = "0104006381333931" + "17271231" + "10LOT-A1"


def goods_in_floor(base_url: str) -> int:
    """T-shirts in A-01, empty bins A-02…A-04, a dock; a PO to Acme for 6 T-shirts and 4 mugs, sent. Its id."""
    off_playwrights_loop(support.create_user, "rita", "picker", PASSWORD)
    off_playwrights_loop(support.create_user, "root", "admin", ROOT_PASSWORD)
    with httpx.Client(base_url=base_url, timeout=30) as http:
        builder = Warehouse(http, support.login(http, "root", ROOT_PASSWORD))
        builder.product("TEE-RED", "T-shirt, red", [TEE_EAN])
        builder.product("MUG-BLU", "Mug, blue", [MUG_EAN8])
        builder.product("CAP-GRN", "Cap, green", ["INT-CAP-GRN"])
        for n in range(1, 5):
            builder.location(f"A-0{n}", n * 10)
        builder.location("DOCK-1", 0, kind="dock")
        builder.stock("TEE-RED", "A-01", 5)
    return off_playwrights_loop(purchase_order, [("TEE-RED", 6), ("MUG-BLU", 4)], "ACME")


def test_a_picker_receives_a_delivery_offline_and_it_lands_once(browser, live_server, clean_db):
    po = goods_in_floor(live_server.url)
    code = f"PO-{po:05d}"
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(live_server.url)
        page.get_by_label("Username").fill("rita")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Goods in").click()
        expect(page.get_by_role("heading", name="Goods in")).to_be_visible()
        expect(page.locator("button.receive-po")).to_contain_text(code)
        wait_for_service_worker(page)

        context.set_offline(True)
        expect(page.locator(".sync-net")).to_contain_text("Offline")
        scan(page, "DN-778", "ok", "Delivery note DN-778 — now scan the PO code")
        scan(page, code, "ok", f"{code} — Supplier ACME: scan each item")
        expect(page.locator("li.receive-line[data-sku=TEE-RED]")).to_contain_text("Put away: A-01")
        expect(page.locator("li.receive-line[data-sku=MUG-BLU]")).to_contain_text("Put away: A-02")
        expect(page.locator("#receive-reference")).to_have_value("DN-778")

        # A case of T-shirts by its GS1-128 label: lot and expiry read from it; five in the case, typed once.
        scan(page, TEE_CASE, "ok", "TEE-RED × 1 · lot LOT-A1")
        expect(page.locator("#receive-lot")).to_have_value("LOT-A1")
        expect(page.locator("#receive-expiry")).to_have_value("2027-12-31")
        page.locator("#receive-qty").fill("5")
        expect(page.locator(".receive-putaway")).to_contain_text("Put away to A-01")
        assert_fits_a_phone(type("Phone", (), {"page": page})())
        scan(page, "DOCK-1", "error", "DOCK-1 is not a bin")
        scan(page, "A-01", "ok", "5 × TEE-RED put away to A-01")
        pending_is(page, 1)

        # A cap that is not on the PO: refused loudly, nothing queued.
        scan(page, "INT-CAP-GRN", "error", f"Wrong item: INT-CAP-GRN is not on {code}")
        # Five mugs where four were ordered: warned before queuing, confirmed by scanning the bin again.
        scan(page, MUG_EAN8, "ok", "MUG-BLU × 1")
        page.locator("#receive-qty").fill("5")
        expect(page.locator(".receive-item")).to_contain_text("1 more than ordered")
        scan(page, "A-02", "error", "1 more than ordered — scan the bin again")
        pending_is(page, 1)
        scan(page, "A-02", "warn", "5 × MUG-BLU put away to A-02 (1 over the order)")
        pending_is(page, 2)

        # The phone restarts with no network: the receipt so far is still there.
        page.reload()
        expect(page.get_by_role("heading", name="Goods in")).to_be_visible()
        pending_is(page, 2)
        # As a receiver would: the expected deliveries are listed (read back from the phone) before the scan.
        expect(page.locator("main")).to_contain_text("Supplier ACME")
        scan(page, code, "ok", f"{code} — Supplier ACME")
        expect(page.locator("li.receive-line[data-sku=TEE-RED]")).to_contain_text("5 / 6 · not sent yet")
        expect(page.locator("li.receive-line[data-sku=MUG-BLU]")).to_contain_text("5 / 4 · not sent yet")
        page.locator("#receive-reference").fill("DN-778")
        page.get_by_role("button", name="Finish receipt").click()
        expect(page.locator(".receive-short")).to_contain_text("1 × TEE-RED missing")
        page.get_by_role("button", name="Finish with 1 short").click()
        expect(page.get_by_test_id("scan-display")).to_contain_text(f"{code} finished — 1 × TEE-RED missing")
        pending_is(page, 3)

        context.set_offline(False)
        pending_is(page, 0)
        # The over-receipt's outcome is told in the receiver's words.
        expect(page.locator(".outcome-list")).to_contain_text("More MUG-BLU than")
        assert not errors, errors
    finally:
        context.close()

    rows = off_playwrights_loop(lambda: ledger_rows(device_of("rita")))
    assert [tuple(r) for r in rows] == [
        (1, "receive", "applied", None),
        (2, "receive", "adjusted", "over_receipt"),
        (3, "close_receipt", "applied", None),
    ]
    receipt = api_get(live_server.url, "root", ROOT_PASSWORD, f"/api/receipts/{po}")
    assert receipt["status"] == "receiving"
    assert [(l["sku"], l["qty_received"]) for l in receipt["lines"]] == [("TEE-RED", 5), ("MUG-BLU", 5)]
    tees = {
        (r["location"], r["lot"]): (r["on_hand"], r["expiry"])
        for r in api_get(live_server.url, "root", ROOT_PASSWORD, "/api/stock?sku=TEE-RED")
    }
    assert tees == {("A-01", ""): (5, None), ("A-01", "LOT-A1"): (5, "2027-12-31")}
    mugs = api_get(live_server.url, "root", ROOT_PASSWORD, "/api/stock?sku=MUG-BLU")
    assert [(r["location"], r["on_hand"]) for r in mugs] == [("A-02", 5)]
    queue = api_get(live_server.url, "root", ROOT_PASSWORD, "/api/exceptions")
    assert sorted((e["code"], e["qty"]) for e in queue) == [("over_receipt", 0), ("under_receipt", 1)]
    assert any("DN-778" in e["message"] for e in queue if e["code"] == "under_receipt")
