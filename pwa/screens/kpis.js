// KPIs for supervisors and admins: choose a period (today, 7 days, 30 days or two days of your own),
// and each KPI shows its number for the period and a small chart of it per day (per week or month for
// long periods), with a CSV download. Days are UTC days, as the server counts them (docs/kpis.md).
//
// uPlot draws the charts; it is imported here only, so no other screen or role ever loads it. The
// numbers come from the server's ledger, so this screen is online-only.

import uPlot from "/vendor/uplot/uPlot.esm.js";
import { ApiError, loadSession, request } from "../api.js";
import { h, show } from "../dom.js";

const STYLES = ["/vendor/uplot/uPlot.min.css", "/static/screens/kpis.css"];
const OFFLINE = "KPIs need a connection: they are computed by the server from its records.";
const DAY_MS = 86_400_000;
const PRESETS = [
  ["today", "Today", 1],
  ["7d", "7 days", 7],
  ["30d", "30 days", 30],
  ["custom", "Custom", null],
];
// What each KPI's card says under its number, from the parts the server sent.
const DETAILS = {
  lead_time: (p) => `Received → shipped: median ${hours(p.shipped_median_h)}, p90 ${hours(p.shipped_p90_h)} (${plural(p.shipped_orders, "order")}). `
    + `Received → delivered: median ${hours(p.delivered_median_h)}, p90 ${hours(p.delivered_p90_h)} (${plural(p.delivered_orders, "order")}).`,
  pick_accuracy: (p) => `${p.accurate} of ${p.accurate + p.errors + p.short_picks} picks as planned · ${p.errors} wrong item, over-pick or discrepancy · ${p.short_picks} short`,
  on_time_shipment: (p) => `${p.on_time} of ${plural(p.shipped_with_promise, "order")} with a promise shipped in time · ${p.late} late`,
  fill_rate: (p) => `${p.shipped_units} of ${plural(p.ordered_units, "unit")} ordered shipped (${p.shipped_orders} of ${plural(p.orders, "order")})`,
  return_rate: (p) => `${plural(p.returned_units, "unit")} returned · ${plural(p.delivered_units, "unit")} delivered (${p.returned_orders} of ${plural(p.delivered_orders, "order")})`,
  units_per_hour: (p) => `${plural(p.units, "unit")} picked · ${p.active_hours} active hours · ${plural(p.pickers, "picker")}`,
  rma_rate: (p) => `${plural(p.rmas, "RMA")} opened · ${plural(p.shipped_orders, "order")} shipped (${plural(p.units_expected, "unit")} expected back)`,
};

/** "YYYY-MM-DD" of a Date, as a UTC day. */
export function utcDay(date) {
  return date.toISOString().slice(0, 10);
}

/** The period a preset names, ending today (UTC): {from, to}. */
export function presetPeriod(days, now = new Date()) {
  const to = utcDay(now);
  return { from: utcDay(new Date(Date.parse(to) - (days - 1) * DAY_MS)), to };
}

/** The step a chart of this period reads best in on a phone: days up to a month, then weeks, then months. */
export function bucketFor(from, to) {
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  return days <= 31 ? "day" : days <= 120 ? "week" : "month";
}

/** A KPI's headline as people read it. */
export function formatValue(kpi, value = kpi.total.value) {
  if (value === null || value === undefined) return "—";
  if (kpi.unit === "share") return `${(value * 100).toFixed(1)}\u00a0%`;
  if (kpi.unit === "hours") return hours(value);
  return `${value.toFixed(1)}\u00a0/h`;
}

/** kpisScreen({network}) → {root, title, dispose}. */
export function kpisScreen({ network }) {
  useStyles();
  let online = true;
  let preset = "7d";
  let period = presetPeriod(7);
  let asked = 0;
  let charts = [];

  const presets = h("div.kpi-presets", { role: "group", "aria-label": "Period" },
    PRESETS.map(([key, label]) => h("button.secondary", { type: "button", "data-preset": key, "aria-pressed": String(key === preset), onclick: () => choose(key) }, label)));
  const fromInput = h("input#kpi-from", { type: "date", value: period.from });
  const toInput = h("input#kpi-to", { type: "date", value: period.to });
  const custom = h("form.kpi-custom", { hidden: true, onsubmit: (event) => { event.preventDefault(); applyCustom(); } },
    h("div.field", h("label", { for: "kpi-from" }, "From"), fromInput),
    h("div.field", h("label", { for: "kpi-to" }, "To"), toInput),
    h("button.primary", { type: "submit" }, "Show"));
  const summary = h("p.screen-sub", "Loading KPIs…");
  const offlineNote = h("p.notice", { role: "status", hidden: true }, OFFLINE);
  const problem = h("p.error", { role: "alert" });
  const cards = h("div.kpi-cards");
  const root = h("section.screen.kpis-screen", h("div.screen-head", h("h1", "KPIs")), offlineNote, presets, custom, summary, problem, cards);

  function choose(key) {
    preset = key;
    for (const button of presets.querySelectorAll("button")) button.setAttribute("aria-pressed", String(button.dataset.preset === key));
    custom.hidden = key !== "custom";
    if (key === "custom") return;
    period = presetPeriod(PRESETS.find(([k]) => k === key)[2]);
    fromInput.value = period.from;
    toInput.value = period.to;
    load();
  }

  function applyCustom() {
    if (!fromInput.value || !toInput.value) return;
    period = { from: fromInput.value, to: toInput.value };
    load();
  }

  function query() {
    const params = new URLSearchParams({ from: period.from, to: period.to, bucket: bucketFor(period.from, period.to) });
    return params.toString();
  }

  async function load() {
    if (!online) {
      summary.textContent = OFFLINE;
      return;
    }
    const mine = ++asked;
    problem.textContent = "";
    summary.textContent = "Loading KPIs…";
    try {
      const answer = await request("GET", `/api/kpis?${query()}`);
      if (mine !== asked || !root.isConnected) return;
      render(answer);
    } catch (error) {
      if (mine !== asked || !root.isConnected) return;
      summary.textContent = "Could not load the KPIs.";
      problem.textContent = error.message;
    }
  }

  function render(answer) {
    destroyCharts();
    const span = answer.from === answer.to ? answer.from : `${answer.from} to ${answer.to}`;
    summary.textContent = `${span} (UTC) · by ${answer.bucket}`;
    show(cards, answer.kpis.map((kpi) => card(kpi, answer)));
    // Charts are drawn once the cards are in the page, at the width the phone gives them.
    for (const kpi of answer.kpis) {
      const slot = cards.querySelector(`[data-chart="${kpi.name}"]`);
      charts.push(chart(slot, kpi));
    }
  }

  function card(kpi, answer) {
    const note = h("p.kpi-note", { role: "status" });
    return h("article.kpi-card", { "data-kpi": kpi.name, "aria-labelledby": `kpi-${kpi.name}` },
      h("div.kpi-head",
        h("h2", { id: `kpi-${kpi.name}` }, kpi.label),
        h("button.secondary.kpi-csv", { type: "button", "aria-label": `Download ${kpi.label} as CSV`, onclick: () => download(kpi, answer, note) }, "CSV")),
      h("p.kpi-value", formatValue(kpi)),
      h("p.kpi-detail", DETAILS[kpi.name]?.(kpi.total.parts) ?? ""),
      kpi.by_picker?.length > 0 && h("ul.kpi-pickers", kpi.by_picker.map((p) =>
        h("li", h("span", p.picker), h("strong", p.units_per_hour === null ? "—" : `${p.units_per_hour.toFixed(1)}\u00a0/h`)))),
      h("div.kpi-chart", { "data-chart": kpi.name, role: "img", "aria-label": `${kpi.label} by ${answer.bucket}` }),
      note);
  }

  async function download(kpi, answer, note) {
    note.textContent = "";
    const token = loadSession()?.token;
    const path = `/api/kpis/${kpi.name}.csv?${new URLSearchParams({ from: answer.from, to: answer.to, bucket: answer.bucket })}`;
    try {
      // The token goes in a header, never in the URL: the file is fetched here and handed to the
      // browser as a local object URL.
      const response = await fetch(path, { headers: { Accept: "text/csv", ...(token && { Authorization: `Bearer ${token}` }) } });
      if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
      const url = URL.createObjectURL(await response.blob());
      const link = h("a", { href: url, download: `${kpi.name}_${answer.from}_${answer.to}.csv`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      note.textContent = error instanceof ApiError ? error.message : "The download needs a connection.";
    }
  }

  function destroyCharts() {
    for (const plot of charts) plot?.destroy();
    charts = [];
  }

  const unsubscribe = network.subscribe((now) => {
    const back = now && !online;
    online = now;
    offlineNote.hidden = online;
    if (back) load();
  });
  load();
  return {
    root,
    title: "KPIs",
    dispose: () => {
      unsubscribe();
      destroyCharts();
    },
  };
}

/** A small uPlot chart of a KPI's series in `slot`: one line (two for lead time), gaps where nothing was measured. */
function chart(slot, kpi) {
  const xs = kpi.series.map((p) => Date.parse(p.bucket) / 1000);
  const share = kpi.unit === "share";
  const scale = (v) => (v === null || v === undefined ? null : share ? v * 100 : v);
  const lines = kpi.name === "lead_time"
    ? [["Shipped (median h)", "shipped_median_h", "#145a43"], ["Delivered (median h)", "delivered_median_h", "#c77a00"]]
    : [[kpi.label, null, "#145a43"]];
  const data = [xs, ...lines.map(([, part]) => kpi.series.map((p) => scale(part ? p.parts[part] : p.value)))];
  const width = Math.max(240, Math.floor(slot.getBoundingClientRect().width) || 300);
  return new uPlot(
    {
      width,
      height: 140,
      legend: { show: false },
      cursor: { show: false },
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      scales: { x: { time: true }, y: share ? { range: [0, 100] } : { range: (_, min, max) => [0, Math.max(1, max ?? 1) * 1.1] } },
      axes: [
        { stroke: "#45524c", grid: { stroke: "#e2ede8" }, size: 32, font: "12px system-ui" },
        { stroke: "#45524c", grid: { stroke: "#e2ede8" }, size: 52, font: "12px system-ui", values: (_, ticks) => ticks.map((t) => (share ? `${t}%` : String(t))) },
      ],
      series: [
        {},
        ...lines.map(([label, , colour]) => ({ label, stroke: colour, width: 2, spanGaps: false, points: { show: true, size: 7, fill: colour } })),
      ],
    },
    data,
    slot,
  );
}

function useStyles() {
  for (const href of STYLES) {
    if (!document.querySelector(`link[href="${href}"]`)) document.head.append(h("link", { rel: "stylesheet", href }));
  }
}

function hours(value) {
  return value === null || value === undefined ? "—" : `${Number(value).toFixed(1)}\u00a0h`;
}

function plural(n, word) {
  return `${n}\u00a0${word}${n === 1 ? "" : "s"}`;
}
