"""Offline reload to interactive, in headless Chromium against a real server.

    .venv/bin/python bench/offline_reload.py [--runs 20] [--as picker]

What one run does: start `python -m server.cli serve` on a fresh SQLite file in a temporary
directory; open `/` in a 360×640 phone context of the system Chromium (/usr/bin/chromium) and wait
until the service worker has installed the shell and controls the page. Then reload `--runs` times
in each of three settings and time each reload from navigation start (performance.timeOrigin) to
*interactive*:

- offline: the context is offline (`context.set_offline(True)`) and the server is stopped, so
  everything comes from the service worker's cache;
- online, with the service worker: the usual reload of an installed app (the worker answers the
  shell from its cache, the network is there);
- online, no service worker (`service_workers="block"`): every file from the server over loopback,
  with the browser's HTTP cache as a normal page has it — the baseline a plain web page would get.

Interactive = the login screen's "Sign in" heading is in the page and its "Sign in" button is
enabled (the first screen of a signed-out device), seen by a MutationObserver installed before any
page script runs. With `--as picker` the server holds the demo warehouse, the picker `pia` signs in
once (online) and interactive is her task list drawn from IndexedDB with the sync strip on screen:
the screen a picker reloads to in the middle of a shift. Median and p90 are printed per setting, then offline / online ratios. Loopback only;
the server is stopped in `finally`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support import LiveServer, free_port  # noqa: E402  (the one live-server helper, shared with the tests)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PHONE = {"width": 360, "height": 640}

_SIGNED_OUT = """() =>
    [...document.querySelectorAll("h1")].some((el) => el.textContent.trim() === "Sign in") &&
    [...document.querySelectorAll("button")].some((el) => el.textContent.trim() === "Sign in" && !el.disabled)"""
_PICKER = """() => document.querySelector("li.task") !== null && document.querySelector(".sync-status") !== null"""

_WATCH_INTERACTIVE = """
(() => {
  const ready = READY;
  const observer = new MutationObserver(() => {
    if (window.__interactive === undefined && ready()) {
      window.__interactive = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();
"""

_READ = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return {
    interactive: window.__interactive,
    response_end: nav.responseEnd,
    dom_content_loaded: nav.domContentLoadedEventEnd,
    from_worker: nav.workerStart > 0,
  };
}
"""

_CONTROLLED = """
async () => {
  await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
  }
}
"""


def sign_in(page, role: str) -> None:
    """As the demo picker, once and online: the device registers and pulls her wave."""
    if role != "picker":
        return
    page.get_by_label("Username").fill("pia")
    page.get_by_label("Password").fill("picker-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("li.task")
    page.wait_for_function("() => document.querySelector('.sync-pending')?.textContent === 'All sent'")


def reloads(page, runs: int) -> list[dict]:
    page.reload()  # warm-up, not counted
    page.wait_for_function("() => window.__interactive !== undefined")
    samples = []
    for _ in range(runs):
        page.reload()
        page.wait_for_function("() => window.__interactive !== undefined")
        samples.append(page.evaluate(_READ))
    return samples


def summary(name: str, samples: list[dict]) -> float:
    times = sorted(s["interactive"] for s in samples)
    p90 = times[min(len(times) - 1, round(0.9 * len(times)) - 1)]
    median = statistics.median(times)
    html = statistics.median(s["response_end"] for s in samples)
    dcl = statistics.median(s["dom_content_loaded"] for s in samples)
    worker = sum(s["from_worker"] for s in samples)
    print(
        f"{name:<32} median {median:6.1f} ms   p90 {p90:6.1f} ms   (HTML in {html:5.1f} ms, DOMContentLoaded {dcl:6.1f} ms, "
        f"via worker {worker}/{len(samples)})"
    )
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--as", dest="role", choices=["signed-out", "picker"], default="signed-out")
    args = parser.parse_args()
    watch = _WATCH_INTERACTIVE.replace("READY", _PICKER if args.role == "picker" else _SIGNED_OUT)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="shipshape-bench-") as tmp, sync_playwright() as playwright:
        folder = Path(tmp)
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        if args.role == "picker":
            subprocess.run(
                [sys.executable, "-m", "server.cli", "demo", "--no-serve", "--db", str(folder / "bench.db")],
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        else:
            subprocess.run(
                [sys.executable, "-m", "server.cli", "migrate"],
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
                env={**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}"},
            )
        server = LiveServer(
            env={**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}"},
            port=port,
            log_path=folder / "server.log",
            startup_timeout=60,
        )
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            plain = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, service_workers="block")
            page = plain.new_page()
            page.add_init_script(watch)
            page.goto(url)
            sign_in(page, args.role)
            no_worker = reloads(page, args.runs)
            plain.close()

            context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
            page = context.new_page()
            page.add_init_script(watch)
            page.goto(url)
            sign_in(page, args.role)
            page.evaluate(_CONTROLLED)
            online = reloads(page, args.runs)

            server.stop()
            context.set_offline(True)
            offline = reloads(page, args.runs)
            context.close()
        finally:
            browser.close()
            server.stop()

    what = "the picker's task list from IndexedDB" if args.role == "picker" else '"Sign in" usable'
    print(f"reload → interactive ({what}), {args.runs} reloads each, headless Chromium, 360×640")
    off = summary("offline (service worker)", offline)
    on = summary("online (service worker)", online)
    base = summary("online, no service worker", no_worker)
    print(f"ratio offline / online with worker: {off / on:.2f}")
    print(f"ratio offline / online without worker: {off / base:.2f}")
    if not all(s["from_worker"] for s in offline):
        print("ERROR: an offline reload was not answered by the service worker", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
