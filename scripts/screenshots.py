"""Make the README's screenshots (docs/screenshots/*.png), on purpose: the test suite never writes them.

A fresh demo warehouse (`shipshape demo`, in a temporary folder) is served on loopback and driven in
the system Chromium on a 360×640 phone: the login page, Pia's picks, a pick walked offline, the
outcome the server decided when another picker took the same line first, a short pick, the
supervisor's live floor and order list, the admin's setup of a product, the pack bench and an order
being packed, the supervisor's routes (three sealed parcels for Leeds and Manchester planned on the
phone), stock at a glance (a bin scanned) and the KPIs of the last 7 days, the scan test reading a GS1-128
through Chromium's fake camera, and Dan's round: the van loaded, a proof of delivery taken
(signature, photo from the fake camera, GPS) and the route with its first stop delivered.

    .venv/bin/python scripts/screenshots.py                  # writes docs/screenshots/
    .venv/bin/python scripts/screenshots.py --out /tmp/shots # anywhere else

Needs the `test` extra (Playwright, zxing-cpp, Pillow) and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import zxingcpp  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.browser.camera import CHROMIUM, Barcode, barcode_video, camera_flags  # noqa: E402
from tests.browser.delivery import doorstep_video  # noqa: E402
from tests.browser.support import off_playwrights_loop  # noqa: E402
from tests.support import LiveServer, login  # noqa: E402
from tests.warehouse import Device, Warehouse, device_for, register_device, sealed_orders  # noqa: E402

PHONE = {
    "viewport": {"width": 360, "height": 640},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-GB",
}
GS1_128 = Barcode("gs1_128", "(01)09506000134352(10)ABC123(17)271231", zxingcpp.BarcodeFormat.Code128, "", "GS1-128", gs1=True)

# A hardware scanner's burst: the code's keys and Enter, in one go (as tests/browser/test_picker_shift.py).
_WEDGE = """(code) => {
  for (const key of [...code, "Enter"]) window.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
}"""


def _sign_in(page, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _scan(page, code: str, shows: str) -> None:
    page.evaluate(_WEDGE, code)
    expect(page.locator(".walk")).to_contain_text(shows)


def _pick_line(page, task: dict, picture: Path | None = None) -> None:
    """Bin, item (and the count), tote: one tote per order, named after it."""
    _scan(page, task["location"], f"{task['location']} ✓")
    page.evaluate(_WEDGE, task["sku"])
    if task["qty"] > 1:
        expect(page.locator(".walk")).to_contain_text(f"1 of {task['qty']}")
    else:
        expect(page.locator(".walk")).to_contain_text("tote", ignore_case=True)
    if picture:
        page.screenshot(path=str(picture))
    if task["qty"] > 1:
        for _ in range(task["qty"] - 1):
            page.get_by_role("button", name="One more").click()
        page.get_by_role("button", name="Confirm count").click()
    tote = f"TOTE-{task['order_id']}"
    _scan(page, tote, f"{task['sku']} into {tote}")


def _picker(browser, url: str, out: Path, pete) -> None:
    """Login, Pia's picks, a line picked offline, Pete taking the next line first, the outcome."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.screenshot(path=str(out / "login.png"))

    _sign_in(page, "pia", "picker-demo")
    expect(page.get_by_role("heading", name="Your picks")).to_be_visible()
    expect(page.locator("li.task").first).to_be_visible()
    # Polled in the page, not by wait_for_function: its polling eval()s, which the app's CSP refuses.
    page.evaluate("async () => { while (!navigator.serviceWorker.controller) await new Promise((r) => setTimeout(r, 50)); }")
    page.screenshot(path=str(out / "picker-tasks.png"))
    with httpx.Client(base_url=url, timeout=30) as http:
        tasks = http.get("/api/tasks/mine", headers=login(http, "pia", "picker-demo")).json()
    first, second = tasks[0], tasks[1]

    # Offline: the first line, scan by scan.
    context.set_offline(True)
    expect(page.locator(".sync-net")).to_contain_text("Offline")
    page.get_by_role("button", name="Start picking").click()
    _pick_line(page, first, picture=out / "picker-walk.png")

    # Meanwhile Pete, online on his own phone, picks Pia's second line.
    pete.push(
        pete.op(
            "pick",
            order_line_id=second["order_line_id"],
            location=second["location"],
            sku=second["sku"],
            qty=second["qty"],
            tote="TOTE-P",
        )
    )

    # Pia picks it too, still offline; back online, the server tells her to put it back.
    _pick_line(page, second)
    context.set_offline(False)
    expect(page.locator(".sync-pending")).to_have_text("All sent", timeout=30_000)
    expect(page.locator(".outcome-list")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(out / "picker-outcome.png"))
    context.close()


def _short_pick(browser, url: str, out: Path) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url + "/")
    _sign_in(page, "pia", "picker-demo")
    expect(page.get_by_role("heading", name="Your picks")).to_be_visible()
    page.get_by_role("button", name="Start picking").click()
    page.locator(".short summary").click()
    page.get_by_role("button", name="Bin empty").click()
    expect(page.get_by_test_id("scan-display")).to_contain_text("bin empty")
    expect(page.locator(".sync-pending")).to_have_text("All sent", timeout=30_000)
    page.screenshot(path=str(out / "picker-short.png"))
    context.close()


def _supervisor(browser, url: str, out: Path) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url + "/")
    _sign_in(page, "sue", "supervisor-demo")
    # Home: the live floor, as the first snapshot of its event stream draws it.
    expect(page.get_by_role("heading", name="Floor", exact=True)).to_be_visible()
    expect(page.locator(".live-status")).to_contain_text("Live", timeout=15_000)
    page.screenshot(path=str(out / "supervisor-floor.png"))
    page.get_by_role("link", name="Orders").click()
    expect(page.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
    expect(page.locator("li.order").first).to_be_visible()
    page.screenshot(path=str(out / "supervisor-orders.png"))
    context.close()


def _setup(browser, url: str, out: Path) -> None:
    """Ada, the admin, on a product's setup page: its barcodes and the scanner that attaches the next."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url + "/#/setup")
    _sign_in(page, "ada", "admin-demo")
    expect(page.get_by_role("heading", name="Setup", exact=True)).to_be_visible()
    page.locator("button.setup-row").first.click()
    expect(page.locator(".setup-head h2")).to_be_visible()
    page.screenshot(path=str(out / "admin-setup-product.png"))
    context.close()


def _pick_the_rest(url: str) -> None:
    """Pia's phone picks every line still open, one tote per order, so the orders reach the pack bench."""
    with httpx.Client(base_url=url, timeout=30) as http:
        headers = login(http, "pia", "picker-demo")
        pia = Device(http, headers, register_device(http, headers, "Pia's second phone"))
        tasks = [t for t in http.get("/api/tasks/mine", headers=headers).json() if t["status"] == "open"]
        picks = [
            pia.op(
                "pick",
                order_line_id=t["order_line_id"],
                location=t["location"],
                sku=t["sku"],
                qty=t["qty"] - t["qty_picked"],
                lot=t["lot"],
                tote=f"TOTE-{t['order_id']}",
            )
            for t in tasks
        ]
        if picks:
            pia.push(*picks)
        admin = login(http, "ada", "admin-demo")
        if not http.get("/api/package-types", headers=admin).json():
            for code, name, size, grams in (
                ("BOX-S", "Small box", (250, 200, 100), 2000),
                ("BOX-M", "Medium box", (400, 300, 200), 10000),
            ):
                body = {
                    "code": code,
                    "name": name,
                    "length_mm": size[0],
                    "width_mm": size[1],
                    "height_mm": size[2],
                    "max_weight_g": grams,
                }
                http.post("/api/package-types", json=body, headers=admin).raise_for_status()


# Parcels for the own fleet: two streets in Leeds, one in Manchester, so two areas and two routes.
PARCELS = {
    ref: (customer, {"line1": line1, "city": city, "postcode": postcode, "country": "GB", "lat": lat, "lon": lon})
    for ref, customer, line1, city, postcode, lat, lon in (
        ("WEB-9001", "Ada Lovelace", "1 Dock Road", "Leeds", "LS1 1AA", 53.7930, -1.5410),
        ("WEB-9002", "Bo Brooks", "5 Park Row", "Leeds", "LS1 5HD", 53.7990, -1.5480),
        ("WEB-9003", "Cy Chen", "2 Deansgate", "Manchester", "M3 2BW", 53.4830, -2.2480),
    )
}


def _sealed_parcels(http: httpx.Client, pete: Device) -> None:
    """Pete picks the parcels' orders and Paco packs and seals them: they wait at the demo's Leeds depot
    for a route."""
    paco_headers = login(http, "paco", "packer-demo")
    paco = Device(http, paco_headers, register_device(http, paco_headers, "Paco's bench"))
    sealed_orders(Warehouse(http, login(http, "ada", "admin-demo")), ("pete", pete), paco, PARCELS, sku="PARCEL-1")


def _routes(browser, url: str, out: Path) -> None:
    """Sue plans the day's routes on her phone, then opens one."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url + "/")
    _sign_in(page, "sue", "supervisor-demo")
    page.get_by_role("link", name="Routes").click()
    page.get_by_role("button", name="Plan routes").click()
    expect(page.locator(".plan-message")).to_be_visible()
    expect(page.locator(".route-card").first).to_be_visible()
    page.screenshot(path=str(out / "supervisor-routes.png"))
    page.locator(".route-card").first.click()
    expect(page.locator("li.stop").first).to_be_visible()
    page.screenshot(path=str(out / "supervisor-route-detail.png"))
    context.close()


def _queue_and_waves(browser, url: str, out: Path) -> None:
    """Sue's exception queue (the short pick Pia reported above) and the wave builder's candidates."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url + "/")
    _sign_in(page, "sue", "supervisor-demo")
    page.get_by_role("link", name="Exceptions").click()
    expect(page.locator("li.exception").first).to_be_visible()
    page.screenshot(path=str(out / "supervisor-exceptions.png"))
    page.get_by_role("link", name="Waves").click()
    expect(page.locator("label.candidate").first).to_be_visible()
    page.screenshot(path=str(out / "supervisor-waves.png"))
    context.close()


def _stock_and_kpis(browser, url: str, out: Path) -> None:
    """Sue scans a bin of the demo warehouse, then reads the KPIs of the last 7 days."""
    with httpx.Client(base_url=url, timeout=30) as http:
        rows = http.get("/api/stock", headers=login(http, "sue", "supervisor-demo")).json()
    bin_code = next(r["location"] for r in rows if r["on_hand"] > 0 and r["reserved"] > 0)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url + "/#/stock")
    _sign_in(page, "sue", "supervisor-demo")
    expect(page.get_by_role("heading", name="Stock", exact=True)).to_be_visible()
    page.evaluate(_WEDGE, bin_code)
    expect(page.locator(".stock-result h2")).to_contain_text(bin_code)
    page.locator(".stock-result").evaluate("(el) => { el.scrollIntoView({block: 'start'}); window.scrollBy(0, -80); }")
    page.screenshot(path=str(out / "supervisor-stock.png"))
    page.get_by_role("link", name="KPIs").click()
    expect(page.locator(".kpi-chart canvas")).to_have_count(6)
    page.locator('.kpi-card[data-kpi="pick_accuracy"]').evaluate(
        "(card) => { card.scrollIntoView({block: 'start'}); window.scrollBy(0, -80); }"
    )
    page.screenshot(path=str(out / "supervisor-kpis.png"))
    context.close()


def _packer(browser, url: str, out: Path) -> None:
    """The pack bench (orders oldest promise first) and an order half packed into its first package."""
    _pick_the_rest(url)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url + "/")
    _sign_in(page, "paco", "packer-demo")
    expect(page.get_by_role("heading", name="Pack")).to_be_visible()
    expect(page.locator("button.pack-order").first).to_be_visible()
    page.screenshot(path=str(out / "packer-bench.png"))
    page.locator("button.pack-order").first.click()
    line = page.locator("li.pack-line").first
    page.evaluate(_WEDGE, line.locator(".sku").inner_text())
    expect(page.get_by_test_id("scan-display")).to_contain_text("into PK-")
    expect(page.locator(".sync-pending")).to_have_text("All sent", timeout=30_000)
    page.screenshot(path=str(out / "packer-packing.png"))
    context.close()


def _scan_test(playwright, url: str, folder: Path, out: Path) -> None:
    video = barcode_video(folder, GS1_128)
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=camera_flags(video))
    try:
        context = browser.new_context(**PHONE)
        context.grant_permissions(["camera"], origin=url)
        page = context.new_page()
        page.goto(url + "/static/scan/bench.html?open=1")
        expect(page.get_by_test_id("scan-count")).to_have_text("1", timeout=20_000)
        page.screenshot(path=str(out / "scan-gs1-128.png"))
    finally:
        browser.close()


def _driver(playwright, url: str, folder: Path, out: Path) -> None:
    """Dan's demo route: every parcel loaded by scan, the proof of delivery at stop 1, the route after it."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=camera_flags(doorstep_video(folder)))
    try:
        context = browser.new_context(**PHONE)
        context.grant_permissions(["camera", "geolocation"], origin=url)
        context.set_geolocation({"latitude": 53.7997, "longitude": -1.5461, "accuracy": 9})
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(url + "/")
        _sign_in(page, "dan", "driver-demo")
        expect(page.get_by_role("heading", name="Your route")).to_be_visible()
        first = page.locator("li.stop").first
        expect(first).to_be_visible()
        codes = page.locator("li.stop-package[data-code]").evaluate_all("(items) => items.map((item) => item.dataset.code)")
        page.get_by_role("button", name="Load the van").click()
        for code in codes:
            page.evaluate(_WEDGE, code)
            expect(page.locator(".route-mode")).to_contain_text(f"Loaded {code}")
        page.get_by_role("button", name="Done loading").click()

        first.get_by_role("button", name="At the stop").click()
        for code in page.locator(".route-mode li.stop-package[data-code]").evaluate_all(
            "(items) => items.map((item) => item.dataset.code)"
        ):
            page.evaluate(_WEDGE, code)
            expect(page.locator(".route-mode")).to_contain_text(f"{code} ✓")
        page.get_by_role("button", name="Proof of delivery").click()
        customer = page.locator(".pod-for").inner_text().split(" · ")[0]
        page.get_by_label("Recipient's name").fill(customer)
        expect(page.locator(".route-mode")).to_have_attribute("data-signature", "ready")
        box = page.locator("canvas.signature-canvas").bounding_box()
        page.mouse.move(box["x"] + 30, box["y"] + 120)
        page.mouse.down()
        for i in range(1, 24):
            page.mouse.move(box["x"] + 30 + i * 11, box["y"] + 120 - (i % 5) * 18, steps=3)
        page.mouse.up()
        page.get_by_role("button", name="Open camera").click()
        page.get_by_role("button", name="Take photo").click()
        expect(page.locator(".photo-status")).to_contain_text("Photo taken")
        expect(page.locator(".gps")).to_contain_text("Position ✓")
        page.evaluate("window.scrollTo(0, 0)")  # the form from its top: stop, name, signature
        page.screenshot(path=str(out / "driver-proof.png"))
        page.get_by_role("button", name="Save delivery").click()
        expect(page.locator(".route-notice")).to_contain_text("delivered to")
        expect(page.locator(".sync-pending")).to_have_text("All sent", timeout=30_000)
        expect(page.locator(".uploads")).to_contain_text("all sent", timeout=30_000)
        page.screenshot(path=str(out / "driver-route.png"))
        context.close()
    finally:
        browser.close()


def _floor_work(browser, url: str, out: Path) -> None:
    """Goods in with the demo's purchase order scanned, the packer's returns, the supervisor's buying."""
    for user, password, hash_, heading, code, shows, picture in (
        ("pia", "picker-demo", "#/receive", "Goods in", "PO-00002", "HOODIE-L-BLK", "picker-goods-in.png"),
        ("paco", "packer-demo", "#/returns", "Returns", None, "RMA-", "packer-returns.png"),
        ("sue", "supervisor-demo", "#/buying", "Buying", None, "Create PO", "supervisor-buying.png"),
    ):
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(url + "/" + hash_)
        _sign_in(page, user, password)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        if code:
            page.evaluate(_WEDGE, code)
        expect(page.locator("main")).to_contain_text(shows)
        page.screenshot(path=str(out / picture))
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder for the PNGs")
    out = parser.parse_args().out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="shipshape-screenshots-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'demo.db'}", "SHIPSHAPE_LOGIN_RATE_LIMIT": "1000"}
        demo = subprocess.run(
            [sys.executable, "-m", "server.cli", "demo", "--db", str(folder / "demo.db"), "--no-serve"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if demo.returncode != 0:
            sys.exit(f"shipshape demo failed:\n{demo.stderr}")
        os.environ["DATABASE_URL"] = env["DATABASE_URL"]  # device_for creates Pete straight in the demo database
        server = LiveServer(env=env)
        try:
            http = httpx.Client(base_url=server.url, timeout=30)
            pete = device_for(http, "pete", "picker")  # before Playwright: it creates the user with asyncio.run()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=camera_flags(None))
                try:
                    _supervisor(browser, server.url, out)
                    _setup(browser, server.url, out)
                    _picker(browser, server.url, out, pete)
                    _short_pick(browser, server.url, out)
                    _queue_and_waves(browser, server.url, out)
                    _packer(browser, server.url, out)
                    # After the other pictures, which show the demo as it was; on a thread of its own
                    # because the package type is made with asyncio.run(), which Playwright's thread refuses.
                    off_playwrights_loop(_sealed_parcels, http, pete)
                    _routes(browser, server.url, out)
                    _stock_and_kpis(browser, server.url, out)
                    _floor_work(browser, server.url, out)
                finally:
                    browser.close()
                _scan_test(playwright, server.url, folder, out)
                _driver(playwright, server.url, folder, out)
            http.close()
        finally:
            server.stop()
    print(f"screenshots written to {out}")


if __name__ == "__main__":
    main()
