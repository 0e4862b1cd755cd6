"""What the picker has in hand and on screen, at 360×640, as user stories: a short pick after a
partial count keeps the units already counted, the sync strip never leaves the screen, lines picked
offline say they wait to be sent, the end of a wave says where the totes go, nothing jumps while a
list loads, and a name cannot turn itself around with a bidirectional override."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.picking import (
    RECORD_LAYOUT_SHIFTS,
    SLOW_API,
    admin_get,
    inside_viewport,
    layout_shift,
    pending,
    pia_signed_in,
    scan,
    warehouse,
)
from tests.browser.support import MUG_EAN8, TEE_EAN, off_playwrights_loop

pytestmark = pytest.mark.browser


def ledger_rows(username: str) -> list[tuple]:
    from tests.sync.guarantees.harness import RawDB

    raw = RawDB()
    device_id = raw.val(
        "SELECT d.device_id FROM device d JOIN app_user u ON u.id = d.owner WHERE u.username = ? ORDER BY d.id DESC", username
    )
    return raw.fetch("SELECT seq, op_type, status, code FROM ledger WHERE device_id = ? ORDER BY id", device_id)


def test_a_short_pick_after_counting_one_of_two_picks_that_one_into_the_tote_and_reports_one_short(
    browser, live_server, clean_db
):
    """Pia scans one mug of two; the bin is empty. The form offers 1 missing, not 2; she scans her
    tote, the mug in it is picked and the other reported short — offline, each line marked as
    waiting to send until the server has it. Nothing is stranded on the server."""
    orders = warehouse(live_server.url, [[("MUG-BLU", 2)]])
    with pia_signed_in(browser, live_server.url, lines=1) as (context, page, errors):
        context.set_offline(True)
        expect(page.locator(".sync-net")).to_contain_text("Offline")
        page.get_by_role("button", name="Start picking").click()
        scan(page, "A-02", "A-02 ✓")
        scan(page, MUG_EAN8, "1 of 2")

        page.locator(".short summary").click()
        expect(page.locator("#short-qty")).to_have_text("1 (1 in hand goes into the tote)")
        page.get_by_role("button", name="Bin empty").click()
        expect(page.get_by_test_id("scan-display")).to_contain_text(
            "1 short (bin empty) — put the 1 in hand in an empty tote for slot 1"
        )
        expect(page.locator(".walk-card")).to_have_attribute("data-step", "tote")
        expect(page.locator(".walk-prompt")).to_have_text("Scan an empty tote for slot 1 — then 1 short")
        expect(page.locator(".short")).to_have_count(0)
        pending(page, 0)  # nothing leaves before the unit is in a tote
        scan(page, "TOTE-RED", "Picked 1 × MUG-BLU into TOTE-RED · 1 short: bin empty")
        pending(page, 2)

        ops = page.evaluate("async () => (await (await import('/static/store.js')).openStore()).pendingOps()")
        assert [(op["type"], op["args"].get("qty"), op["args"].get("qty_short"), op["args"].get("tote")) for op in ops] == [
            ("pick", 1, None, "TOTE-RED"),
            ("pick_short", None, 1, None),
        ], ops
        line = page.locator("li.task")
        expect(line).to_contain_text("Short")
        expect(line.locator(".pending-mark")).to_have_text("Waiting to send")

        context.set_offline(False)
        pending(page, 0)
        expect(page.locator(".pending-mark")).to_have_count(0)
        assert not errors, errors

    assert [row[:3] for row in off_playwrights_loop(ledger_rows, "pia")] == [(1, "pick", "applied"), (2, "pick_short", "applied")]
    detail = admin_get(live_server.url, f"/api/orders/{orders[0]['id']}")
    assert [line["qty_picked"] for line in detail["lines"]] == [1], detail  # the mug in the tote is booked


def _long_wave() -> list[list[tuple[str, int]]]:
    return [[("TEE-RED", 1)] for _ in range(12)]


def test_the_sync_strip_stays_on_screen_below_a_long_list_and_the_list_loads_without_jumping(browser, live_server, clean_db):
    warehouse(live_server.url, _long_wave())
    with pia_signed_in(browser, live_server.url, lines=12) as (context, page, errors):
        page.add_init_script(RECORD_LAYOUT_SHIFTS)
        page.add_init_script(SLOW_API)
        page.reload()
        expect(page.locator("li.task")).to_have_count(12)
        pending(page, 0)
        page.wait_for_timeout(300)  # a late shift would land here; the observer has all of them buffered
        total, shifts = layout_shift(page)
        assert total <= 0.02, shifts

        # At the top and at the very bottom of a long list the strip is on screen, and the last
        # line is not under it: the page keeps room below its content.
        strip = page.locator(".sync-status")
        for where in ("top", "bottom"):
            if where == "bottom":
                page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
            box = strip.bounding_box()
            assert box and box["y"] >= 0 and box["y"] + box["height"] <= 640 + 0.5, (where, box)
        assert inside_viewport(page, "li.task:last-of-type")["visible"]

        context.set_offline(True)
        expect(strip).to_contain_text("Offline")
        page.locator("li.task").nth(11).click()
        scan(page, "A-01", "A-01 ✓")
        scan(page, TEE_EAN, "scan an empty tote for slot 12")
        scan(page, "TOTE-RED", "Picked 1 × TEE-RED")
        page.get_by_role("button", name="List").click()
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        expect(strip.locator(".sync-pending")).to_have_text("1 to send")
        box = strip.bounding_box()
        assert box["y"] + box["height"] <= 640 + 0.5, box
        done = page.locator("li.task.done")
        expect(done.locator(".pending-mark")).to_have_text("Waiting to send")
        assert inside_viewport(page, "li.task.done")["visible"]
        context.set_offline(False)
        pending(page, 0)
        assert not errors, errors


def test_on_a_short_screen_the_strip_sits_at_the_bottom_of_the_screen_not_mid_page(browser, live_server, clean_db):
    warehouse(live_server.url, [[("CAP-GRN", 1)]])
    with pia_signed_in(browser, live_server.url, lines=1) as (context, page, errors):
        box = page.locator(".sync-status").bounding_box()
        assert abs(box["y"] + box["height"] - 640) <= 1, box
        assert not errors, errors


def test_at_the_end_of_the_wave_the_picker_is_told_to_take_the_totes_to_the_pack_bench(browser, live_server, clean_db):
    warehouse(live_server.url, [[("TEE-RED", 1)], [("CAP-GRN", 1)]])
    with pia_signed_in(browser, live_server.url, lines=2) as (context, page, errors):
        page.get_by_role("button", name="Start picking").click()
        scan(page, "A-01", "A-01 ✓")
        scan(page, TEE_EAN, "scan an empty tote for slot 1")
        scan(page, "TOTE-RED", "Picked 1 × TEE-RED into TOTE-RED")
        scan(page, "A-03", "A-03 ✓")
        scan(page, "INT-CAP-GRN", "scan an empty tote for slot 2")
        page.evaluate(
            """(code) => { for (const key of [...code, "Enter"]) window.dispatchEvent(new KeyboardEvent("keydown", { key })); }""",
            "TOTE-BLU",
        )
        done = page.locator(".wave-done")
        expect(done).to_contain_text("Take the totes to the pack bench")
        expect(done).to_contain_text("Wave 1 is picked. Totes TOTE-RED, TOTE-BLU go to the pack bench.")
        # Sent and acknowledged, the wave leaves the pull: the message stays, not "No picks assigned".
        pending(page, 0)
        page.reload()
        expect(page.locator(".wave-done")).to_contain_text("Take the totes to the pack bench")
        expect(page.locator(".wave-done")).to_contain_text("Wave 1 is picked. Totes TOTE-RED, TOTE-BLU go to the pack bench.")
        expect(page.locator("li.task")).to_have_count(0)
        expect(page.get_by_text("No picks assigned")).to_have_count(0)
        assert not errors, errors


def test_the_order_list_loads_without_a_layout_shift(phone, demo_warehouse):
    from tests.browser.support import sign_in

    page = phone.page
    phone.open()
    sign_in(phone, "sue", "supervisor-demo")
    page.get_by_role("link", name="Orders").click()  # the floor is the supervisor's home; the address keeps the tab
    expect(page.locator("li.order").first).to_be_visible()
    page.add_init_script(RECORD_LAYOUT_SHIFTS)
    page.add_init_script(SLOW_API)
    page.reload()
    expect(page.locator("li.order").first).to_be_visible()
    expect(page.locator(".sync-pending")).to_have_text("All sent", timeout=20_000)
    page.wait_for_timeout(300)
    total, shifts = layout_shift(page)
    assert total <= 0.02, shifts
    box = page.locator(".sync-status").bounding_box()
    assert box["y"] + box["height"] <= 640 + 0.5, box


def test_a_bidirectional_override_in_a_name_or_a_scan_is_shown_as_stored_not_reversed(browser, live_server, clean_db):
    """ "R\u202efdp.exe" must read as typed, not as "Rexe.pdf", wherever the page shows text that came
    from the server or a scan (tests/js/dom.test.js checks every override and isolate)."""
    warehouse(live_server.url, [[("CAP-GRN", 1)]])
    with pia_signed_in(browser, live_server.url, lines=1) as (context, page, errors):
        # Whatever the server sends goes through h(): a product name with an override, drawn as the
        # picker's list draws it.
        shown = page.evaluate("""async () => {
          const { h } = await import("/static/dom.js");
          const card = h("p.product#probe", { title: "R\u202efdp.exe" }, "R\u202efdp.exe");
          document.querySelector("li.task").append(card);
          return [card.textContent, card.title];
        }""")
        assert shown == ["Rfdp.exe", "Rfdp.exe"], shown
        # A scan that carries an override is quoted without it on the feedback line.
        page.get_by_role("button", name="Start picking").click()
        scan(page, "A-0\u202e3", "Wrong location")
        assert page.get_by_test_id("scan-display").inner_text() == "Wrong location A-03: go to A-03"
        assert not errors, errors
