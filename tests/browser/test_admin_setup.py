"""Admin setup on a 360×640 phone: an admin adds a product by scanning its barcode (a hardware
scanner, an EAN-13 with a valid check digit) and a picker can then pick it by scanning the same
barcode; a new sales channel's webhook secret is shown once, then only its hint."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect

from tests import support
from tests.browser.picking import BURST, pending, scan
from tests.browser.support import PHONE, assert_fits_a_phone, device_of, ledger_statuses, off_playwrights_loop
from tests.warehouse import Warehouse, released_wave

pytestmark = pytest.mark.browser

ROOT_PASSWORD = "root-secret-1"
SUE_PASSWORD = "sue-secret-1"
PIA_PASSWORD = "pia-secret-1"
KETTLE_EAN = "5012345678900"  # EAN-13: 5+3·0+1+3·2+3+3·4+5+3·6+7+3·8+9+3·0 = 90 → check digit 0


def _people() -> None:
    for username, role, password in (
        ("root", "admin", ROOT_PASSWORD),
        ("sue", "supervisor", SUE_PASSWORD),
        ("pia", "picker", PIA_PASSWORD),
    ):
        off_playwrights_loop(support.create_user, username, role, password)


def _phone(browser, base_url: str, username: str, password: str):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    return context, page, errors


def _open_setup(page) -> None:
    page.get_by_role("link", name="Setup").click()
    expect(page.get_by_role("heading", name="Setup", exact=True)).to_be_visible()


def test_an_admin_adds_a_product_by_scanning_its_barcode_and_a_picker_can_then_pick_it(browser, live_server, clean_db):
    _people()
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        admin = support.login(http, "root", ROOT_PASSWORD)
        Warehouse(http, admin).location("A-01", 10)

        # The admin, on the phone: a new product, then its barcode read by a hardware scanner.
        context, page, errors = _phone(browser, live_server.url, "root", ROOT_PASSWORD)
        try:
            _open_setup(page)
            page.get_by_label("SKU").fill("KET-1")
            page.get_by_label("Name", exact=True).fill("Kettle, steel")
            page.get_by_role("button", name="Add product").click()
            expect(page.get_by_role("heading", name="KET-1")).to_be_visible()
            expect(page.get_by_text("No barcode yet.")).to_be_visible()
            page.evaluate(BURST, KETTLE_EAN)
            expect(page.get_by_role("list", name="Barcodes")).to_contain_text(KETTLE_EAN)
            expect(page.get_by_test_id("scan-display")).to_contain_text(f"{KETTLE_EAN} attached to KET-1")
            # A wrong check digit is refused with the server's reason, and nothing is attached.
            page.evaluate(BURST, KETTLE_EAN[:-1] + "1")
            expect(page.get_by_role("alert")).to_contain_text("check digit")
            expect(page.get_by_role("list", name="Barcodes").locator("li")).to_have_count(1)
            assert_fits_a_phone(type("P", (), {"page": page})())
            assert not errors, errors
        finally:
            context.close()

        product = http.get("/api/products", params={"barcode": KETTLE_EAN}, headers=admin).json()
        assert [(p["sku"], [b["code"] for b in p["barcodes"]]) for p in product] == [("KET-1", [KETTLE_EAN])]

        # Stock by REST, and the supervisor releases an order for it to Pia.
        Warehouse(http, admin).stock("KET-1", "A-01", 4)
        sue = support.login(http, "sue", SUE_PASSWORD)
        (order,) = released_wave(http, sue, [[("KET-1", 1)]], picker="pia")

    # Pia's phone: the same barcode picks the kettle.
    context, page, errors = _phone(browser, live_server.url, "pia", PIA_PASSWORD)
    try:
        expect(page.locator("li.task")).to_have_count(1)
        page.get_by_role("button", name="Start picking").click()
        scan(page, "A-01", "A-01 ✓")
        scan(page, KETTLE_EAN, "scan an empty tote for slot 1")
        scan(page, "TOTE-RED", "Picked 1 × KET-1 into TOTE-RED")
        pending(page, 0)
        # "All sent" can still be the strip's word from before the scan was queued: with the phone
        # still open, wait for the server's ledger itself.
        pia_phone = off_playwrights_loop(device_of, "pia")
        deadline = time.monotonic() + 20
        while not ledger_statuses(pia_phone) and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert not errors, errors
    finally:
        context.close()

    assert ledger_statuses(pia_phone) == [(1, "applied")]
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        detail = http.get(f"/api/orders/{order['id']}", headers=support.login(http, "sue", SUE_PASSWORD)).json()
    assert [(line["sku"], line["qty_picked"]) for line in detail["lines"]] == [("KET-1", 1)], detail


def test_a_new_channels_secret_is_shown_once_with_a_copy_button_then_only_masked(browser, live_server, clean_db):
    _people()
    context, page, errors = _phone(browser, live_server.url, "root", ROOT_PASSWORD)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    try:
        _open_setup(page)
        page.get_by_role("button", name="Channels").click()
        page.get_by_label("Code").fill("shop")
        page.get_by_label("Name", exact=True).fill("Web shop")
        page.get_by_label("Kind").select_option("shopify")
        page.get_by_role("button", name="Add channel").click()
        secret = page.get_by_test_id("channel-secret").inner_text()
        assert len(secret) >= 43, secret
        channel = page.locator("li.channel[data-code='shop']")
        expect(channel).to_contain_text("Secret \u2026" + secret[-4:])
        page.get_by_role("button", name="Copy secret").click()
        expect(page.get_by_text("Copied.")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == secret
        assert_fits_a_phone(type("P", (), {"page": page})())
        page.get_by_role("button", name="Done").click()
        expect(page.get_by_test_id("channel-secret")).to_have_count(0)

        # Seen again — on this phone after a reload — the secret is only its hint.
        page.reload()
        _open_setup(page)
        page.get_by_role("button", name="Channels").click()
        expect(channel).to_contain_text("Secret \u2026" + secret[-4:])
        assert secret not in page.content()
        assert not errors, errors
    finally:
        context.close()
