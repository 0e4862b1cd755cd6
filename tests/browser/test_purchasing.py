"""Buying from the supervisor's phone: Sue, on a 360×640 phone, opens Buying, sees that Acme should be
sent 13 units of SKU-A (3 for a waiting order, 10 to restock), creates the purchase order, approves
it and sends it — the document opens for printing and the e-mail downloads — then takes the drop-ship
a customer ordered from Bolt, sends it and enters Bolt's tracking number, and the
customer's order is shipped. Offline, the buttons wait for the connection."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests import support
from tests.browser.support import api_get, assert_fits_a_phone, off_playwrights_loop, sign_in
from tests.warehouse import buying_warehouse

pytestmark = pytest.mark.browser

ROOT_PASSWORD = "root-secret-1"
SUE_PASSWORD = "sue-secret-1"


def _floor(http: httpx.Client) -> dict[str, dict]:
    """The buying warehouse; WEB-1 waits for 3 × SKU-A, WEB-DROP is one SKU-D that Bolt drop-ships."""
    off_playwrights_loop(support.create_user, "root", "admin", ROOT_PASSWORD)
    off_playwrights_loop(support.create_user, "sue", "supervisor", SUE_PASSWORD)
    warehouse = buying_warehouse(http, support.login(http, "root", ROOT_PASSWORD))
    return {
        "WEB-1": warehouse.order("WEB-1", [("SKU-A", 8)]),
        "WEB-DROP": warehouse.order("WEB-DROP", [("SKU-D", 1)]),
    }


def test_supervisor_buys_from_a_proposal_and_enters_a_drop_ships_tracking(phone, clean_db, live_server):
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        orders = _floor(http)
    page = phone.page
    phone.open("/#/buying")
    sign_in(phone, "sue", SUE_PASSWORD)
    expect(page.get_by_role("heading", name="Buying", exact=True)).to_be_visible()

    # What to order, per supplier, and why.
    acme = page.locator('[data-supplier="ACME"]')
    expect(acme).to_contain_text("Acme Supplies")
    expect(acme.locator(".buy-lines li")).to_have_count(1)
    expect(acme.locator(".buy-lines li")).to_contain_text("SKU-A")
    expect(acme.locator(".buy-qty")).to_have_text("13")
    expect(acme).to_contain_text("3 for waiting orders + 10 to restock")
    assert_fits_a_phone(phone)

    # Offline, buying waits for the connection.
    page.context.set_offline(True)
    expect(page.get_by_text("Buying needs a connection")).to_be_visible()
    expect(page.get_by_role("button", name="Create PO for Acme Supplies")).to_be_disabled()
    page.context.set_offline(False)
    expect(page.get_by_role("button", name="Create PO for Acme Supplies")).to_be_enabled()

    page.get_by_role("button", name="Create PO for Acme Supplies").click()
    expect(page.locator(".buy-message")).to_contain_text("drafted for Acme Supplies: 13 units")
    code = page.locator(".buy-screen h2").inner_text()
    assert code.startswith("PO-")
    expect(page.locator(".badge")).to_have_text("Draft")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".badge")).to_have_text("Approved")
    assert_fits_a_phone(phone)

    # Sending opens the document (printed from a frame), with the PO code as its barcode.
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".badge")).to_have_text("Sent")
    expect(page.locator(".buy-message")).to_contain_text(f"{code} sent to Acme Supplies; expected")
    frame = page.locator(f'iframe.print-frame[data-document="purchase order {code}"]')
    expect(frame).to_have_attribute("data-loaded", "true")
    document = page.frame_locator("iframe.print-frame")
    expect(document.locator("h1")).to_have_text(f"Purchase order {code}")
    expect(document.locator("svg.barcode.code128")).to_have_attribute("aria-label", code)

    # The e-mail downloads, addressed to Acme, with the lines.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download e-mail").click()
    download = download_info.value
    assert download.suggested_filename == f"{code}.eml"
    message = email.message_from_bytes(Path(download.path()).read_bytes(), policy=policy.default)
    assert message["To"] == "Acme Supplies <orders@acme.example>" and code in message["Subject"]
    assert "SKU-A" in message.get_body(preferencelist=("plain",)).get_content()
    expect(page.locator(".buy-message")).to_contain_text(f"{code}.eml downloaded")

    # The drop-ship Bolt ships to WEB-DROP's customer: approve, send, enter the tracking number.
    page.get_by_role("button", name="← Purchase orders").click()
    page.get_by_label("Show").select_option("draft")
    drop = page.locator(".buy-po").filter(has_text="Drop-ship for WEB-DROP")
    expect(drop).to_have_count(1)
    drop.click()
    expect(page.locator(".buy-screen")).to_contain_text("Ships to Test Customer, 1 Dock Road")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".badge")).to_have_text("Approved")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".badge")).to_have_text("Sent")
    page.get_by_label("Carrier").fill("UPS")
    page.get_by_label("Tracking number").fill("1Z999AA10123456784")
    assert_fits_a_phone(phone)
    page.get_by_role("button", name="Enter tracking").click()
    expect(page.locator(".badge")).to_have_text("Closed")
    expect(page.locator(".buy-message")).to_contain_text("shipped order WEB-DROP with UPS, tracking 1Z999AA10123456784")

    order = api_get(live_server.url, "sue", SUE_PASSWORD, f"/api/orders/{orders['WEB-DROP']['id']}")
    assert order["status"] == "shipped"
    steps = api_get(live_server.url, "sue", SUE_PASSWORD, f"/api/orders/{orders['WEB-DROP']['id']}/timeline")
    assert any(s["label"].startswith("Shipped by Bolt & Co with UPS, tracking 1Z999AA10123456784") for s in steps)
    # WEB-1's timeline now names the purchase order that brings its 3 units.
    waiting = api_get(live_server.url, "sue", SUE_PASSWORD, f"/api/orders/{orders['WEB-1']['id']}/timeline")
    assert any(
        s["kind"] == "expected" and s["label"].startswith("Waiting for 3 × SKU-A — expected") and code in s["label"]
        for s in waiting
    )
    assert phone.console_errors == [] and phone.csp_violations() == []
    phone.screenshot("supervisor-buying.png")
