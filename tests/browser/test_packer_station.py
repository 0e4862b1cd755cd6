"""The packer's station as user stories, in Chromium on a 360×640 phone: Pat packs an order into two
packages by scans alone and prints their labels; an order is cancelled while Pat packs it offline;
packing done offline survives a reload.

Pia has picked two orders into totes (SYNC-1: 3 × TEE-RED and 1 × MUG-BLU into TOTE-1; SYNC-2:
1 × CAP-GRN into TOTE-2), so both wait at the bench.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.packing import (
    admin_request,
    axe_serious,
    open_tasks,
    outbox,
    pat_ledger,
    pat_signed_in,
    picked_bench,
    scan,
    server_packages,
    wait_for_service_worker,
)
from tests.browser.support import MUG_EAN8, SCREENSHOTS, TEE_EAN, assert_fits_a_phone, pending_is

pytestmark = pytest.mark.browser

ORDERS = [[("TEE-RED", 3), ("MUG-BLU", 1)], [("CAP-GRN", 1)]]


class _Phone:  # what assert_fits_a_phone reads
    def __init__(self, page):
        self.page = page


def _seal(page, type_name: str, weight: str, unit: str) -> None:
    seal = page.locator("section.seal")
    seal.get_by_role("button", name=type_name).click()
    seal.get_by_role("button", name=unit, exact=True).click()
    page.locator("#pack-weight").fill(weight)
    seal.get_by_role("button", name="Seal package").click()


def test_a_packer_packs_an_order_into_two_packages_with_a_wrong_item_attempt_and_prints_both_labels(
    browser, live_server, clean_db
):
    one, two = picked_bench(live_server.url, ORDERS)
    with pat_signed_in(browser, live_server.url, orders=2) as (_context, page, errors):
        token = page.evaluate("JSON.parse(localStorage.getItem('shipshape.session')).token")
        requests = []
        page.on("request", lambda r: requests.append((r.url, r.headers.get("authorization"))))

        # The bench: both orders, oldest first, each with its tote and units; the count in the header.
        expect(page.locator(".pack-count")).to_have_text("2")
        expect(page.locator("button.pack-order").first).to_contain_text("SYNC-1")
        expect(page.locator("button.pack-order").first).to_contain_text("4\u00a0units")
        assert_fits_a_phone(_Phone(page))
        assert axe_serious(page) == []
        page.screenshot(path=str(SCREENSHOTS / "packer-bench.png"))

        # The order is found by its code, as printed on the pick list.
        scan(page, f"ORD-{one['id']}", "ok", "SYNC-1 — scan each item")
        first = f"PK-{one['id']}-1"
        expect(page.locator(".package-card .package-code")).to_have_text(first)
        pending_is(page, 0)

        # Wrong items: the error tone and red, and nothing goes to the outbox.
        before = outbox(page)
        scan(page, "INT-CAP-GRN", "error", "belongs to order SYNC-2")
        scan(page, "INT-SOCKS", "error", "Wrong item INT-SOCKS")
        assert outbox(page) == before

        # Package 1: two T-shirts with one scan (the quantity set first), then sealed.
        page.get_by_role("button", name="One more").click()
        scan(page, TEE_EAN, "ok", f"2 × TEE-RED into {first} — 1 to go")
        expect(page.locator(".package-card")).to_contain_text("2\u00a0units in it")
        assert_fits_a_phone(_Phone(page))
        assert axe_serious(page) == []
        page.screenshot(path=str(SCREENSHOTS / "packer-packing.png"))
        _seal(page, "Medium box", "1,2", "kg")
        expect(page.get_by_test_id("scan-display")).to_contain_text(f"{first} sealed: Medium box, 1200 g")

        # Package 2: the rest, one more T-shirt than picked refused, then sealed.
        page.get_by_role("button", name="New package").click()
        second = f"PK-{one['id']}-2"
        expect(page.locator(".package-card .package-code")).to_have_text(second)
        scan(page, TEE_EAN, "ok", f"1 × TEE-RED into {second} ✓")
        expect(page.locator(".package-card")).to_contain_text("1\u00a0unit in it")  # stored, not only heard
        before = outbox(page)
        scan(page, TEE_EAN, "error", "One too many")
        assert outbox(page) == before
        scan(page, MUG_EAN8, "ok", f"1 × MUG-BLU into {second} ✓")
        expect(page.locator(".walk-prompt")).to_have_text("Everything is in — seal the package")
        _seal(page, "Small box", "450", "g")
        expect(page.locator(".pack-done")).to_contain_text("SYNC-1 is packed")
        pending_is(page, 0)

        # Both labels printed from the phone: fetched with the token in a header, printed from a frame.
        # Each was booked with the own fleet first, so its label carries the tracking number.
        for n, code in enumerate((first, second), start=1):
            page.get_by_role("button", name=f"Print label {code}").click()
            frame = page.locator("iframe.print-frame")
            expect(frame).to_have_attribute("data-document", f"label-{code}")
            expect(frame).to_have_attribute("data-loaded", "true")
            label = page.frame_locator("iframe.print-frame").locator("article.shipping-label")
            expect(label).to_contain_text(f"Package {n} of 2")
            expect(label).to_contain_text("Tracking")
        page.get_by_role("button", name="Print packing slip").click()
        expect(page.locator("iframe.print-frame")).to_have_attribute("data-document", f"packing-slip-{one['id']}")
        expect(page.locator("iframe.print-frame")).to_have_attribute("data-loaded", "true")
        # The slip's print CSS loaded inside the frame (the page's CSP let it).
        assert page.evaluate("document.querySelector('iframe.print-frame').contentDocument.styleSheets[0].cssRules.length") > 0

        bookings = [auth for url, auth in requests if url.endswith("/shipment")]
        assert bookings == [f"Bearer {token}"] * 2
        labels = [(url, auth) for url, auth in requests if "/print/packages/" in url]
        assert [url.rsplit("/print/packages/", 1)[1] for url, _ in labels] == [f"{first}/label", f"{second}/label"]
        assert {auth for _, auth in labels} == {f"Bearer {token}"}
        assert not [url for url, _ in requests if token in url]
        assert not errors, errors

    # What the server holds after the sync: two sealed packages, every unit in one, the order packed.
    assert server_packages(one["id"]) == [(first, True, "BOX-M", 1200, 2), (second, True, "BOX-S", 450, 2)]
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        assert admin_request(http, "GET", f"/api/orders/{one['id']}")["status"] == "packed"
        assert admin_request(http, "GET", f"/api/orders/{two['id']}")["status"] == "picked"
    assert {status for _, _, status, _ in pat_ledger()} == {"applied"}


def test_the_order_is_cancelled_while_the_packer_is_offline(browser, live_server, clean_db):
    one, _ = picked_bench(live_server.url, ORDERS)
    with pat_signed_in(browser, live_server.url, orders=2) as (context, page, errors):
        page.locator("button.pack-order").first.click()
        first = f"PK-{one['id']}-1"
        scan(page, TEE_EAN, "ok", f"1 × TEE-RED into {first}")
        # The tone comes before the outbox write: wait for the view that follows the write.
        expect(page.locator(".package-card")).to_contain_text("1\u00a0unit in it")
        pending_is(page, 0)

        context.set_offline(True)
        expect(page.locator(".sync-net")).to_contain_text("Offline")
        # Meanwhile the order is cancelled in the office.
        with httpx.Client(base_url=live_server.url, timeout=30) as http:
            admin_request(http, "POST", f"/api/orders/{one['id']}/cancel", {"reason": "customer called"})

        # Pat knows nothing yet: packs the rest and seals, offline. Printing waits for the network.
        page.get_by_role("button", name="One more").click()
        scan(page, TEE_EAN, "ok", "2 × TEE-RED")
        scan(page, MUG_EAN8, "ok", "1 × MUG-BLU")
        _seal(page, "Medium box", "900", "g")
        pending_is(page, 3)
        expect(page.locator("[data-print]").first).to_have_text("Printing needs a connection")
        expect(page.locator("[data-print]").first).to_be_disabled()

        # Back online: the ops come back rejected and the stop card takes the screen.
        context.set_offline(False)
        pending_is(page, 0)
        card = page.locator(".stop-card")
        expect(card).to_contain_text("Order SYNC-1 was cancelled — do not ship.")
        expect(card).to_contain_text("Unpack the items and return them to stock.")
        expect(page.locator("li.outcome[data-code='order_cancelled']")).to_have_count(3)
        assert_fits_a_phone(_Phone(page))

        # Scans for the cancelled order are refused while the card stands.
        before = outbox(page)
        scan(page, f"ORD-{one['id']}", "error", "do not pack it")
        assert outbox(page) == before

        card.get_by_role("button", name="Unpacked — OK").click()
        expect(card).to_have_count(0)
        expect(page.locator("button.pack-order")).to_have_count(1)
        assert not errors, errors

    statuses = [(op, status, code) for _, op, status, code in pat_ledger()]
    assert statuses == [
        ("pack", "applied", None),
        ("pack", "rejected", "order_cancelled"),
        ("pack", "rejected", "order_cancelled"),
        ("seal", "rejected", "order_cancelled"),
    ]
    assert open_tasks("unpack", one["id"]) and first in open_tasks("unpack", one["id"])[0]


def test_packing_done_offline_survives_a_reload_and_drains_once_online(browser, live_server, clean_db):
    one, _ = picked_bench(live_server.url, ORDERS)
    with pat_signed_in(browser, live_server.url, orders=2) as (context, page, errors):
        wait_for_service_worker(page)
        context.set_offline(True)
        expect(page.locator(".sync-net")).to_contain_text("Offline")
        scan(page, f"ORD-{one['id']}", "ok", "SYNC-1 — scan each item")
        first = f"PK-{one['id']}-1"
        scan(page, TEE_EAN, "ok", f"1 × TEE-RED into {first}")
        scan(page, MUG_EAN8, "ok", f"1 × MUG-BLU into {first}")
        pending_is(page, 2)

        page.reload()
        expect(page.get_by_role("heading", name="Pack")).to_be_visible()
        pending_is(page, 2)
        assert outbox(page)[1] == 2
        scan(page, f"ORD-{one['id']}", "ok", "SYNC-1 — scan each item")
        expect(page.locator(".package-card .package-code")).to_have_text(first)
        expect(page.locator(".package-card")).to_contain_text("2\u00a0units in it")
        expect(page.locator("li.pack-line").first).to_contain_text("packed 1 · 2 to go")

        context.set_offline(False)
        pending_is(page, 0)
        expect(page.locator(".package-card")).to_contain_text("2\u00a0units in it")
        assert not errors, errors

    assert server_packages(one["id"]) == [(first, False, "", 0, 2)]
    assert [status for _, _, status, _ in pat_ledger()] == ["applied", "applied"]


def test_at_the_dock_sealed_packages_are_handed_to_a_carrier_by_one_scan_each(browser, live_server, clean_db):
    _, two = picked_bench(live_server.url, ORDERS)
    with pat_signed_in(browser, live_server.url, orders=2) as (_context, page, errors):
        scan(page, f"ORD-{two['id']}", "ok", "SYNC-2 — scan each item")
        code = f"PK-{two['id']}-1"
        scan(page, "INT-CAP-GRN", "ok", f"1 × CAP-GRN into {code} ✓")
        # Not sealed yet: the dock refuses it.
        page.get_by_role("button", name="Dock").click()
        page.get_by_label("Carrier").fill("DHL")
        page.get_by_label("Carrier").press("Enter")
        expect(page.locator(".walk-prompt")).to_have_text("Scan each package for DHL")
        scan(page, code, "error", "not sealed")
        page.get_by_role("button", name="Bench").click()
        _seal(page, "Small box", "300", "g")
        expect(page.locator(".pack-done")).to_contain_text("SYNC-2 is packed")

        page.get_by_role("button", name="Dock").click()
        expect(page.locator(".dock-list").first).to_contain_text(code)
        assert_fits_a_phone(_Phone(page))
        scan(page, code.lower(), "ok", f"{code} → DHL")
        expect(page.locator(".dock-list.done")).to_contain_text(f"{code} → DHL")
        scan(page, code, "warn", "already handed over")
        scan(page, "PK-999-1", "error", "Unknown package")
        pending_is(page, 0)
        assert not errors, errors

    assert [(op, status) for _, op, status, _ in pat_ledger()] == [("pack", "applied"), ("seal", "applied"), ("ship", "applied")]
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        assert admin_request(http, "GET", f"/api/orders/{two['id']}")["status"] == "shipped"
