// The supervisor's home: the live floor. One stream (GET /api/floor/stream, server-sent events read
// with fetch so the bearer token goes in a header) brings a new snapshot within two seconds of any
// committed op. When the network drops, the last snapshot stays on screen, marked "Reconnecting…",
// and the stream is opened again with backoff; its first event brings the floor up to date.

import { loadSession, sessionEnded } from "../api.js";
import { h, show } from "../dom.js";
import { readEventStream } from "../sse.js";

const STREAM = "/api/floor/stream";
const STYLES = "/static/screens/floor.css";
// The server sends a keepalive every 15 s: silence for this long means the connection is dead.
const SILENCE_MS = 40_000;
const RETRY_BASE_MS = 1_000;
const RETRY_CAP_MS = 15_000;

const STATUSES = [
  ["new", "New"], ["on_hold", "On hold"], ["backordered", "Backordered"], ["partially_allocated", "Part allocated"],
  ["allocated", "Allocated"], ["awaiting_supplier", "With supplier"], ["released", "Released"], ["picking", "Picking"], ["picked", "Picked"],
  ["packed", "Packed"], ["shipped", "Shipped"], ["delivered", "Delivered"], ["cancelled", "Cancelled"],
];
const STATUS_NAMES = Object.fromEntries(STATUSES);

// The headline tiles, always in this order and always there (a dash until the first snapshot), so
// nothing moves when data arrives. `level` says when a tile asks for attention.
const TILES = [
  { key: "late", name: "Late", count: (f) => f.late_count, level: (n) => (n > 0 ? "alert" : null) },
  { key: "at_risk", name: "At risk", count: (f) => f.at_risk_count, level: (n) => (n > 0 ? "warn" : null) },
  { key: "open_exceptions", name: "Exceptions", count: (f) => f.open_exceptions, level: (n) => (n > 0 ? "warn" : null) },
  { key: "open_floor_tasks", name: "Floor tasks", count: (f) => f.open_floor_tasks, level: () => null },
  { key: "lines_hour", name: "Lines / hour", count: (f) => f.picks.last_hour, level: () => null },
  { key: "lines_today", name: "Lines today", count: (f) => f.picks.today, level: () => null, sub: (f) => `${f.picks.per_hour_today}/h` },
  { key: "backorders", name: "Backorders", count: (f) => f.backorders.orders, level: (n) => (n > 0 ? "warn" : null), sub: (f) => plural(f.backorders.units, "unit") },
  { key: "low_stock", name: "Low stock", count: (f) => f.low_stock_count, level: (n) => (n > 0 ? "warn" : null) },
  { key: "devices", name: "Phones behind", count: (f) => f.devices.length, level: (n) => (n > 0 ? "alert" : null), sub: (f) => plural(f.devices.reduce((s, d) => s + d.pending, 0), "op") },
];

/** The delay before reconnect attempt `failures` (1, 2, …): doubling, capped, jittered. */
export function retryDelayMs(failures, random = Math.random) {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** "12:03:04" on a 24-hour clock. */
export function clockTime(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** How long ago, short: "now", "4 min ago", "2 h ago", "3 d ago". */
export function ago(iso, now = Date.now()) {
  if (!iso) return "never";
  const minutes = Math.floor((now - Date.parse(iso)) / 60_000);
  if (minutes < 1) return "now";
  if (minutes < 60) return `${minutes}\u00a0min ago`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}\u00a0h ago`;
  return `${Math.floor(minutes / 1440)}\u00a0d ago`;
}

/** floorScreen({network}) → {root, title, dispose}. */
export function floorScreen({ network }) {
  let floor = null; // the last snapshot, kept on screen through a reconnect
  let lastEventId = null;
  let controller = null;
  let failures = 0;
  let retryTimer = null;
  let silenceTimer = null;
  let disposed = false;

  const status = h("p.live-status", { role: "status", "data-state": "connecting" }, "Connecting…");
  const tileEls = new Map();
  const tiles = h(
    "div.floor-tiles",
    { role: "group", "aria-label": "The floor now" },
    TILES.map((tile) => {
      const count = h("span.tile-count", "–");
      const sub = h("span.tile-sub", "\u00a0");
      const el = h("div.floor-tile", { "data-tile": tile.key }, count, h("span.tile-name", tile.name), sub);
      tileEls.set(tile.key, { el, count, sub });
      return el;
    }),
  );
  // Lists below the tiles appear together with the first snapshot (below everything, so nothing
  // already on screen moves).
  const lateList = h("ol.floor-list");
  const waveList = h("ol.floor-list");
  const pickerList = h("ol.floor-list");
  const deviceList = h("ol.floor-list");
  const stockList = h("ol.floor-list");
  const statusGrid = h("div.floor-statuses");
  const section = (id, title, ...content) => h("section.floor-section", { "aria-labelledby": id }, h(`h2#${id}`, title), ...content);
  const details = h(
    "div.floor-details",
    { hidden: true },
    section("floor-late", "Late and at risk", lateList),
    section("floor-devices", "Phones with unsent scans", deviceList),
    section("floor-waves", "Waves", waveList),
    section("floor-pickers", "Pickers", pickerList),
    section("floor-stock", "Low stock", stockList),
    section("floor-orders", "Orders by status", statusGrid),
  );
  const body = h("div.floor-body", { hidden: true }, status, tiles, details);
  const root = h("section.screen.floor", h("div.screen-head", h("h1", "Floor")), body);
  loadStyles(() => {
    body.hidden = false;
  });

  function setStatus(state) {
    status.dataset.state = state;
    if (state === "live") status.textContent = `Live · updated ${clockTime(new Date())}`;
    else if (state === "reconnecting") status.textContent = floor ? `Reconnecting… (showing ${clockTime(new Date(floor.generated_at))})` : "Reconnecting…";
    else if (state === "offline") status.textContent = "Offline · reconnecting when the network is back";
    else status.textContent = "Connecting…";
  }

  function render() {
    for (const tile of TILES) {
      const { el, count, sub } = tileEls.get(tile.key);
      const n = tile.count(floor);
      count.textContent = String(n);
      sub.textContent = tile.sub ? tile.sub(floor) : "\u00a0";
      const level = tile.level(n);
      if (level) el.dataset.level = level;
      else delete el.dataset.level;
    }
    const late = [...floor.late.map((o) => ({ ...o, late: true })), ...floor.at_risk.map((o) => ({ ...o, late: false }))];
    showList(lateList, late, lateRow, "Nothing late, nothing at risk.");
    showList(deviceList, floor.devices, deviceRow, "Every phone has sent its scans.");
    showList(waveList, floor.waves, waveRow, "No wave is being picked.");
    showList(pickerList, floor.pickers, pickerRow, "No picker has open tasks.");
    showList(stockList, floor.low_stock, stockRow, "Nothing at or below its reorder point.");
    const shown = STATUSES.filter(([s]) => floor.orders_by_status[s]);
    show(
      statusGrid,
      shown.length
        ? shown.map(([s, name]) => h("div.floor-status", { "data-status": s }, h("span.tile-count", String(floor.orders_by_status[s])), h("span.tile-name", name)))
        : h("p.muted", "No orders yet."),
    );
    details.hidden = false;
  }

  function showList(list, items, row, empty) {
    show(list, items.length ? items.map(row) : h("li.floor-empty", empty));
  }

  // -- the stream ---------------------------------------------------------------------------------

  function heard() {
    clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => controller?.abort(), SILENCE_MS);
  }

  async function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (disposed) return;
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    try {
      await readEventStream(STREAM, {
        token: loadSession()?.token,
        lastEventId,
        signal: mine.signal,
        onOpen: heard,
        onComment: heard,
        onEvent: (event) => {
          heard();
          if (event.event !== "floor") return;
          floor = JSON.parse(event.data);
          lastEventId = event.id;
          failures = 0;
          render();
          setStatus("live");
        },
      });
    } catch (error) {
      if (error?.status === 401) {
        sessionEnded();
        return;
      }
      if (error?.status === 403) {
        setStatus("connecting");
        status.textContent = error.message;
        return;
      }
    }
    clearTimeout(silenceTimer);
    if (disposed || controller !== mine) return; // replaced by a newer connection, or the screen left
    // The stream ended or broke: keep what is shown and try again.
    failures += 1;
    setStatus(navigator.onLine ? "reconnecting" : "offline");
    retryTimer = setTimeout(connect, retryDelayMs(failures));
  }

  // The network coming back is the best moment to reconnect, whatever the backoff said; losing it
  // ends the stream at once rather than waiting for the silence to be noticed.
  let wasOnline = null;
  const unsubscribe = network?.subscribe?.((online) => {
    if (online === wasOnline) return;
    const back = online && wasOnline === false;
    wasOnline = online;
    if (!online) {
      controller?.abort();
      setStatus("offline");
    } else if (back) {
      failures = 0;
      setStatus("reconnecting");
      connect();
    }
  });
  const onOnline = () => {
    failures = 0;
    setStatus("reconnecting");
    connect();
  };
  const onOffline = () => {
    controller?.abort();
    setStatus("offline");
  };
  window.addEventListener("online", onOnline);
  window.addEventListener("offline", onOffline);

  connect();

  return {
    root,
    title: "Floor",
    dispose() {
      disposed = true;
      clearTimeout(retryTimer);
      clearTimeout(silenceTimer);
      controller?.abort();
      unsubscribe?.();
      window.removeEventListener("online", onOnline);
      window.removeEventListener("offline", onOffline);
    },
  };
}

function lateRow(order) {
  return h(
    "li.floor-row",
    { "data-level": order.late ? "alert" : "warn", "data-order-id": order.id },
    h("div.row-top", h("span.row-title", order.external_ref), h("span.row-badge", order.late ? "Late" : "At risk")),
    h("div.row-meta", `${order.customer} · ${STATUS_NAMES[order.status] ?? order.status} · promised ${promised(order.promised_at)}`),
  );
}

function deviceRow(device) {
  return h(
    "li.floor-row",
    { "data-level": "alert", "data-device-id": device.device_id },
    h("div.row-top", h("span.row-title", device.name || device.device_id), h("span.row-badge", plural(device.pending, "unsent op"))),
    h("div.row-meta", `${device.owner} · last seen ${ago(device.last_seen_at)}`),
  );
}

function waveRow(wave) {
  const share = wave.tasks_total ? wave.tasks_done / wave.tasks_total : 0;
  return h(
    "li.floor-row",
    { "data-wave-id": wave.id },
    h("div.row-top", h("span.row-title", `Wave ${wave.id} · ${wave.picker}`), h("span.row-figure", `${wave.tasks_done}/${wave.tasks_total}`)),
    h("progress.row-progress", { max: "100", value: String(Math.round(share * 100)), "aria-label": `Wave ${wave.id}: ${wave.tasks_done} of ${wave.tasks_total} tasks done` }),
    h("div.row-meta", `${wave.units_picked} of ${plural(wave.units_total, "unit")} picked`),
  );
}

function pickerRow(picker) {
  return h(
    "li.floor-row",
    { "data-picker": picker.username },
    h("div.row-top", h("span.row-title", picker.display_name || picker.username), h("span.row-figure", plural(picker.tasks_open, "task") + " open")),
    h("div.row-meta", `${plural(picker.lines_today, "line")} · ${plural(picker.units_today, "unit")} today · last ${ago(picker.last_activity)}`),
  );
}

function stockRow(item) {
  return h(
    "li.floor-row",
    { "data-level": item.on_hand === 0 ? "alert" : "warn", "data-sku": item.sku },
    h("div.row-top", h("span.row-title", item.sku), h("span.row-figure", `${item.on_hand} / ${item.reorder_point}`)),
    h("div.row-meta", `${item.name} · on hand / reorder point`),
  );
}

function promised(iso) {
  const at = new Date(iso);
  const today = new Date().toDateString() === at.toDateString();
  return today ? clockTime(at).slice(0, 5) : at.toLocaleDateString([], { day: "numeric", month: "short" });
}

function plural(n, word) {
  return `${n}\u00a0${word}${n === 1 ? "" : "s"}`;
}

function loadStyles(ready) {
  const existing = document.querySelector(`link[href="${STYLES}"]`);
  if (existing) {
    if (existing.dataset.loaded) ready();
    else existing.addEventListener("load", ready, { once: true });
    return;
  }
  const link = h("link", { rel: "stylesheet", href: STYLES });
  link.addEventListener("load", () => {
    link.dataset.loaded = "1";
    ready();
  }, { once: true });
  link.addEventListener("error", ready, { once: true }); // unstyled beats invisible
  document.head.append(link);
}
