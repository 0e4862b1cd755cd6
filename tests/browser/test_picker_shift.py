"""The picker's shift as a user story, in Chromium, offline: a whole wave picked by scans alone.

Pia signs in online, the network goes, and she picks every line of her wave — one item through the
phone camera (Chromium's fake camera playing a video of the product's EAN-13), the rest with a
keyboard-wedge scanner. She reloads the page while offline, closes the browser and opens it again on
the same profile; nothing she scanned is lost. Meanwhile Pete, on another phone, picks one of the
same lines. When her phone comes back online, every op is applied exactly once, the server's stock,
lines and ledger are what the floor did, and the line Pete took first comes back *adjusted*: Pia is
told to put the unit back.
"""

from __future__ import annotations

import httpx
import pytest
import zxingcpp
from playwright.sync_api import expect, sync_playwright

from tests import support
from tests.browser.camera import CHROMIUM, Barcode, barcode_video, camera_flags
from tests.browser.support import (
    MUG_EAN8,
    SCREENSHOTS,
    TEE_EAN,
    device_of,
    last_seq_of,
    ledger_rows,
    off_playwrights_loop,
    open_page,
    pending_is,
    shift_warehouse,
    wedge_scan,
)
from tests.warehouse import device_for

pytestmark = pytest.mark.browser


def _launch(playwright, profile, video):
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        headless=True,
        args=camera_flags(video),
        viewport={"width": 360, "height": 640},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    context.set_default_timeout(15_000)
    return context


def test_a_picker_picks_a_whole_wave_offline_and_it_lands_exactly_once(live_server, clean_db, tmp_path):
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        password = off_playwrights_loop(support.create_user, "root", "admin")
        admin = support.login(http, "root", password)
        off_playwrights_loop(support.create_user, "pia", "picker", "pia-secret-1")
        orders = shift_warehouse(http, admin)
        pete = off_playwrights_loop(device_for, http, "pete", "picker")

        video = barcode_video(tmp_path, Barcode("tee", TEE_EAN, zxingcpp.BarcodeFormat.EAN13, f"]E0{TEE_EAN}", "EAN-13"))
        profile = tmp_path / "profile"
        with sync_playwright() as playwright:
            # -- online: sign in, the phone registers itself and pulls the wave --------------------
            context = _launch(playwright, profile, video)
            context.grant_permissions(["camera"], origin=live_server.url)
            page, errors = open_page(context, live_server.url)
            page.get_by_label("Username").fill("pia")
            page.get_by_label("Password").fill("pia-secret-1")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Your picks")).to_be_visible()
            expect(page.locator("li.task")).to_have_count(4)
            page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)

            # -- offline from here on ----------------------------------------------------------
            context.set_offline(True)
            expect(page.locator(".sync-net")).to_contain_text("Offline")
            page.get_by_role("button", name="Start picking").click()
            walk = page.locator(".walk")
            expect(walk).to_contain_text("Go to A-01")

            # A wrong location is refused with the error tone, and the line is not touched.
            wedge_scan(page, "A-02", "Wrong location A-02")
            expect(page.locator(".walk-card")).to_have_attribute("data-step", "location")
            wedge_scan(page, "A-01", "A-01 ✓")
            # A wrong item: refused, nothing counted.
            wedge_scan(page, MUG_EAN8, "Wrong item")
            expect(page.locator(".walk-card")).to_have_attribute("data-step", "item")

            # Line 1 (TEE-RED × 1): the item through the camera.
            page.get_by_role("button", name="Camera").click()
            expect(walk).to_contain_text("scan an empty tote for slot 1", ignore_case=True, timeout=20_000)
            page.get_by_role("button", name="Camera").click()  # camera off again
            wedge_scan(page, "TOTE-RED", "Picked 1 × TEE-RED into TOTE-RED")
            pending_is(page, 1)

            # Line 2 (MUG-BLU × 2 for order 1, same tote): scan once, enter the count.
            wedge_scan(page, "A-02", "A-02 ✓")
            wedge_scan(page, MUG_EAN8, "1 of 2")
            phone_shot(page, "picker-walk.png")
            page.get_by_role("button", name="One more").click()
            page.get_by_role("button", name="Confirm count").click()
            expect(walk).to_contain_text("scan tote TOTE-RED")
            wedge_scan(page, "TOTE-BLU", "Wrong tote TOTE-BLU")
            wedge_scan(page, "TOTE-RED", "Picked 2 × MUG-BLU into TOTE-RED")
            pending_is(page, 2)

            # -- reload while offline: the shell and the queued picks survive ----------------------
            page.reload()
            expect(page.get_by_role("heading", name="Your picks")).to_be_visible()
            pending_is(page, 2)
            expect(page.locator(".sync-net")).to_contain_text("Offline")
            expect(page.locator("li.task:not(.done)")).to_have_count(2)
            page.get_by_role("button", name="Start picking").click()

            # Line 3 (MUG-BLU × 1 for order 2): slot 2 gets a tote of its own.
            wedge_scan(page, "A-02", "A-02 ✓")
            wedge_scan(page, MUG_EAN8, "scan an empty tote for slot 2")
            wedge_scan(page, "TOTE-RED", "TOTE-RED is already slot 1")
            wedge_scan(page, "TOTE-BLU", "Picked 1 × MUG-BLU into TOTE-BLU")
            pending_is(page, 3)
            assert not errors, errors
            context.close()

            # -- Pete, on his own phone and online, picks the cap line first -------------------------
            cap_line = next(line for line in orders[1]["lines"] if line["sku"] == "CAP-GRN")
            result = pete.push(
                pete.op("pick", order_line_id=cap_line["id"], location="A-03", sku="CAP-GRN", qty=1, tote="TOTE-P")
            )
            # The task is Pia's: the physical fact stands, and the exception names both pickers.
            assert (result["results"][0]["status"], result["results"][0]["code"]) == ("adjusted", "task_reassigned"), result

            # -- the browser again, same profile, still offline: the outbox is still there ----------
            context = _launch(playwright, profile, video)
            context.set_offline(True)
            page, errors = open_page(context, live_server.url)
            expect(page.get_by_role("heading", name="Your picks")).to_be_visible()
            pending_is(page, 3)
            page.get_by_role("button", name="Start picking").click()
            wedge_scan(page, "A-03", "A-03 ✓")
            wedge_scan(page, "INT-CAP-GRN", "scan tote TOTE-BLU")
            wedge_scan(page, "TOTE-BLU", "Picked 1 × CAP-GRN into TOTE-BLU")
            pending_is(page, 4)
            expect(page.get_by_text("All lines picked")).to_be_visible()

            # -- back online: everything drains, once --------------------------------------------
            context.set_offline(False)
            pending_is(page, 0)
            outcome = page.locator(".outcome-list")
            expect(outcome).to_be_visible(timeout=20_000)
            expect(outcome).to_contain_text("CAP-GRN")
            expect(outcome).to_contain_text("back")
            phone_shot(page, "picker-outcome.png")
            assert not errors, errors
            context.close()

        device_id = off_playwrights_loop(device_of, "pia")
        ledger = off_playwrights_loop(ledger_rows, device_id)
        assert [row[:2] for row in ledger] == [(1, "pick"), (2, "pick"), (3, "pick"), (4, "pick")], ledger
        assert [row[2] for row in ledger] == ["applied", "applied", "applied", "adjusted"], ledger
        assert ledger[3][3] == "over_pick", ledger
        assert off_playwrights_loop(last_seq_of, device_id) == 4

        for order in orders:
            detail = http.get(f"/api/orders/{order['id']}", headers=admin).json()
            assert all(line["qty_picked"] == line["qty"] for line in detail["lines"]), detail
        stock = {(s["location"], s["sku"]): s["on_hand"] for s in http.get("/api/stock/", headers=admin).json()}
        # Every unit that left a bin is booked: A-03 gave one to Pete and one to Pia (whose surplus
        # goes back through a put-away task, not silently into the bin).
        assert stock[("A-01", "TEE-RED")] == 4
        assert stock[("A-02", "MUG-BLU")] == 1
        assert stock[("A-03", "CAP-GRN")] == 1


def phone_shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))
