// Stock at a glance, for supervisors and admins: scan (camera or a hardware scanner) or type an item
// or a bin, and see what is where — on hand, reserved, available, lot and expiry per bin, units on
// their way back to a shelf — and the products at or below their reorder point. The server answers
// from the live book, so this screen is online-only: offline it says so and waits.

import { request } from "../api.js";
import { h, show } from "../dom.js";
import { binTrail } from "./trail.js";

const STYLES = "/static/screens/stock.css";
const OFFLINE = "Stock lookups need a connection. Scan again when the phone is back online.";

/** stockScreen({network, services}) → {root, title, dispose}. */
export function stockScreen({ network, services }) {
  const { scanning } = services;
  useStyles();
  let online = true;
  let asked = 0; // the latest lookup's number: an older answer arriving late is dropped

  const offlineNote = h("p.notice", { role: "status", hidden: true }, OFFLINE);
  const problem = h("p.error", { role: "alert" });
  const result = h("section.stock-result", { "aria-label": "Lookup result", "aria-live": "polite",
    onclick: (event) => { const bin = event.target.closest("[data-bin]"); if (bin) lookup(bin.dataset.bin); } }, // a bin of an item: its contents and trail
    h("p.screen-sub", "Scan or type a SKU, a product barcode or a bin code."));
  const lowList = h("ol.stock-list.low-list", { "aria-label": "Low stock" });
  const lowSummary = h("p.screen-sub", "Loading…");
  const lowRefresh = h("button.secondary", { type: "button", onclick: loadLow }, "Refresh");
  const scanner = scanning.createScanner({ onScan: (scan) => lookup(scan.text) });
  const root = h(
    "section.screen.stock-screen",
    h("div.screen-head", h("h1", "Stock")),
    offlineNote,
    scanner.element,
    problem,
    result,
    h("section.low-stock", { "aria-labelledby": "low-stock-title" },
      h("div.section-head", h("h2#low-stock-title", "Low stock"), lowRefresh), lowSummary, lowList),
  );

  async function lookup(text) {
    const q = (text ?? "").trim();
    if (!q) return;
    // The browser's own word decides, not the strip's: the strip learns of the connection from the
    // last sync, which may lag behind it, and a scan must never be dropped on a stale "offline".
    if (navigator.onLine === false) {
      scanning.feedback("error", OFFLINE);
      return;
    }
    const mine = ++asked;
    problem.textContent = "";
    try {
      const found = await request("GET", `/api/stock/lookup?q=${encodeURIComponent(q)}`);
      if (mine !== asked || !root.isConnected) return;
      scanning.feedback("ok", found.kind === "bin" ? `Bin ${found.bin.code}` : `${found.item.sku} — ${found.item.name}`);
      show(result, found.kind === "bin" ? binView(found.bin) : itemView(found.item, found));
    } catch (error) {
      if (mine !== asked || !root.isConnected) return;
      scanning.feedback("error", error.message);
      problem.textContent = error.message;
    }
  }

  async function loadLow() {
    if (!online) {
      lowSummary.textContent = "The low-stock list is shown when the phone is online.";
      return;
    }
    lowRefresh.disabled = true;
    try {
      const low = await request("GET", "/api/stock/low");
      if (!root.isConnected) return;
      lowSummary.textContent = low.length ? `${plural(low.length, "product")} at or below the reorder point` : "Nothing is below its reorder point.";
      show(lowList, low.map((s) => h("li.stock-row",
        h("button.stock-open", { type: "button", "aria-label": `Look up ${s.sku}`, onclick: () => lookup(s.sku) },
          h("span.stock-main", h("strong", s.sku), " ", s.name),
          h("span.stock-numbers", `${s.on_hand} on hand · reorder at ${s.reorder_point}`),
          h("span.stock-numbers", `${s.reserved} reserved · ${s.available} available${s.backordered ? ` · ${s.backordered} backordered` : ""}`)))));
    } catch (error) {
      if (root.isConnected) lowSummary.textContent = error.message;
    } finally {
      lowRefresh.disabled = false;
    }
  }

  const unsubscribe = network.subscribe((now) => {
    const back = now && !online;
    online = now;
    offlineNote.hidden = online;
    lowRefresh.disabled = !online;
    if (back) loadLow();
  });
  loadLow();
  return {
    root,
    title: "Stock",
    dispose: () => {
      unsubscribe();
      scanner.destroy?.();
    },
  };
}

function totals(t, extra = []) {
  return h("dl.stock-totals",
    [["On hand", t.on_hand], ["Reserved", t.reserved], ["Available", t.available], ...extra].map(([name, value]) =>
      h("div", h("dt", name), h("dd", String(value)))));
}

function placeRow(p, title) {
  const lot = [p.lot && `lot ${p.lot}`, p.expiry && `exp. ${p.expiry}`].filter(Boolean).join(" · ");
  return h("li.stock-row",
    h("span.stock-main", title),
    lot && h("span.stock-numbers", lot),
    h("span.stock-numbers", `${p.on_hand} on hand · ${p.reserved} reserved · ${p.available} available`));
}

function returningList(returning) {
  if (!returning.length) return null;
  return [
    h("h3", "On the way back"),
    h("ul.stock-list", returning.map((r) => h("li.stock-row",
      h("span.stock-main", `${r.qty} × ${r.sku}`),
      h("span.stock-numbers", [r.tote && `in ${r.tote}`, r.note].filter(Boolean).join(" · "))))),
  ];
}

function itemView(item, found) {
  return [
    h("h2", item.sku, " ", h("span.muted", item.name)),
    item.low && h("p.badge.low-badge", `Low: ${item.totals.on_hand} on hand, reorder point ${item.reorder_point}`),
    found.lot && h("p.muted", `Scanned lot ${found.lot}`),
    totals(item.totals, [["On the way back", item.on_the_way_back], ["Backordered", item.backordered]]),
    h("p.muted", item.reorder_point ? `Reorder point ${item.reorder_point}` : "No reorder point set"),
    h("h3", item.places.length ? `In ${plural(item.places.length, "place")}` : "In no bin"),
    h("ul.stock-list", item.places.map((p) => placeRow(p, h("span", h("button.stock-bin", { type: "button", "data-bin": p.location }, p.location), p.location_kind !== "bin" ? ` (${p.location_kind})` : "")))),
    returningList(item.returning),
    item.receipts_awaiting_approval.length > 0 && [
      h("h3", "Received, waiting for approval"),
      h("ul.stock-list", item.receipts_awaiting_approval.map((r) => h("li.stock-row", h("span.stock-main", `${r.qty} into ${r.location ?? "?"}`), h("span.stock-numbers", r.note)))),
    ],
    h("p.muted", `Purchase orders: ${found.purchase_orders}.`),
  ];
}

function binView(bin) {
  return [
    h("h2", `Bin ${bin.code}`, " ", h("span.muted", [bin.kind, bin.zone && `zone ${bin.zone}`].filter(Boolean).join(" · "))),
    totals(bin.totals),
    h("h3", bin.items.length ? plural(bin.items.length, "item") : "Empty"),
    h("ul.stock-list", bin.items.map((p) => placeRow(p, h("span", h("strong", p.sku), " ", p.name)))),
    returningList(bin.returning),
    binTrail(bin.code), // every change of units in it, newest first (pwa/screens/trail.js)
  ];
}

function useStyles() {
  if (document.querySelector(`link[href="${STYLES}"]`)) return;
  document.head.append(h("link", { rel: "stylesheet", href: STYLES }));
}

function plural(n, word) {
  return `${n}\u00a0${word}${n === 1 ? "" : "s"}`;
}
