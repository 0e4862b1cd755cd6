"""The exception queue as a user story, on two 360×640 phones: Pia picks a line offline that Olli
filled meanwhile; when her phone syncs, the over-pick reaches Sue's queue within 2 s. Sue resolves it
with a count of the bin for Pia, and Pia's phone shows the count on its next pull; she counts the bin
by scanning and the task leaves her list."""

from __future__ import annotations

import time
from types import SimpleNamespace

import httpx
import pytest
from playwright.sync_api import expect

from tests import support
from tests.browser.picking import BURST, pending, pia_signed_in, warehouse
from tests.browser.support import PHONE, TEE_EAN, off_playwrights_loop, sign_in
from tests.warehouse import device_for

pytestmark = pytest.mark.browser

SUE_PASSWORD = "sue-secret-1"


def wedge(page, code: str) -> None:
    page.evaluate(BURST, code)


def test_an_offline_over_pick_reaches_the_queue_and_the_count_task_reaches_the_picker(browser, clean_db, live_server):
    base = live_server.url
    (order,) = warehouse(base, [[("TEE-RED", 2)]])
    line = order["lines"][0]
    off_playwrights_loop(support.create_user, "sue", "supervisor", SUE_PASSWORD)
    with httpx.Client(base_url=base, timeout=30) as http:
        olli = off_playwrights_loop(device_for, http, "olli", "picker")

    sue_context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB")
    sue = sue_context.new_page()
    sue.set_default_timeout(15_000)
    sue_errors: list[str] = []
    sue.on("pageerror", lambda error: sue_errors.append(str(error)))
    try:
        with pia_signed_in(browser, base, lines=1) as (pia_context, pia, pia_errors):
            # -- Sue watches the queue --------------------------------------------------------------
            sue.goto(base + "/#/exceptions")
            sign_in(SimpleNamespace(page=sue), "sue", SUE_PASSWORD)
            expect(sue.get_by_role("heading", name="Exceptions", exact=True)).to_be_visible()
            expect(sue.locator(".screen-sub")).to_have_text("Nothing needs you right now.")

            # -- Pia, offline, picks the line: 2 × TEE-RED into her tote ---------------------------
            pia_context.set_offline(True)
            expect(pia.locator(".sync-net")).to_contain_text("Offline")
            pia.get_by_role("button", name="Start picking").click()
            wedge(pia, "A-01")
            expect(pia.locator(".walk")).to_contain_text("A-01 ✓")
            wedge(pia, TEE_EAN)
            pia.get_by_role("button", name="One more").click()
            pia.get_by_role("button", name="Confirm count").click()
            wedge(pia, "TOTE-RED")
            pending(pia, 1)

            # Meanwhile Olli, online, picked the same two units for that line.
            with httpx.Client(base_url=base, timeout=30) as http:
                olli.client = http
                (result,) = olli.push(olli.op("pick", order_line_id=line["id"], location="A-01", sku="TEE-RED", qty=2))["results"]
            assert result["status"] == "adjusted"  # the task was Pia's: both are named
            expect(sue.locator("li.exception")).to_have_count(1)

            # -- Pia's phone syncs: her pick is an over-pick, in Sue's queue within 2 s ---------------
            pia_context.set_offline(False)
            pending(pia, 0)
            synced = time.monotonic()
            over_pick = sue.locator('li.exception[data-code="over_pick"]')
            expect(over_pick).to_be_visible(timeout=2_000)
            elapsed = time.monotonic() - synced
            assert elapsed <= 2.0, f"the over-pick reached the queue {elapsed:.2f} s after Pia's sync"
            expect(over_pick).to_contain_text("Picked more than the line needed")
            expect(over_pick).to_contain_text("pia")
            expect(over_pick).to_contain_text("Picked 2 × TEE-RED from A-01 into tote TOTE-RED")
            expect(over_pick.locator(".follow-ups")).to_contain_text("Put 2 × TEE-RED back from tote TOTE-RED · for pia")

            # -- Sue resolves it with a count of A-01 for Pia ----------------------------------------
            over_pick.get_by_text("Count task").click()
            expect(over_pick.get_by_label("Who counts")).to_have_value("pia")
            over_pick.get_by_role("button", name="Count A-01").click()
            expect(sue.locator(".screen-sub")).to_contain_text("count A-01 (TEE-RED), for pia")
            expect(sue.locator('li.exception[data-code="over_pick"]')).to_have_count(0)
            sue.get_by_label("Show").select_option("resolved")
            expect(sue.locator("li.exception .resolution").first).to_contain_text("Resolved by sue")
            expect(sue.locator("li.exception .resolution").first).to_contain_text("ordered a count of A-01 (TEE-RED) for pia")

            # -- Pia's next pull brings the count (a sync: the connection drops and comes back) --------
            pia_context.set_offline(True)
            pia_context.set_offline(False)
            follow_ups = pia.get_by_role("region", name="Tasks for you")
            expect(follow_ups).to_contain_text("Count bin A-01 (TEE-RED)", timeout=10_000)
            expect(follow_ups).to_contain_text("Put 2 × TEE-RED back from tote TOTE-RED to its bin")

            # She counts it by scanning: the bin, the item, then how many are there (20 − 2 − 2).
            follow_ups.get_by_role("button", name="Count now").click()
            wedge(pia, "A-01")
            expect(pia.locator(".count-walk")).to_contain_text("Scan TEE-RED")
            wedge(pia, TEE_EAN)
            expect(pia.locator(".count-walk")).to_contain_text("How many TEE-RED are in A-01?")
            pia.get_by_label("Units in the bin").fill("16")
            pia.get_by_role("button", name="Confirm count").click()
            pending(pia, 0)
            expect(follow_ups).not_to_contain_text("Count bin A-01", timeout=10_000)
            expect(follow_ups).to_contain_text("Put 2 × TEE-RED back")
            assert pia_errors == []
        assert sue_errors == []
    finally:
        sue_context.close()
