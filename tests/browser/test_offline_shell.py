"""The app shell on a phone with the network gone: it reloads from the service worker's cache and is
usable, the decoder is on the device, and a new deployment is offered as "New version — Reload"."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from server.web import precache
from tests import support
from tests.browser.support import PHONE

pytestmark = pytest.mark.browser

WASM = "/vendor/zxing-wasm/reader/zxing_reader.wasm"

# Resolves once a service worker controls the page (the first visit: after it has installed and
# claimed the page), with the name of the shell cache it serves from.
_CONTROLLED = """
async () => {
  await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
  }
  return (await caches.keys()).filter((name) => name.startsWith("shipshape-shell-"));
}
"""

_CACHED_BYTES = """
async (url) => {
  const [name] = (await caches.keys()).filter((n) => n.startsWith("shipshape-shell-"));
  const response = await (await caches.open(name)).match(url);
  return response ? (await response.arrayBuffer()).byteLength : -1;
}
"""

# Fetched by the page, so through the service worker; compiling proves the bytes are a whole module.
_COMPILE_DECODER = """
async (url) => {
  const bytes = await (await fetch(url)).arrayBuffer();
  await WebAssembly.compile(bytes);
  return bytes.byteLength;
}
"""

# What Chromium logs when a request cannot leave the device; anything else is a real error.
_NETWORK_ERRORS = ("net::ERR_INTERNET_DISCONNECTED", "net::ERR_CONNECTION_REFUSED", "Failed to update a ServiceWorker")


class Server:
    """A real server on a fixed port serving the PWA from `pwa`: stopping it and starting another
    on the same port is a redeploy, as the browser sees it (same origin, same registration)."""

    def __init__(self, monkeypatch, pwa):
        self.monkeypatch = monkeypatch
        self.pwa = pwa
        self.port = support.free_port()
        self.live = None

    def start(self) -> str:
        with self.monkeypatch.context() as patch:
            patch.setenv(precache.PWA_DIR_ENV, str(self.pwa))
            patch.setattr(support, "free_port", lambda: self.port)
            self.live = support.LiveServer()
        return self.live.url

    def stop(self) -> None:
        if self.live:
            self.live.stop()
            self.live = None


@pytest.fixture
def pwa_copy(tmp_path):
    copy = tmp_path / "pwa"
    shutil.copytree(precache.pwa_dir(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture
def server(monkeypatch, pwa_copy):
    server = Server(monkeypatch, pwa_copy)
    yield server
    server.stop()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB")
    yield context
    context.close()


def open_page(context, errors: list[str]):
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return page


def test_with_the_network_gone_the_app_reloads_from_the_device_and_is_usable(context, server, clean_db):
    errors: list[str] = []
    url = server.start()
    page = open_page(context, errors)
    page.goto(url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    caches = page.evaluate(_CONTROLLED)
    assert caches == [f"shipshape-shell-{precache.build(server.pwa).version}"]

    # The decoder is on the device before the camera was ever opened.
    assert page.evaluate(_CACHED_BYTES, WASM) == (precache.file_for(WASM, server.pwa)).stat().st_size

    # Nothing answers any more: the server is gone and the browser is offline.
    server.stop()
    context.set_offline(True)
    from_worker, failed = [], []
    page.on("response", lambda response: from_worker.append((response.url, response.from_service_worker)))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.reload()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in = page.get_by_role("button", name="Sign in")
    expect(sign_in).to_be_enabled()
    assert from_worker and all(served for _, served in from_worker), [u for u, s in from_worker if not s]
    # The screen reacts: an empty form is refused by the page's own code, not by a network error.
    sign_in.click()
    expect(page.get_by_role("alert")).to_have_text("Enter your username and password.")
    # Signing in needs the server; the attempt fails politely and the form stays usable.
    page.get_by_label("Username").fill("pia")
    page.get_by_label("Password").fill("picker-demo")
    sign_in.click()
    expect(page.get_by_role("alert")).not_to_be_empty()
    expect(sign_in).to_be_enabled()
    # Scanning works offline: the decoder compiles from the cached bytes.
    assert page.evaluate(_COMPILE_DECODER, WASM) > 1_000_000

    # Only the sign-in call went to the network and failed; no file of the shell was missing.
    assert [u.removeprefix(url) for u in failed] == ["/api/auth/login"]
    unexpected = [e for e in errors if not any(known in e for known in _NETWORK_ERRORS)]
    assert unexpected == []


def test_a_new_deployment_is_offered_and_reload_switches_to_it(context, server, clean_db):
    errors: list[str] = []
    url = server.start()
    page = open_page(context, errors)
    page.goto(url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    [old_cache] = page.evaluate(_CONTROLLED)
    expect(page.get_by_text("New version")).to_have_count(0)

    # Redeploy with one shell file changed.
    server.stop()
    with open(server.pwa / "update.css", "a") as css:
        css.write("\n/* second deployment */\n")
    new_cache = f"shipshape-shell-{precache.build(server.pwa).version}"
    assert new_cache != old_cache
    server.start()

    page.reload()  # every navigation makes the browser check /sw.js
    banner = page.get_by_role("complementary", name="App update")
    expect(banner).to_contain_text("New version", timeout=20_000)
    reload = banner.get_by_role("button", name="Reload")
    assert reload.bounding_box()["height"] >= 48
    # Until the picker taps Reload, the old version keeps serving the page.
    assert "second deployment" not in page.evaluate("fetch('/static/update.css').then((r) => r.text())")

    with page.expect_navigation():
        reload.click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate(_CONTROLLED) == [new_cache], "the old version's cache is deleted"
    assert "second deployment" in page.evaluate("fetch('/static/update.css').then((r) => r.text())")
    expect(page.get_by_text("New version")).to_have_count(0)
    assert errors == []


_FENCE = """async () => {
  for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) client.postMessage({ type: "fence" });
}"""


def test_background_sync_wakes_the_pages_sync_client(phone):
    """Where the browser has Background Sync, the worker's "shipshape-push" event reaches the page."""
    page = phone.page
    phone.open()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.evaluate(_CONTROLLED)
    page.evaluate("""() => {
      window.__fromWorker = [];
      navigator.serviceWorker.addEventListener("message", (event) => window.__fromWorker.push(event.data));
    }""")

    # DevTools fires the event as Chromium does when connectivity returns.
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    for _ in range(50):  # the registration event arrives asynchronously
        ours = [r for r in registrations if r["scopeURL"] == phone.base_url + "/" and not r["isDeleted"]]
        if ours:
            break
        page.wait_for_timeout(100)
    [registration] = ours

    def sync(tag: str) -> None:
        cdp.send(
            "ServiceWorker.dispatchSyncEvent",
            {
                "origin": phone.base_url,
                "registrationId": registration["registrationId"],
                "tag": tag,
                "lastChance": False,
            },
        )

    # The worker records each sync event it gets, after its own listener (registered first) ran.
    [worker] = page.context.service_workers
    worker.evaluate(
        """() => { self.__syncTags = []; self.addEventListener("sync", (event) => self.__syncTags.push(event.tag)); }"""
    )
    sync("some-other-tag")
    for _ in range(100):
        if worker.evaluate("self.__syncTags") == ["some-other-tag"]:
            break
        page.wait_for_timeout(50)
    assert worker.evaluate("self.__syncTags") == ["some-other-tag"], "the worker never got the event"
    # A fence through the same path the wake-up takes (matchAll, then postMessage, which keeps its
    # order): a message the other tag caused would arrive before it.
    worker.evaluate(_FENCE)
    page.wait_for_function("() => window.__fromWorker.length > 0")
    assert page.evaluate("window.__fromWorker") == [{"type": "fence"}], "only our tag wakes the sync client"
    page.evaluate("window.__fromWorker.length = 0")
    sync("shipshape-push")
    page.wait_for_function("() => window.__fromWorker.length > 0")
    assert page.evaluate("window.__fromWorker") == [{"type": "sync-requested"}]
    assert phone.console_errors == []
