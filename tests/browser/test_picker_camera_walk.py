"""The walk with the phone's camera open at 360×640, as a user story: Pia reads the bin label with
the camera; the prompt, the feedback line and the code field stay on screen between the header and
the sync strip; and the camera seeing the bin label again while the item is asked for is not an
error — no tone, no red line."""

from __future__ import annotations

import os

import pytest
import zxingcpp
from playwright.sync_api import expect, sync_playwright

from tests.browser.camera import CHROMIUM, Barcode, barcode_video, camera_browser
from tests.browser.picking import inside_viewport, pia_signed_in, scan, warehouse
from tests.browser.support import TEE_EAN

pytestmark = pytest.mark.browser

BIN = Barcode("bin-a01", "A-01", zxingcpp.BarcodeFormat.Code128, "]C0A-01", "Code 128")


@pytest.fixture(scope="module")
def bin_camera(tmp_path_factory):
    """A Chromium whose camera shows the label of bin A-01."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: the browser tests need the system Chromium")
    video = barcode_video(tmp_path_factory.mktemp("camera"), BIN)
    with sync_playwright() as playwright, camera_browser(playwright, video) as browser:
        yield browser


_WATCH = """() => {
  window.__ignored = [];
  document.querySelector("main section.screen").addEventListener("scan-ignored", (e) => window.__ignored.push(e.detail));
}"""


def test_with_the_camera_open_the_feedback_and_code_field_stay_on_screen_and_a_reread_bin_is_ignored(
    bin_camera, live_server, clean_db, tmp_path
):
    warehouse(live_server.url, [[("TEE-RED", 1)]])
    with pia_signed_in(bin_camera, live_server.url, lines=1) as (context, page, errors):
        page.get_by_role("button", name="Start picking").click()
        page.evaluate(_WATCH)
        display = page.get_by_test_id("scan-display")
        camera = page.get_by_role("button", name="Camera")

        camera.click()
        expect(display).to_have_text("A-01 ✓ — scan TEE-RED", timeout=20_000)
        expect(page.locator(".walk-card")).to_have_attribute("data-step", "item")
        if os.environ.get("SHIPSHAPE_KEEP_SHOTS"):
            page.screenshot(path=str(tmp_path / "camera-walk.png"))
        for part in (".walk-prompt", ".scan-display", ".scanner-manual-input", ".scanner-preview"):
            where = inside_viewport(page, part)
            assert where["visible"], (part, where)

        # The camera goes off and on again over the same label, after the duplicate window: the
        # read reaches the walk, which lets it go without a sound or a word.
        flashes = display.get_attribute("data-flash")
        camera.click()
        page.wait_for_timeout(1700)  # longer than the scanner's 1.5 s duplicate window
        camera.click()
        page.wait_for_function("() => window.__ignored.length > 0", timeout=20_000)
        assert page.evaluate("() => window.__ignored")[0] == {"text": "A-01", "step": "item"}
        expect(display).to_have_text("A-01 ✓ — scan TEE-RED")
        assert display.get_attribute("data-kind") == "ok"
        assert display.get_attribute("data-flash") == flashes, "no new feedback was given"

        # The walk goes on by hardware scanner with the camera still open, and still fits.
        scan(page, TEE_EAN, "scan an empty tote for slot 1")
        for part in (".scan-display", ".scanner-manual-input"):
            assert inside_viewport(page, part)["visible"], part
        assert not errors, errors
