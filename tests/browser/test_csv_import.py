"""An admin imports a marketplace export from the phone (360×640): picks the file, watches the
import run to its end, and reads which lines were refused and why."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests import support
from tests.browser.support import PHONE, assert_fits_a_phone, off_playwrights_loop
from tests.warehouse import small_warehouse

pytestmark = pytest.mark.browser

HEADER = "external_ref,customer_name,line1,city,postcode,country,sku,qty"
EXPORT = "\r\n".join(
    [
        HEADER,
        "WEB-1,Ann Smith,1 Dock Road,Leeds,LS1 1AA,GB,SKU-A,2",
        "WEB-1,Ann Smith,1 Dock Road,Leeds,LS1 1AA,GB,SKU-B,1",
        "WEB-2,Bob Jones,2 Mill Lane,York,YO1 7HH,GB,SKU-A,lots",
        "WEB-3,Cy Young,3 Quay,Hull,HU1 1AA,GB,NO-SUCH-SKU,1",
        "WEB-4,Dee Lane,4 Row,Bath,BA1 1AA,GB,SKU-C,1",
    ]
)


def test_an_admin_imports_a_csv_and_sees_the_bad_lines(browser, live_server, clean_db):
    off_playwrights_loop(support.create_user, "root", "admin", "root-secret-1")
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        admin = support.login(http, "root", "root-secret-1")
        small_warehouse(http, admin)
        http.post("/api/channels", json={"code": "mkt", "name": "Marketplace", "kind": "csv"}, headers=admin).raise_for_status()

    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(live_server.url)
        page.get_by_label("Username").fill("root")
        page.get_by_label("Password").fill("root-secret-1")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Setup").click()
        page.get_by_role("button", name="Channels").click()
        channel = page.locator("li.channel[data-code='mkt']")
        channel.get_by_label("Import CSV").set_input_files(
            files=[{"name": "marketplace-export.csv", "mimeType": "text/csv", "buffer": EXPORT.encode()}]
        )
        job = channel.get_by_test_id("csv-import")
        expect(job).to_have_attribute("data-status", "done")
        expect(job).to_contain_text("Imported marketplace-export.csv")
        expect(job).to_contain_text("5 of 5 rows · 2\u00a0new orders · 0 already known · 2\u00a0bad rows")
        report = job.get_by_role("list", name="Bad rows")
        expect(report.get_by_role("listitem")).to_have_count(2)
        expect(report).to_contain_text("Line 4 WEB-2: qty must be a whole number")
        expect(report).to_contain_text("Line 5 WEB-3: no product with SKU 'NO-SUCH-SKU'")
        assert_fits_a_phone(type("P", (), {"page": page})())
        assert not errors, errors
    finally:
        context.close()
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        admin = support.login(http, "root", "root-secret-1")
        refs = sorted(o["external_ref"] for o in http.get("/api/orders", headers=admin).json())
    assert refs == ["WEB-1", "WEB-4"]
