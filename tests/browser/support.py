"""What the browser stories share: the system Chromium, a phone's viewport, helpers that sign in,
scan with a wedge, read the ledger, and the small warehouse of the picker's shift."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.warehouse import Warehouse, released_wave

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 360, "height": 640}
# Tests never write into the repository: their screenshots go to a temporary folder. The README's
# pictures in docs/screenshots/ are made on purpose, by scripts/screenshots.py.
SCREENSHOTS = Path(tempfile.mkdtemp(prefix="shipshape-screenshots-"))
atexit.register(shutil.rmtree, SCREENSHOTS, True)

# Collected in the page itself: Playwright's init scripts run outside the page's CSP, and the
# event carries the exact directive that was broken.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def off_playwrights_loop(function, *args):
    """Run a function that calls asyncio.run() on a fresh thread.

    Playwright's sync API keeps its event loop marked as running on the test thread, where
    asyncio.run() refuses to start a second one.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


# Every visible control with its accessible-ish name and rendered height, for the 48 px rule.
CONTROL_HEIGHTS = """
() => [...document.querySelectorAll("button, input, select, textarea")]
  .filter((el) => el.offsetParent !== null)
  .map((el) => [el.id || el.name || el.textContent.trim(), el.getBoundingClientRect().height])
"""


def sign_in(phone, username: str, password: str) -> None:
    page = phone.page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def api_get(base_url: str, username: str, password: str, path: str):
    with httpx.Client(base_url=base_url) as http:
        login = http.post("/api/auth/login", json={"username": username, "password": password})
        assert login.status_code == 200, login.text
        response = http.get(path, headers={"Authorization": f"Bearer {login.json()['access_token']}"})
        assert response.status_code == 200, response.text
        return response.json()


def assert_fits_a_phone(phone) -> None:
    page = phone.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways at 360 px"
    small = [(name, height) for name, height in page.evaluate(CONTROL_HEIGHTS) if height < 48]
    assert not small, f"touch targets under 48 px: {small}"


TEE_EAN = "4006381333931"  # EAN-13 with a valid check digit
MUG_EAN8 = "96385074"
PRODUCTS = [("TEE-RED", "T-shirt, red", TEE_EAN), ("MUG-BLU", "Mug, blue", MUG_EAN8), ("CAP-GRN", "Cap, green", "INT-CAP-GRN")]
STOCK = [("TEE-RED", "A-01", 5), ("MUG-BLU", "A-02", 4), ("CAP-GRN", "A-03", 3)]


def shift_warehouse(http: httpx.Client, admin: dict) -> list[dict]:
    """The picker's shift: three products with real barcodes in bins A-01…A-03, and two orders released
    to pia as one wave (order 1 to cart slot 1, order 2 to slot 2: batch picking into two totes)."""
    warehouse = Warehouse(http, admin)
    for n, (sku, name, barcode) in enumerate(PRODUCTS, start=1):
        warehouse.product(sku, name, [barcode])
        warehouse.location(f"A-0{n}", n * 10)
    for sku, location, qty in STOCK:
        warehouse.stock(sku, location, qty)
    return released_wave(http, admin, [[("TEE-RED", 1), ("MUG-BLU", 2)], [("MUG-BLU", 1), ("CAP-GRN", 1)]])


def ledger_rows(device_id: str) -> list[tuple]:
    from tests.sync.guarantees.harness import RawDB

    raw = RawDB()
    return raw.fetch("SELECT seq, op_type, status, code FROM ledger WHERE device_id = ? ORDER BY id", device_id)


def ledger_statuses(device_id: str) -> list[tuple[int, str]]:
    """(seq, status) of every ledger row a device's pushes made, in seq order."""
    from tests.sync.guarantees.harness import RawDB

    def read() -> list[tuple[int, str]]:
        raw = RawDB()
        try:
            return [tuple(r) for r in raw.fetch("SELECT seq, status FROM ledger WHERE device_id = ? ORDER BY seq", device_id)]
        finally:
            raw.close()

    # On PostgreSQL RawDB runs asyncio, which Playwright's thread refuses: read on a thread of its own.
    return off_playwrights_loop(read)


def last_seq_of(device_id: str) -> int:
    from tests.sync.guarantees.harness import RawDB

    return RawDB().val("SELECT last_seq FROM device WHERE device_id = ?", device_id)


def device_of(username: str) -> str:
    from tests.sync.guarantees.harness import RawDB

    raw = RawDB()
    return raw.val(
        "SELECT d.device_id FROM device d JOIN app_user u ON u.id = d.owner WHERE u.username = ? ORDER BY d.id DESC", username
    )


# A hardware scanner's burst reaches the page as one run of keydowns a few ms apart. Playwright's
# keyboard waits for a round trip per key, which on a loaded 2-core machine can stretch a gap past
# what the wedge accepts as a scanner; so the burst is dispatched in one go, into the same
# listener (pwa/scan/wedge.js). Real typing at scanner speed is tested in test_camera_scanning.py.
BURST = """(code) => {
  for (const key of [...code, "Enter"]) {
    window.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  }
}"""


def wedge(page, code: str) -> None:
    """What a hardware scanner does: the code at scanner speed, then Enter."""
    page.evaluate(BURST, code)


def wedge_scan(page, code: str, expect_text: str) -> None:
    wedge(page, code)
    expect(page.locator(".walk")).to_contain_text(expect_text)


def pending_is(page, n: int) -> None:
    expect(page.locator(".sync-pending")).to_have_text("All sent" if n == 0 else f"{n} to send", timeout=20_000)


def open_page(context, url):
    page = context.pages[0] if context.pages else context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return page, errors
