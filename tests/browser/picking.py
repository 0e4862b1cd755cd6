"""A small warehouse for the picker's browser stories, Pia signed in on a 360×640 phone, and the
picker's hands: a hardware scanner's burst, the sync strip's count, the page's layout shifts."""

from __future__ import annotations

from contextlib import contextmanager

import httpx
from playwright.sync_api import expect

from tests import support
from tests.browser.support import PHONE, PRODUCTS, off_playwrights_loop
from tests.warehouse import Warehouse, released_wave

PASSWORD = "pia-secret-1"
ROOT_PASSWORD = "root-secret-1"


def warehouse(
    base_url: str, orders: list[list[tuple[str, int]]], stock: dict[str, int] | None = None, names: dict[str, str] | None = None
) -> list[dict]:
    """Products in bins A-01…A-03 (TEE, MUG, CAP), opening stock, and `orders` released to Pia as one wave."""
    stock = stock or {"TEE-RED": 20, "MUG-BLU": 4, "CAP-GRN": 3}
    off_playwrights_loop(support.create_user, "pia", "picker", PASSWORD)
    off_playwrights_loop(support.create_user, "root", "admin", ROOT_PASSWORD)
    with httpx.Client(base_url=base_url, timeout=30) as http:
        admin = support.login(http, "root", ROOT_PASSWORD)
        builder = Warehouse(http, admin)
        for n, (sku, name, barcode) in enumerate(PRODUCTS, start=1):
            builder.product(sku, (names or {}).get(sku, name), [barcode])
            builder.location(f"A-0{n}", n * 10)
            builder.stock(sku, f"A-0{n}", stock[sku])
        return released_wave(http, admin, orders)


def admin_get(base_url: str, path: str):
    with httpx.Client(base_url=base_url, timeout=30) as http:
        response = http.get(path, headers=support.login(http, "root", ROOT_PASSWORD))
        assert response.status_code == 200, response.text
        return response.json()


@contextmanager
def pia_signed_in(browser, base_url: str, lines: int):
    """Pia's phone, signed in, her wave of `lines` lines pulled; yields (context, page, errors)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB")
    context.grant_permissions(["camera"], origin=base_url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(base_url)
        page.get_by_label("Username").fill("pia")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("li.task")).to_have_count(lines)
        yield context, page, errors
    finally:
        context.close()


# A hardware scanner's burst, dispatched in one go into the wedge listener (pwa/scan/wedge.js); see
# tests/browser/test_picker_shift.py for why Playwright's keyboard is not used.
BURST = """(code) => {
  for (const key of [...code, "Enter"]) {
    window.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  }
}"""


def scan(page, code: str, expect_text: str) -> None:
    """A hardware scanner reads `code`; the walk then shows `expect_text`."""
    page.evaluate(BURST, code)
    expect(page.locator(".walk")).to_contain_text(expect_text)


def pending(page, n: int) -> None:
    expect(page.locator(".sync-pending")).to_have_text("All sent" if n == 0 else f"{n} to send", timeout=20_000)


# Every layout shift the page makes without a recent input, summed as Lighthouse's CLS counts them
# (one session window is enough for a screen that loads once).
RECORD_LAYOUT_SHIFTS = """
window.__layoutShift = 0;
window.__layoutShifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    window.__layoutShift += entry.value;
    window.__layoutShifts.push({ value: entry.value, nodes: entry.sources.map((s) => s.node?.className || s.node?.nodeName || "?") });
  }
}).observe({ type: "layout-shift", buffered: true });
"""


# A phone on a slow network: the API answers 600 ms late, so a list is drawn after the screen
# around it — where a shift shows (on a fast loopback both land in the same frame).
SLOW_API = """
const fetchNow = window.fetch.bind(window);
window.fetch = (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  const wait = url.includes("/api/") && !url.includes("/api/auth/") ? 600 : 0;
  return new Promise((resolve) => setTimeout(resolve, wait)).then(() => fetchNow(input, init));
};
"""


def layout_shift(page) -> tuple[float, list]:
    return page.evaluate("[window.__layoutShift, window.__layoutShifts]")


def inside_viewport(page, selector: str) -> dict:
    """The element's box and whether it is wholly on screen, between the header and the sync strip."""
    return page.evaluate(
        """(selector) => {
          const box = document.querySelector(selector).getBoundingClientRect();
          const header = document.querySelector("header.bar").getBoundingClientRect();
          const strip = document.querySelector(".sync-status").getBoundingClientRect();
          return { top: box.top, bottom: box.bottom, headerBottom: header.bottom, stripTop: strip.top,
                   visible: box.height > 0 && box.top >= header.bottom - 0.5 && box.bottom <= strip.top + 0.5 };
        }""",
        selector,
    )
