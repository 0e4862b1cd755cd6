"""The supervisor on a 360×640 phone: scans a bin with a hardware scanner and sees what is in it, then
opens the KPIs, whose charts draw (uPlot on canvas, within the CSP), and downloads one as CSV — the
file holding exactly what the API answers for the same period."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests import support
from tests.browser.support import assert_fits_a_phone, off_playwrights_loop, shift_warehouse, sign_in, wedge
from tests.warehouse import device_for

pytestmark = pytest.mark.browser

SUE_PASSWORD = "sue-secret-1"


def _floor(http: httpx.Client) -> None:
    """The picker's shift warehouse (TEE-RED in A-01, MUG-BLU in A-02, CAP-GRN in A-03); pia picks
    order 1's two lines now, so today has picks to count."""
    off_playwrights_loop(support.create_user, "root", "admin", "root-secret-1")
    off_playwrights_loop(support.create_user, "sue", "supervisor", SUE_PASSWORD)
    pia = off_playwrights_loop(device_for, http, "pia", "picker")
    first, _ = shift_warehouse(http, support.login(http, "root", "root-secret-1"))
    ops = [
        pia.op("pick", order_line_id=line["id"], location=location, sku=line["sku"], qty=line["qty"])
        for line, location in zip(first["lines"], ("A-01", "A-02"), strict=True)
    ]
    results = pia.push(*ops)["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results


def test_supervisor_scans_a_bin_then_reads_the_kpis_and_downloads_one(phone, clean_db, live_server, tmp_path: Path):
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        _floor(http)
        page = phone.page
        phone.open("/#/stock")
        sign_in(phone, "sue", SUE_PASSWORD)
        expect(page.get_by_role("heading", name="Stock", exact=True)).to_be_visible()
        expect(page.locator(".low-stock .screen-sub")).to_have_text("Nothing is below its reorder point.")

        # A hardware scanner reads the bin label of A-02: its item, with what is reserved for the wave.
        wedge(page, "A-02")
        result = page.locator(".stock-result")
        expect(result.get_by_role("heading", name="Bin A-02")).to_be_visible()
        expect(result.locator(".stock-row")).to_have_count(1)
        # MUG-BLU: 4 in stock, 2 picked for order 1 → 2 on hand, 1 reserved for order 2.
        expect(result.locator(".stock-row")).to_contain_text("MUG-BLU")
        expect(result.locator(".stock-row")).to_contain_text("2 on hand · 1 reserved · 1 available")
        # Typed instead: the item by its EAN shows every bin it is in.
        page.locator(".scanner-manual-input").fill("4006381333931")
        page.locator(".scanner-manual-input").press("Enter")
        expect(result.get_by_role("heading", name="TEE-RED")).to_be_visible()
        assert_fits_a_phone(phone)

        page.get_by_role("link", name="KPIs").click()
        expect(page.get_by_role("heading", name="KPIs", exact=True)).to_be_visible()
        cards = page.locator(".kpi-card")
        expect(cards).to_have_count(7)
        expect(page.locator(".kpi-chart canvas")).to_have_count(7)
        # Today's two picks were both as planned.
        accuracy = page.locator('.kpi-card[data-kpi="pick_accuracy"]')
        expect(accuracy.locator(".kpi-value")).to_have_text("100.0\u00a0%")
        expect(page.locator('.kpi-presets button[aria-pressed="true"]')).to_have_text("7 days")
        assert_fits_a_phone(phone)
        phone.screenshot("supervisor-kpis.png")

        with page.expect_download() as download_info:
            accuracy.get_by_role("button", name="Download Pick accuracy as CSV").click()
        download = download_info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)

        today = dt.datetime.now(dt.UTC).date()
        first = today - dt.timedelta(days=6)
        assert download.suggested_filename == f"pick_accuracy_{first}_{today}.csv"
        headers = support.login(http, "sue", SUE_PASSWORD)
        api = http.get(
            "/api/kpis/pick_accuracy.csv", params={"from": str(first), "to": str(today), "bucket": "day"}, headers=headers
        )
        assert api.status_code == 200, api.text
        assert saved.read_bytes() == api.content
        assert api.text.splitlines()[-1] == f"{today},1.0,2,0,0,0,2"

        # The token never went into a URL: the download came from an object URL made on the phone.
        assert download.url.startswith("blob:")
        assert phone.console_errors == []
        assert phone.csp_violations() == []

        # Offline, the screen says the KPIs need a connection.
        page.context.set_offline(True)
        page.get_by_role("button", name="30 days").click()
        expect(page.get_by_text("KPIs need a connection").first).to_be_visible()
        page.context.set_offline(False)
