"""The device's outbox and sync client in a real Chromium against the real server: scans queued
offline survive reloads and browser restarts, drain exactly once, tabs never share a seq, a big
backlog drains with the progress bar moving, and a changed outcome tells the picker what to do."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from playwright.sync_api import expect

from tests import support
from tests.browser.support import CHROMIUM, ledger_statuses, off_playwrights_loop
from tests.warehouse import released_wave, small_warehouse

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

# Opens the device's store in the page, registers the device once (kept in IndexedDB), and keeps
# the client and every status it reported on window.t.
_HARNESS = """
async ({ token, user, start }) => {
  const { openStore } = await import("/static/store.js");
  const sync = await import("/static/sync.js");
  const picker = await import("/static/roles/picker.js");
  const store = await openStore();
  const request = async (method, path, body) => {
    const r = await fetch(path, { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
                                  body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status}`);
    return r.json();
  };
  const deviceId = await sync.ensureDevice(store, request, user, "test phone");
  const client = sync.createSyncClient({ store, getToken: () => token, intervalMs: 60000, backlogIntervalMs: 500 });
  window.t = { store, client, sync, statuses: [], tasks: () => client.view(picker.view) };
  client.subscribe((s) => window.t.statuses.push(s));
  if (start) await client.start();
  return deviceId;
}
"""


# -- the server side of each story -------------------------------------------------------------


class Floor:
    """A warehouse with a released wave for picker pia, reached over HTTP like any device would."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=30)
        off_playwrights_loop(support.reset_database)
        root_password = off_playwrights_loop(support.create_user, "root", "admin")
        self.admin = support.login(self.http, "root", root_password)
        r = self.http.post(
            "/api/users", json={"username": "pia", "role": "picker", "password": "pia-password"}, headers=self.admin
        )
        assert r.status_code == 201, r.text
        # The queue tests fill the outbox with counts: pia also counts bins (an admin's grant).
        r = self.http.post("/api/users/pia/grants", json={"ops": ["count"]}, headers=self.admin)
        assert r.status_code == 200, r.text
        login = self.http.post("/api/auth/login", json={"username": "pia", "password": "pia-password"}).json()
        self.token, self.user = login["access_token"], login["user"]
        self.pia = {"Authorization": f"Bearer {self.token}"}
        small_warehouse(self.http, self.admin)
        self.orders = released_wave(self.http, self.admin, [[("SKU-A", 3)], [("SKU-B", 2)]])

    def device(self, device_id: str) -> dict:
        devices = self.http.get("/api/devices", headers=self.pia).json()
        return next(d for d in devices if d["device_id"] == device_id)

    def stock(self, sku: str, location: str) -> int:
        rows = self.http.get("/api/stock", params={"sku": sku}, headers=self.admin).json()
        return sum(r["on_hand"] for r in rows if r["location"] == location)

    def order(self, order_id: int) -> dict:
        return self.http.get(f"/api/orders/{order_id}", headers=self.admin).json()

    def ledger(self, device_id: str) -> list[tuple[int, str]]:
        return ledger_statuses(device_id)

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def floor(live_server):
    floor = Floor(live_server.url)
    yield floor
    floor.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="en-GB")
    yield context
    context.close()


def open_device(page, floor: Floor, start: bool = True) -> str:
    page.set_default_timeout(20_000)
    page.goto(floor.base_url + "/")
    return page.evaluate(_HARNESS, {"token": floor.token, "user": floor.user, "start": start})


def pending(page) -> int:
    return page.evaluate("() => window.t.store.pendingCount()")


def wait_for_drain(page, timeout_s: float = 30) -> None:
    page.wait_for_function(
        "() => window.t.client.status.pending === 0 && !window.t.client.status.draining", timeout=timeout_s * 1000
    )


def assert_once_each(floor: Floor, device_id: str, count: int) -> list[tuple[int, str]]:
    rows = floor.ledger(device_id)
    assert [seq for seq, _ in rows] == list(range(1, count + 1)), "one ledger row per seq, no gaps, no doubles"
    assert floor.device(device_id)["last_seq"] == count
    return rows


def mount_status(page) -> None:
    page.evaluate("""async () => {
      const link = Object.assign(document.createElement("link"), { rel: "stylesheet", href: "/static/status.css" });
      document.head.append(link);
      const { statusBar } = await import("/static/status.js");
      const { outcomeList } = await import("/static/outcomes.js");
      const picker = await import("/static/roles/picker.js");
      document.body.append(outcomeList(window.t.client, picker.outcomes), statusBar(window.t.client));
    }""")


# -- stories ---------------------------------------------------------------------------------------


def test_picks_queued_offline_survive_a_reload_and_drain_exactly_once_when_back_online(context, floor):
    page = context.new_page()
    device_id = open_device(page, floor)
    page.wait_for_function("() => window.t.client.status.lastSyncAt !== null")
    tasks = page.evaluate("() => window.t.tasks()")
    assert sorted((t["sku"], t["location"], t["qty"]) for t in tasks) == [("SKU-A", "A-01", 3), ("SKU-B", "A-02", 2)]
    mount_status(page)
    expect(page.locator(".sync-net")).to_have_text("●Online")

    context.set_offline(True)
    expect(page.locator(".sync-net")).to_contain_text("Offline")
    for task in tasks:
        page.evaluate(
            "(t) => window.t.client.enqueue('pick', {order_line_id: t.order_line_id, location: t.location, sku: t.sku, qty: t.qty})",
            task,
        )
    expect(page.locator(".sync-pending")).to_have_text("2 to send")
    # The view already shows the picks as done, before the server has seen them.
    view = page.evaluate("() => window.t.tasks()")
    assert {(t["sku"], t["status"], t["qty_picked"], t["pending"]) for t in view} == {
        ("SKU-A", "picked", 3, True),
        ("SKU-B", "picked", 2, True),
    }

    # Reload with the server unreachable (the shell itself is the service worker's job): the outbox is still there.
    page.route("**/api/**", lambda route: route.abort())
    context.set_offline(False)
    page.reload()
    assert page.evaluate(_HARNESS, {"token": floor.token, "user": floor.user, "start": True}) == device_id
    assert pending(page) == 2
    assert page.evaluate("() => window.t.store.pendingOps()") and [
        op["seq"] for op in page.evaluate("() => window.t.store.pendingOps()")
    ] == [1, 2]
    page.wait_for_function("() => window.t.client.status.error !== null")  # tried, could not reach the server
    assert pending(page) == 2
    assert floor.device(device_id)["last_seq"] == 0

    # The network comes back: the `online` event drains the outbox.
    context.set_offline(True)
    page.unroute("**/api/**")
    context.set_offline(False)
    wait_for_drain(page)
    rows = assert_once_each(floor, device_id, 2)
    assert [status for _, status in rows] == ["applied", "applied"]
    for order in floor.orders:
        assert floor.order(order["id"])["status"] == "picked"
    assert floor.stock("SKU-A", "A-01") == 2 and floor.stock("SKU-B", "A-02") == 1
    page.wait_for_function("() => window.t.client.status.error === null")
    assert page.evaluate("() => window.t.tasks()") == [], "the pull after the push took the finished tasks away"
    assert page.evaluate("() => window.t.store.meta('acked_through')") == 2
    # A later sync sends nothing again.
    page.evaluate("() => window.t.client.syncNow()")
    assert floor.device(device_id)["last_seq"] == 2 and len(floor.ledger(device_id)) == 2


def test_a_pick_acknowledged_but_not_yet_pulled_still_shows_as_picked(context, floor):
    """The network drops between the push and its pull: the line must not look open again."""
    page = context.new_page()
    device_id = open_device(page, floor)
    page.wait_for_function("() => window.t.client.status.lastSyncAt !== null")
    task = next(t for t in page.evaluate("() => window.t.tasks()") if t["sku"] == "SKU-A")
    page.route("**/api/sync/pull*", lambda route: route.abort())
    page.evaluate(
        "(t) => window.t.client.enqueue('pick', {order_line_id: t.order_line_id, location: t.location, sku: t.sku, qty: t.qty})",
        task,
    )
    page.wait_for_function("() => window.t.client.status.pending === 0 && window.t.client.status.error !== null")
    assert floor.device(device_id)["last_seq"] == 1  # the server has it
    view = {t["id"]: t for t in page.evaluate("() => window.t.tasks()")}
    assert (view[task["id"]]["status"], view[task["id"]]["qty_picked"]) == ("picked", task["qty"]), view[task["id"]]

    # The next pull reflects the pick on the server's side; the device's own guess is dropped.
    page.unroute("**/api/sync/pull*")
    page.evaluate("() => window.t.client.syncNow()")
    assert [t["id"] for t in page.evaluate("() => window.t.tasks()")] == [t for t in view if t != task["id"]]
    assert page.evaluate("() => window.t.store.settlingOps()") == []


_BOTH_TABS_WAIT_FOR_THE_PUSH_LOCK = """async () => {
  const { pending } = await navigator.locks.query();
  return new Set(pending.filter((lock) => lock.name === "shipshape-push").map((lock) => lock.clientId)).size >= 2;
}"""


def test_two_tabs_queueing_at_once_get_unique_gap_free_seqs_and_each_op_is_applied_once(context, floor):
    first, second = context.new_page(), context.new_page()
    device_id = open_device(first, floor)
    assert open_device(second, floor) == device_id, "one device per browser profile"
    # Each tab notes when its pushes were in flight (the real fetch still does the work).
    for page in (first, second):
        page.evaluate("""() => {
          const fetch = window.fetch;
          window.t.pushes = [];
          window.fetch = async (url, init) => {
            const start = Date.now();
            try { return await fetch(url, init); }
            finally { if (String(url).endsWith("/api/sync/push")) window.t.pushes.push([start, Date.now()]); }
          };
        }""")
    # The first tab holds the push lock, as if a long push were under way.
    first.evaluate("""() => {
      window.t.holding = new Promise((held) => {
        navigator.locks.request("shipshape-push", () => new Promise((release) => { window.t.release = release; held(); }));
      });
      return window.t.holding;
    }""")
    go = """(at) => {
      window.t.done = (async () => {
        await new Promise((r) => setTimeout(r, at - Date.now()));
        const seqs = [];
        for (let i = 0; i < 50; i++) seqs.push((await window.t.client.enqueue("count", {location: "A-01", sku: "SKU-A", counted: 5})).seq);
        return seqs;
      })();
    }"""
    at = int(time.time() * 1000) + 1000  # both tabs start on the same millisecond
    first.evaluate(go, at)
    second.evaluate(go, at)
    mine, theirs = (page.evaluate("() => window.t.done") for page in (first, second))
    assert sorted(mine + theirs) == list(range(1, 101))
    assert mine != list(range(1, 51)) and mine != list(range(51, 101)), "the tabs really queued at the same time"
    # Both tabs count the whole outbox, and neither pushed while the lock was held.
    for page in (first, second):
        page.wait_for_function("() => window.t.client.status.pending === 100")
    # Both tabs have tried to push: each has a request for the push lock waiting behind the holder.
    first.wait_for_function(_BOTH_TABS_WAIT_FOR_THE_PUSH_LOCK, polling=50)
    assert first.evaluate("() => window.t.pushes") == [] and second.evaluate("() => window.t.pushes") == []
    assert floor.device(device_id)["last_seq"] == 0

    first.evaluate("() => window.t.release()")
    for page in (first, second):
        page.wait_for_function("() => window.t.client.status.pending === 0")
        page.evaluate("() => window.t.client.syncNow()")
    rows = assert_once_each(floor, device_id, 100)
    assert {status for _, status in rows} == {"applied"}
    # One tab pushed at a time: no two pushes from different tabs were in flight together.
    spans = [first.evaluate("() => window.t.pushes"), second.evaluate("() => window.t.pushes")]
    assert spans[0] or spans[1]
    assert not [(a, b) for a in spans[0] for b in spans[1] if a[0] < b[1] and b[0] < a[1]], spans


def test_a_2000_op_offline_backlog_drains_in_batches_with_the_progress_bar_moving(context, floor):
    page = context.new_page()
    device_id = open_device(page, floor)
    page.wait_for_function("() => window.t.client.status.lastSyncAt !== null")
    mount_status(page)
    pushes = []
    page.on("request", lambda r: r.url.endswith("/api/sync/push") and pushes.append(len(r.post_data_json["ops"])))
    context.set_offline(True)
    started = time.monotonic()
    page.evaluate("""async () => {
      for (let i = 0; i < 2000; i++) await window.t.client.enqueue("count", {location: "A-01", sku: "SKU-A", counted: 5});
    }""")
    queued_s = time.monotonic() - started
    expect(page.locator(".sync-pending")).to_have_text("2000 to send")
    # Record every value the progress bar shows while draining.
    page.evaluate("""() => {
      const bar = document.querySelector(".sync-progress");
      window.t.bar = [];
      new MutationObserver(() => { if (!bar.closest("[hidden]")) window.t.bar.push([bar.value, bar.max]); })
        .observe(bar, { attributes: true });
      new MutationObserver(() => { if (!bar.closest("[hidden]")) window.t.bar.push([bar.value, bar.max]); })
        .observe(document.querySelector(".sync-drain"), { attributes: true });
    }""")

    started = time.monotonic()
    context.set_offline(False)
    samples = []
    while page.evaluate("() => window.t.client.status.pending") > 0 and time.monotonic() - started < 60:
        samples.append(page.locator(".sync-progress-text").text_content())
        time.sleep(0.05)
    wait_for_drain(page, 60)
    drained_s = time.monotonic() - started

    assert pushes and max(pushes) <= 500 and sum(pushes) == 2000 and len(pushes) >= 4, pushes
    drains = [s["draining"] for s in page.evaluate("() => window.t.statuses") if s["draining"]]
    sent = [d["sent"] for d in drains]
    assert sent == sorted(sent) and sent[-1] == 2000 and {d["total"] for d in drains} == {2000}
    assert len(set(sent)) >= 5, f"progress moved in steps of a batch: {sent}"
    bar = page.evaluate("() => window.t.bar")
    assert any(0 < value < 2000 for value, _ in bar), f"the progress bar showed the drain part-way: {bar}"
    expect(page.locator(".sync-pending")).to_have_text("All sent")
    expect(page.locator(".sync-drain")).to_be_hidden()
    assert_once_each(floor, device_id, 2000)
    print(
        f"\n2000 ops: queued in {queued_s:.1f} s, drained in {drained_s:.1f} s over {len(pushes)} pushes; samples {samples[:8]}"
    )


def test_the_outbox_survives_closing_and_reopening_the_browser(browser, floor, tmp_path):
    profile = tmp_path / "profile"

    def launch():
        return browser.browser_type.launch_persistent_context(
            user_data_dir=str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
        )

    context = launch()
    try:
        page = context.pages[0] if context.pages else context.new_page()
        device_id = open_device(page, floor, start=False)
        context.set_offline(True)
        page.evaluate("""async () => {
          for (let i = 0; i < 5; i++) await window.t.client.enqueue("count", {location: "A-02", sku: "SKU-B", counted: 3});
        }""")
    finally:
        context.close()

    context = launch()
    try:
        page = context.pages[0] if context.pages else context.new_page()
        assert open_device(page, floor, start=False) == device_id
        assert [op["seq"] for op in page.evaluate("() => window.t.store.pendingOps()")] == [1, 2, 3, 4, 5]
        assert page.evaluate("() => window.t.client.enqueue('count', {location: 'A-02', sku: 'SKU-B', counted: 3})")["seq"] == 6
        page.evaluate("() => window.t.client.start()")
        wait_for_drain(page)
        assert_once_each(floor, device_id, 6)
    finally:
        context.close()


def test_a_batch_too_large_for_the_server_is_halved_and_a_503_is_retried_with_half(context, floor):
    page = context.new_page()

    # The server's real byte limit answers 413: let the client believe a larger one.
    def bigger_limits(route):
        response = route.fetch()
        limits = response.json() | {"max_bytes": 5_000_000}
        route.fulfill(response=response, body=json.dumps(limits))

    page.route("**/api/sync/limits", bigger_limits)
    device_id = open_device(page, floor, start=False)
    answers = []
    page.on(
        "response",
        lambda r: r.url.endswith("/api/sync/push") and answers.append((len(r.request.post_data_json["ops"]), r.status)),
    )
    # 400 ops of about 3 KB each: 1.2 MB, over the server's 1 MB. Unknown args are rejected, one by one.
    page.evaluate("""async () => {
      const note = "x".repeat(3000);
      for (let i = 0; i < 400; i++) await window.t.client.enqueue("count", {location: "A-01", sku: "SKU-A", counted: 5, note});
    }""")
    page.evaluate("() => window.t.client.syncNow()")
    assert answers[:2] == [(400, 413), (200, 200)], answers
    assert page.evaluate("() => window.t.client.status.pending") == 0
    rows = assert_once_each(floor, device_id, 400)
    assert {status for _, status in rows} == {"rejected"}
    outcomes = page.evaluate("() => window.t.store.outcomes()")
    assert len(outcomes) == 400 and {o["code"] for o in outcomes} == {"malformed_args"}
    described = page.evaluate("""async () => {
      const { describeOutcome } = await import("/static/outcomes.js");
      const [o] = await window.t.store.outcomes();
      return describeOutcome(o, o.op);
    }""")
    assert described["action"] == "Nothing was recorded. Reload the app and tell your supervisor."

    # One infrastructure failure: the client halves, backs off and retries; the server applies once.
    failed = []

    def fail_once(route):
        if not failed:
            failed.append(len(route.request.post_data_json["ops"]))
            route.fulfill(status=503, headers={"Retry-After": "0"}, json={"error": "unavailable"})
        else:
            route.continue_()

    page.route("**/api/sync/push", fail_once)
    answers.clear()
    page.evaluate("() => window.t.client.start()")  # from here the client pushes on its own
    page.evaluate("""async () => {
      window.t.statuses = [];
      await Promise.all(Array.from({length: 40}, () => window.t.client.enqueue("count", {location: "A-01", sku: "SKU-A", counted: 5})));
    }""")
    wait_for_drain(page)
    [first] = failed
    assert answers[0] == (first, 503) and answers[1] == (max(1, first // 2), 200), answers
    retry = [s for s in page.evaluate("() => window.t.statuses") if s["error"]]
    assert retry and retry[-1]["retryAt"], "the failure was shown, with when the phone will retry"
    assert page.evaluate("() => window.t.client.status.error") is None
    assert_once_each(floor, device_id, 440)


def test_a_pick_another_device_made_first_comes_back_adjusted_and_tells_the_picker_what_to_do(context, floor):
    page = context.new_page()
    device_id = open_device(page, floor)
    page.wait_for_function("() => window.t.client.status.lastSyncAt !== null")
    mount_status(page)
    task = next(t for t in page.evaluate("() => window.t.tasks()") if t["sku"] == "SKU-A")

    context.set_offline(True)
    page.evaluate(
        "(t) => window.t.client.enqueue('pick', {order_line_id: t.order_line_id, location: t.location, sku: t.sku, qty: t.qty})",
        task,
    )
    # Meanwhile pia's second phone, online, fills the same line from the other bin that holds SKU-A.
    other = floor.http.post("/api/devices", json={"name": "second phone"}, headers=floor.pia).json()["device_id"]
    pick = {
        "seq": 1,
        "type": "pick",
        "version": 1,
        "args": {"order_line_id": task["order_line_id"], "location": "A-03", "sku": "SKU-A", "qty": 3},
    }
    r = floor.http.post("/api/sync/push", json={"device_id": other, "ops": [pick]}, headers=floor.pia)
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied", r.text

    context.set_offline(False)
    wait_for_drain(page)
    [outcome] = page.evaluate("() => window.t.store.outcomes()")
    assert (outcome["seq"], outcome["status"], outcome["code"]) == (1, "adjusted", "over_pick")
    assert outcome["result"]["put_away"] == 3
    card = page.locator("li.outcome")
    expect(card).to_have_count(1)
    expect(card.locator(".outcome-title")).to_have_text("Line was already filled")
    expect(card.locator(".outcome-action")).to_have_text("Put 3 × SKU-A back to A-01.")
    assert card.bounding_box()["height"] > 0
    assert page.locator(".outcome-done").bounding_box()["height"] >= 48
    page.get_by_role("button", name="Done: Line was already filled").click()
    expect(card).to_have_count(0)
    assert page.evaluate("() => window.t.store.outcomes()") == []
    assert [status for _, status in floor.ledger(device_id)] == ["adjusted"]
    # The physical fact stands: 3 units left each bin, and the surplus waits in a put-away task.
    assert (floor.stock("SKU-A", "A-01"), floor.stock("SKU-A", "A-03")) == (2, 2)


def test_the_view_replays_pending_picks_and_short_picks_on_the_pulled_tasks(context, live_server):
    page = context.new_page()
    page.goto(live_server.url + "/")
    result = page.evaluate("""async () => {
      const { taskView } = await import("/static/view.js");
      const task = (id, line, location, qty, extra = {}) => ({ id, wave_id: 1, seq: id, status: "open", location, sku: "S",
        lot: "", qty, qty_picked: 0, order_line_id: line, line_qty: 5, line_qty_picked: 0, line_status: "allocated", ...extra });
      const tasks = [task(1, 10, "A-01", 3), task(2, 10, "A-02", 2), task(3, 11, "A-03", 4, { line_qty: 4 })];
      const before = JSON.stringify(tasks);
      const pick = (seq, line, location, qty) => ({ seq, type: "pick", args: { order_line_id: line, location, sku: "S", qty } });
      const partial = taskView(tasks, [pick(1, 10, "A-02", 1)]);
      const filled = taskView(tasks, [pick(1, 10, "A-01", 3), pick(2, 10, "A-02", 4)]);
      const short = taskView(tasks, [{ seq: 3, type: "pick_short", args: { order_line_id: 11, location: "A-03", sku: "S", qty_short: 4, reason: "damaged" } }]);
      const other = taskView(tasks, [pick(4, 99, "A-09", 1), { seq: 5, type: "count", args: {} }]);
      return { partial, filled, short, other, untouched: JSON.stringify(tasks) === before };
    }""")
    assert result["untouched"]
    by_id = lambda view: {t["id"]: t for t in view}  # noqa: E731
    partial = by_id(result["partial"])
    assert (partial[2]["qty_picked"], partial[2]["status"], partial[2]["pending_seqs"]) == (1, "open", [1])
    assert partial[1]["line_qty_picked"] == 1 and not partial[1]["pending"] and partial[3]["line_qty_picked"] == 0
    filled = by_id(result["filled"])
    assert [(filled[i]["qty_picked"], filled[i]["status"]) for i in (1, 2)] == [(3, "picked"), (2, "picked")]
    assert filled[2]["surplus"] == 2 and filled[1]["line_status"] == "picked"
    short = by_id(result["short"])
    assert (short[3]["status"], short[3]["qty_short"], short[3]["short_reason"]) == ("short", 4, "damaged")
    assert [t["pending"] for t in result["other"]] == [False, False, False]


def test_a_revoked_device_stops_pushing_keeps_its_outbox_and_says_so(context, floor):
    page = context.new_page()
    device_id = open_device(page, floor)
    page.wait_for_function("() => window.t.client.status.lastSyncAt !== null")
    mount_status(page)
    r = floor.http.post(f"/api/devices/{device_id}/revoke", headers=floor.admin)
    assert r.status_code == 200, r.text
    page.evaluate("() => window.t.client.enqueue('count', {location: 'A-01', sku: 'SKU-A', counted: 5})")
    page.wait_for_function("() => window.t.client.status.revoked")
    expect(page.locator(".sync-problem")).to_contain_text("revoked")
    expect(page.locator(".sync-pending")).to_have_text("1 to send")
    assert pending(page) == 1
    assert floor.ledger(device_id) == []


def test_backoff_grows_to_a_minute_with_jitter_and_outcomes_say_what_to_do(context, live_server):
    page = context.new_page()
    page.goto(live_server.url + "/")
    got = page.evaluate("""async () => {
      const { backoffMs } = await import("/static/sync.js");
      const { describeOutcome } = await import("/static/outcomes.js");
      const picker = await import("/static/roles/picker.js");
      const pick = { type: "pick", args: { order_line_id: 7, location: "A-01-03", sku: "TSHIRT-M-RED", qty: 2 } };
      const result = (code, status, facts = {}) => describeOutcome({ seq: 1, status, code, message: "server says", result: facts }, pick, picker.outcomes);
      return {
        backoff: [[1, 0], [1, 1], [2, 1], [7, 1], [30, 1], [30, 0]].map(([n, r]) => backoffMs(n, () => r)),
        cancelled: result("order_cancelled", "adjusted", { picked: 0, put_away: 2 }),
        discrepancy: result("stock_discrepancy", "adjusted", { picked: 2, put_away: 0 }),
        wrong: result("wrong_item", "rejected"),
        unknown: result("something_new", "rejected"),
      };
    }""")
    assert got["backoff"] == [500, 1000, 2000, 60000, 60000, 30000]
    assert got["cancelled"] == {
        "title": "Order was cancelled",
        "action": "Put 2 × TSHIRT-M-RED back to A-01-03.",
        "detail": "server says",
        "tone": "adjusted",
    }
    assert got["discrepancy"]["action"] == "Keep the units in the tote. A count of A-01-03 was ordered."
    assert (
        got["wrong"]["action"] == "Put TSHIRT-M-RED back to A-01-03. Nothing was recorded." and got["wrong"]["tone"] == "rejected"
    )
    assert (got["unknown"]["title"], got["unknown"]["action"]) == ("Not recorded", "server says")


def test_after_the_server_is_restored_the_phone_reloads_its_lists_and_says_why(context, floor):
    """`shipshape new-epoch` (run after a restore): the phone's next pull is a full snapshot of the
    restored state, its strip tells the picker, and its next scans are still accepted once."""
    page = context.new_page()
    device_id = open_device(page, floor)
    page.wait_for_function("() => window.t.client.status.lastSyncAt !== null")
    mount_status(page)
    epoch_before = page.evaluate("() => window.t.store.meta('epoch')")
    assert epoch_before
    done = off_playwrights_loop(support.run_cli, "new-epoch")
    assert done.returncode == 0, done.stderr
    page.evaluate("() => window.t.client.enqueue('count', {location: 'A-01', sku: 'SKU-A', counted: 5})")
    page.evaluate("() => window.t.client.syncNow()")
    wait_for_drain(page)
    page.wait_for_function("() => window.t.client.status.notice !== null")
    expect(page.locator(".sync-problem")).to_contain_text("restored from a backup")
    assert page.evaluate("() => window.t.store.meta('epoch')") not in (None, epoch_before)
    assert_once_each(floor, device_id, 1)
