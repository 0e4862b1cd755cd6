"""The pack bench for the packer's browser stories: two orders picked by Pia into totes, the
package types to choose from, Pat the packer signed in on a 360×640 phone, and what the server
holds afterwards."""

from __future__ import annotations

from contextlib import contextmanager

import httpx
from playwright.sync_api import expect

from tests import support
from tests.browser.picking import PASSWORD as PIA_PASSWORD
from tests.browser.picking import ROOT_PASSWORD, warehouse
from tests.browser.support import PHONE, off_playwrights_loop
from tests.warehouse import Device, register_device

PASSWORD = "pat-secret-1"
BINS = {"TEE-RED": "A-01", "MUG-BLU": "A-02", "CAP-GRN": "A-03"}
# code, name, length, width, height (mm), max weight (g)
PACKAGE_TYPES = [("BOX-S", "Small box", 250, 200, 100, 2000), ("BOX-M", "Medium box", 400, 300, 200, 10000)]

# The device's outbox as IndexedDB holds it: [next seq to draw, ops waiting].
OUTBOX = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("shipshape");
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const db = opening.result;
    const tx = db.transaction(["meta", "outbox"]);
    const seq = tx.objectStore("meta").get("next_seq");
    const waiting = tx.objectStore("outbox").count();
    tx.oncomplete = () => { db.close(); resolve([seq.result, waiting.result]); };
  };
})"""


def picked_bench(base_url: str, orders: list[list[tuple[str, int]]]) -> list[dict]:
    """`orders` released to Pia and picked whole by her phone, order n into TOTE-n; the package types
    (made by the admin through the API); Pat the packer. Returns the orders as they are now."""
    released = warehouse(base_url, orders)
    off_playwrights_loop(support.create_user, "pat", "packer", PASSWORD)
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for code, name, length, width, height, max_weight in PACKAGE_TYPES:
            body = {
                "code": code,
                "name": name,
                "length_mm": length,
                "width_mm": width,
                "height_mm": height,
                "max_weight_g": max_weight,
            }
            admin_request(http, "POST", "/api/package-types", body, expect=201)
        headers = support.login(http, "pia", PIA_PASSWORD)
        pia = Device(http, headers, register_device(http, headers, "Pia's phone"))
        picks = [
            pia.op(
                "pick",
                order_line_id=line["id"],
                location=BINS[line["sku"]],
                sku=line["sku"],
                qty=line["qty"],
                lot="",
                tote=f"TOTE-{n}",
            )
            for n, order in enumerate(released, start=1)
            for line in order["lines"]
        ]
        results = pia.push(*picks)["results"]
        assert {r["status"] for r in results} == {"applied"}, results
        now = [admin_request(http, "GET", f"/api/orders/{o['id']}") for o in released]
    assert {o["status"] for o in now} == {"picked"}, now
    return now


def admin_request(http: httpx.Client, method: str, path: str, body: dict | None = None, expect: int = 200):
    response = http.request(method, path, json=body, headers=support.login(http, "root", ROOT_PASSWORD))
    assert response.status_code == expect, response.text
    return response.json()


def server_packages(order_id: int) -> list[tuple]:
    """(code, sealed, package_type, weight_g, units) of the order's packages, as the server holds them."""
    from tests.sync.guarantees.harness import RawDB

    def read() -> list[tuple]:
        raw = RawDB()
        try:
            rows = raw.fetch(
                "SELECT p.code, p.sealed_at IS NOT NULL, p.package_type, p.weight_g, COALESCE(SUM(i.qty), 0) "
                "FROM package p LEFT JOIN package_item i ON i.package = p.id WHERE p.sales_order = ? "
                "GROUP BY p.id, p.code, p.sealed_at, p.package_type, p.weight_g ORDER BY p.code",
                order_id,
            )
            return [(code, bool(sealed), kind, weight, units) for code, sealed, kind, weight, units in rows]
        finally:
            raw.close()

    return off_playwrights_loop(read)


def open_tasks(kind: str, order_id: int) -> list[str]:
    """The notes of the open floor tasks of `kind` for the order."""
    from tests.sync.guarantees.harness import RawDB

    def read() -> list[str]:
        raw = RawDB()
        try:
            rows = raw.fetch("SELECT note FROM floor_task WHERE kind = ? AND status = 'open' AND sales_order = ?", kind, order_id)
            return [row[0] for row in rows]
        finally:
            raw.close()

    return off_playwrights_loop(read)


@contextmanager
def pat_signed_in(browser, base_url: str, orders: int):
    """Pat's phone, signed in, the bench of `orders` orders pulled; yields (context, page, errors)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(base_url)
        page.get_by_label("Username").fill("pat")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Pack")).to_be_visible()
        expect(page.locator("button.pack-order")).to_have_count(orders)
        yield context, page, errors
    finally:
        context.close()


def scan(page, code: str, kind: str, shows: str) -> None:
    """A hardware scanner reads `code`; the scan line turns `kind` (ok / warn / error) and shows `shows`."""
    from tests.browser.support import wedge

    display = page.get_by_test_id("scan-display")
    wedge(page, code)
    expect(display).to_contain_text(shows)
    expect(display).to_have_attribute("data-kind", kind)


def outbox(page) -> tuple[int, int]:
    seq, waiting = page.evaluate(OUTBOX)
    return seq, waiting


def pat_ledger() -> list[tuple]:
    """(seq, op type, status, code) of every op Pat's phone pushed, read off Playwright's loop."""
    from tests.browser.support import device_of, ledger_rows

    return off_playwrights_loop(lambda: ledger_rows(device_of("pat")))


def axe_serious(page) -> list[str]:
    """The serious and critical accessibility violations axe-core finds on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def wait_for_service_worker(page, seconds: float = 20) -> None:
    """Until the service worker controls the page (so a reload works offline). Polled from here:
    wait_for_function's polling evals its predicate inside the page, which the app's CSP may refuse."""
    for _ in range(int(seconds * 10)):
        if page.evaluate("navigator.serviceWorker.controller !== null"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("no service worker controls the page")
