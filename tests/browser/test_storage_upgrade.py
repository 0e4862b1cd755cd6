"""A phone that installed the first release still holds unsent picks when the next release, with more
object stores, reaches it: the upgrade keeps its outbox, and every pick reaches the server once.

The next release is the app as it is now: storage v2 added the attachments store and the packer's
and driver's pulled lists (pwa/schema.js, pwa/roles/index.js)."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests import support
from tests.browser.support import PHONE, ledger_statuses, off_playwrights_loop
from tests.warehouse import released_wave, small_warehouse

pytestmark = pytest.mark.browser

# The database exactly as release 1 (DB_VERSION 1) creates it, written by hand so that a change to
# pwa/schema.js cannot change what this test starts from.
RELEASE_1 = {"outbox": "seq", "meta": None, "tasks": "id", "packages": "id", "exceptions": "id", "outcomes": "seq"}

# What release 2 (DB_VERSION 2) added, written by hand like release 1.
RELEASE_2_ADDED = {
    "attachments": "id",
    "pack_orders": "id",
    "package_types": "id",
    "routes": "id",
    "stops": "id",
}

_CREATE_RELEASE_1 = """
async ({ stores, ops, meta, session }) => {
  localStorage.setItem("shipshape.session", JSON.stringify(session));
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open("shipshape", 1);
    open.onupgradeneeded = () => {
      for (const [name, keyPath] of Object.entries(stores)) open.result.createObjectStore(name, keyPath ? { keyPath } : undefined);
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const tx = db.transaction(["outbox", "meta"], "readwrite");
  for (const op of ops) tx.objectStore("outbox").add(op);
  for (const [key, value] of Object.entries(meta)) tx.objectStore("meta").put(value, key);
  await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
  db.close();
}
"""

# What the app's own schema steps up to version 1 create, recorded on a stand-in database.
_SCHEMA_AT_1 = """
async () => {
  const { schemaSteps, upgrade } = await import("/static/schema.js");
  const created = {};
  const db = { createObjectStore: (name, options) => { created[name] = options?.keyPath ?? null; } };
  upgrade(db, 0, 1, null, schemaSteps());
  return created;
}
"""

# Read beside the app's own connection: opening without a version never blocks it.
_READ_DB = """
async () => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open("shipshape");
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const read = (store, how) => new Promise((resolve, reject) => {
    const request = db.transaction(store).objectStore(store)[how]();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const stores = Object.fromEntries([...db.objectStoreNames].map((name) => {
    const keyPath = db.transaction(name).objectStore(name).keyPath;
    return [name, keyPath];
  }));
  const result = { version: db.version, stores, outbox: await read("outbox", "getAll") };
  db.close();
  return result;
}
"""


@pytest.fixture
def next_release():
    """A server serving the app as it is now (storage v2 or later)."""
    server = support.LiveServer()
    yield server
    server.stop()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    yield context
    context.close()


def test_unsent_picks_survive_the_storage_upgrade_and_reach_the_server_once(context, next_release):
    # The server: pia's wave, and the device her phone registered under release 1.
    http = httpx.Client(base_url=next_release.url, timeout=30)
    off_playwrights_loop(support.reset_database)
    admin = support.login(http, "root", off_playwrights_loop(support.create_user, "root", "admin"))
    small_warehouse(http, admin)
    password = off_playwrights_loop(support.create_user, "pia", "picker")
    login = http.post("/api/auth/login", json={"username": "pia", "password": password}).json()
    pia = {"Authorization": f"Bearer {login['access_token']}"}
    device_id = http.post("/api/devices", json={"name": "pia's phone"}, headers=pia).json()["device_id"]
    a, b = (order["lines"][0]["id"] for order in released_wave(http, admin, [[("SKU-A", 3)], [("SKU-B", 2)]]))

    def pick(seq, line, location, sku, qty):
        args = {"order_line_id": line, "location": location, "sku": sku, "qty": qty, "lot": "", "tote": ""}
        return {"seq": seq, "type": "pick", "version": 1, "at": "2026-11-30T09:00:00.000Z", "args": args, "device_id": device_id}

    ops = [pick(1, a, "A-01", "SKU-A", 1), pick(2, a, "A-01", "SKU-A", 2), pick(3, b, "A-02", "SKU-B", 2)]
    meta = {"device_id": device_id, "user_id": login["user"]["id"], "next_seq": 4}
    session = {"token": login["access_token"], "expires_at": login["expires_at"], "user": login["user"]}

    # The phone: release 1's database with three picks not yet sent, made before any app code runs.
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(next_release.url + "/api/health")
    assert page.evaluate(_SCHEMA_AT_1) == RELEASE_1, "release 1's schema steps were edited after release"
    page.evaluate(_CREATE_RELEASE_1, {"stores": RELEASE_1, "ops": ops, "meta": meta, "session": session})

    # The new release opens it while the server is out of reach: the outbox must still be there, as written.
    pushes = []
    page.route(
        "**/api/sync/**",
        lambda route: ("/push" in route.request.url and pushes.append(route.request.post_data_json), route.abort()),
    )
    page.goto(next_release.url + "/")
    page.locator(".sync-status.is-problem, #main [role=alert]").first.wait_for()
    assert page.locator("#main [role=alert]").all_inner_texts() == [], "the app could not open the phone's storage"
    expect(page.locator(".sync-pending")).to_have_text("3 to send")
    assert [op["seq"] for op in pushes[0]["ops"]] == [1, 2, 3]
    upgraded = page.evaluate(_READ_DB)
    assert upgraded["version"] >= 2
    assert {**RELEASE_1, **RELEASE_2_ADDED}.items() <= upgraded["stores"].items()
    assert upgraded["outbox"] == ops, "the upgrade changed or lost unsent ops"
    assert ledger_statuses(device_id) == []

    # The network is back: the app drains the outbox on its own, each pick applied exactly once.
    page.unroute("**/api/sync/**")
    page.wait_for_function("() => document.querySelector('.sync-pending')?.textContent === 'All sent'", timeout=30_000)
    assert page.evaluate(_READ_DB)["outbox"] == []
    assert ledger_statuses(device_id) == [(1, "applied"), (2, "applied"), (3, "applied")]

    # A reload syncs again and sends nothing twice.
    sent_after = []
    page.on("request", lambda request: "/api/sync/push" in request.url and sent_after.append(request.post_data_json))
    with page.expect_response(lambda response: "/api/sync/pull" in response.url and response.status == 200):
        page.reload()
    assert sent_after == []
    [device] = [d for d in http.get("/api/devices", headers=pia).json() if d["device_id"] == device_id]
    assert device["last_seq"] == 3
    assert ledger_statuses(device_id) == [(1, "applied"), (2, "applied"), (3, "applied")]
    stock = {(r["sku"], r["location"]): r["on_hand"] for r in http.get("/api/stock", headers=admin).json()}
    assert (stock[("SKU-A", "A-01")], stock[("SKU-B", "A-02")]) == (2, 1), "each pick moved stock once"
    http.close()
