"""The picker's screen in Chromium: one hand on a 360×640 phone, axe-core clean, short picks, and
two tabs of the same phone picking at once."""

from __future__ import annotations

from contextlib import contextmanager

import httpx
import pytest
from playwright.sync_api import expect

from tests import support
from tests.browser.support import (
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

pytestmark = pytest.mark.browser


def _axe_serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_walk_fits_one_hand_passes_axe_and_takes_a_short_pick(phone, demo_warehouse, live_server):
    from tests.browser.support import assert_fits_a_phone, sign_in

    page = phone.page
    phone.open()
    sign_in(phone, "pia", "picker-demo")
    expect(page.get_by_role("heading", name="Your picks")).to_be_visible()
    expect(page.locator(".sync-pending")).to_have_text("All sent")
    assert _axe_serious(page) == []
    page.get_by_role("button", name="Start picking").click()
    card = page.locator(".walk-card")
    expect(card).to_have_attribute("data-step", "location")
    location = card.locator(".location").inner_text()
    task_id = int(card.get_attribute("data-task-id"))
    assert_fits_a_phone(phone)
    assert _axe_serious(page) == []

    # The bin is empty: a short pick with its reason, then the walk goes on to the next line.
    page.locator(".short summary").click()
    page.get_by_role("button", name="Bin empty").click()
    expect(page.get_by_test_id("scan-display")).to_contain_text("bin empty")
    expect(card).not_to_have_attribute("data-task-id", str(task_id))
    expect(page.locator(".sync-pending")).to_have_text("All sent", timeout=20_000)
    phone.screenshot("picker-short.png")

    tasks = {t["id"]: t for t in _api_pull_tasks(live_server.url)}
    assert tasks[task_id]["status"] == "short", tasks[task_id]
    assert tasks[task_id]["location"] == location
    assert not phone.console_errors, phone.console_errors
    assert not phone.csp_violations()


def _api_pull_tasks(base_url: str) -> list[dict]:
    with httpx.Client(base_url=base_url) as http:
        token = http.post("/api/auth/login", json={"username": "sue", "password": "supervisor-demo"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        wave = http.get("/api/waves/1", headers=headers)  # the demo releases wave 1 to pia
        assert wave.status_code == 200, wave.text
        return wave.json()["tasks"]


_ROOT_PASSWORD = "root-secret-1"


@contextmanager
def _pia_signed_in(browser, live_server):
    """The picker story's warehouse (tests/browser/test_picker_shift.py), Pia signed in on a phone
    that has pulled her wave of four lines; yields (context, page, errors) and closes the context."""
    off_playwrights_loop(support.create_user, "pia", "picker", "pia-secret-1")
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        off_playwrights_loop(support.create_user, "root", "admin", _ROOT_PASSWORD)
        shift_warehouse(http, support.login(http, "root", _ROOT_PASSWORD))
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="en-GB")
    context.set_default_timeout(15_000)
    try:
        page, errors = open_page(context, live_server.url)
        page.get_by_label("Username").fill("pia")
        page.get_by_label("Password").fill("pia-secret-1")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("li.task")).to_have_count(4)
        yield context, page, errors
    finally:
        context.close()


def test_two_tabs_picking_at_once_get_unique_gap_free_seqs(browser, live_server, clean_db):
    """The same phone, the app open twice (two tabs of one profile), each tab walking a different
    line at the same time and offline: every pick gets its own seq, none is lost or sent twice."""
    with _pia_signed_in(browser, live_server) as (context, first, errors):
        second = context.new_page()
        second.on("pageerror", lambda error: errors.append(str(error)))
        second.goto(live_server.url)
        expect(second.locator("li.task")).to_have_count(4)
        context.set_offline(True)

        # Tab one walks the T-shirt line, tab two the cap line (tapped in the list); their
        # scans interleave, and each tab's list follows the other's picks.
        first.get_by_role("button", name="Start picking").click()
        second.locator("li.task", has_text="CAP-GRN").click()
        expect(first.locator(".walk")).to_contain_text("Go to A-01")
        expect(second.locator(".walk")).to_contain_text("Go to A-03")
        steps = [
            (first, "A-01", "A-01 ✓"),
            (second, "A-03", "A-03 ✓"),
            (first, TEE_EAN, "scan an empty tote for slot 1"),
            (second, "INT-CAP-GRN", "scan an empty tote for slot 2"),
            (first, "TOTE-RED", "Picked 1 × TEE-RED"),
            (second, "TOTE-BLU", "Picked 1 × CAP-GRN"),
        ]
        for page, code, feedback in steps:
            wedge_scan(page, code, feedback)
        for page in (first, second):
            pending_is(page, 2)
        seqs = first.evaluate("async () => (await (await import('/static/store.js')).openStore()).pendingOps()")
        assert [op["seq"] for op in seqs] == [1, 2], seqs

        context.set_offline(False)
        for page in (first, second):
            pending_is(page, 0)
        assert not errors, errors

        device_id = off_playwrights_loop(device_of, "pia")
        ledger = off_playwrights_loop(ledger_rows, device_id)
        assert [row[:3] for row in ledger] == [(1, "pick", "applied"), (2, "pick", "applied")], ledger
        assert off_playwrights_loop(last_seq_of, device_id) == 2


def test_a_token_that_runs_out_offline_does_not_stop_the_shift(browser, live_server, clean_db):
    """Offline when her token expires, Pia keeps picking; back online she signs in again and the
    picks she made meanwhile are sent, once."""
    with _pia_signed_in(browser, live_server) as (context, page, errors):
        pending_is(page, 0)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)

        context.set_offline(True)
        page.evaluate("""() => {
          const session = JSON.parse(localStorage.getItem("shipshape.session"));
          session.expires_at = new Date(Date.now() - 60_000).toISOString();
          localStorage.setItem("shipshape.session", JSON.stringify(session));
        }""")
        page.reload()
        expect(page.get_by_role("heading", name="Your picks")).to_be_visible()
        page.get_by_role("button", name="Start picking").click()
        for code, feedback in [
            ("A-01", "A-01 ✓"),
            (TEE_EAN, "scan an empty tote for slot 1"),
            ("TOTE-RED", "Picked 1 × TEE-RED"),
        ]:
            wedge_scan(page, code, feedback)
        pending_is(page, 1)

        # Back online: the server refuses the old token, the phone asks her to sign in, then sends.
        context.set_offline(False)
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=20_000)
        expect(page.locator("main")).to_contain_text("Your session has ended")
        page.get_by_label("Username").fill("pia")
        page.get_by_label("Password").fill("pia-secret-1")
        page.get_by_role("button", name="Sign in").click()
        pending_is(page, 0)
        assert not errors, errors

        device_id = off_playwrights_loop(device_of, "pia")
        assert [row[:3] for row in off_playwrights_loop(ledger_rows, device_id)] == [(1, "pick", "applied")]


def test_the_next_wave_starts_with_an_empty_cart(browser, live_server, clean_db):
    """Slot 1 of a new wave is a new tote: the last wave's binding does not carry over."""
    with _pia_signed_in(browser, live_server) as (context, page, errors):
        page.get_by_role("button", name="Start picking").click()
        for code, feedback in [
            ("A-01", "A-01 ✓"),
            (TEE_EAN, "scan an empty tote for slot 1"),
            ("TOTE-RED", "Picked 1 × TEE-RED"),
        ]:
            wedge_scan(page, code, feedback)
        pending_is(page, 0)

        # A second wave is released to her while she works: its first order is slot 1 again.
        with httpx.Client(base_url=live_server.url, timeout=30) as http:
            admin = support.login(http, "root", _ROOT_PASSWORD)
            order = http.post("/api/orders", json=support.order_body("WAVE2-1", [("TEE-RED", 1)]), headers=admin)
            assert order.status_code == 201, order.text
            wave = http.post("/api/waves", json={"order_ids": [order.json()["id"]], "picker": "pia"}, headers=admin)
            assert wave.status_code == 201, wave.text
        page.reload()  # a sync on start brings the new wave
        wave2 = page.locator("section.wave", has_text=f"Wave {wave.json()['id']}")
        wave2.locator("li.task").click()
        wedge_scan(page, "A-01", "A-01 ✓")
        wedge_scan(page, TEE_EAN, "scan an empty tote for slot 1")
        wedge_scan(page, "TOTE-GRN", "Picked 1 × TEE-RED into TOTE-GRN")
        pending_is(page, 0)
        assert not errors, errors
