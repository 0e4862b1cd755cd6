// Returns at the packer's bench: a parcel comes back, the packer scans its RMA slip (or the label of
// the order's own package), then each item, says whether it can be sold again, and scans the bin for
// the resellable ones. Every receipt goes to the outbox first and is replayed over the pulled RMAs
// (pwa/returnflow.js), so the screen moves the moment a scan lands, with or without network.

import { h, show } from "../dom.js";
import * as flow from "../returnflow.js";

const STYLES = "/static/screens/returns.css";
const REASONS = {
  damaged: "damaged",
  wrong_item: "wrong item sent",
  not_as_described: "not as described",
  no_longer_needed: "no longer needed",
  late: "arrived late",
  other: "other reason",
};

/** returnsScreen({services}) → {root, title, dispose}: the packer's Returns tab. */
export function returnsScreen({ services }) {
  const { data, scanning, outcomes } = services;
  useStyles();
  let rmas = [];
  let current = null; // the code of the RMA being received
  let item = null; // {line, units}: scanned, waiting for its condition
  let resellable = false; // the condition was "resellable": waiting for the bin
  let count = 1;
  const products = new Map();

  const body = h("div.returns-body");
  const root = h("section.screen.returns", h("div.screen-head", h("h1", "Returns")), outcomes, body);
  const scanner = scanning.createScanner({ onScan: (scan) => inTurn(() => handleScan(scan)) });

  async function refresh() {
    const view = await data.view();
    rmas = flow.rmaView(view.returns?.rmas ?? [], view.returns?.ops ?? []);
    await scanning.ready;
    for (const rma of rmas) indexBarcodes(rma.lines);
    render();
  }

  function indexBarcodes(lines) {
    for (const code of lines.flatMap((line) => line.barcodes)) {
      if (products.has(code)) continue;
      try {
        const gtin = scanning.interpret(code).gtin;
        if (gtin) products.set(code, gtin);
      } catch {
        // rules not loaded: exact matches still work
      }
    }
  }

  const rma = () => rmas.find((r) => r.code === current) ?? null;

  let turn = Promise.resolve();
  function inTurn(work) {
    turn = turn.then(work).catch((problem) => {
      console.error("return step failed", problem);
      scanning.feedback("error", `Not recorded: ${problem.message ?? problem}`);
    });
    return turn;
  }

  function meaningOf(text) {
    try {
      return scanning.interpret(text);
    } catch {
      return { text: text.trim(), kind: "unknown", valid: true };
    }
  }

  async function handleScan(scan) {
    const meaning = meaningOf(scan.text);
    const open = rma();
    if (open && item && resellable) {
      const result = flow.binScan(open, meaning, products);
      scanning.feedback(result.feedback.kind, result.feedback.text);
      if (result.bin) await queue(flow.receiveOp(open, item.line, item.units, "resellable", result.bin));
      return;
    }
    const named = flow.rmaForScan(rmas, meaning.text);
    if (named) return start(named);
    if (!open) return scanning.feedback("error", `${meaning.text} is not a return waiting here — scan the RMA slip or the parcel's label`);
    const result = flow.itemScan(open, meaning, { count, products });
    scanning.feedback(result.feedback.kind, result.feedback.text);
    if (result.line) {
      item = { line: result.line, units: result.units };
      resellable = false;
      render();
    }
  }

  function start(found) {
    current = found.code;
    item = null;
    resellable = false;
    count = 1;
    scanning.feedback("ok", `${found.code} · order ${found.order_ref} — scan each item`);
    render();
  }

  async function queue(op) {
    await data.enqueue(op.type, op.args);
    item = null;
    resellable = false;
    count = 1;
    await refresh();
  }

  function choose(condition) {
    const open = rma();
    if (!open || !item) return;
    if (condition === "damaged") {
      scanning.feedback("ok", `${item.units} × ${item.line.sku} to scrap`);
      inTurn(() => queue(flow.receiveOp(open, item.line, item.units, "damaged")));
      return;
    }
    resellable = true;
    render();
  }

  // -- drawing ------------------------------------------------------------------------------------

  function render() {
    const open = rma();
    show(body, open ? receiving(open) : waiting());
  }

  function waiting() {
    const list = rmas.filter((r) => !r.complete);
    return [
      h("p.screen-sub", list.length ? "Scan the RMA slip in the parcel, or the label of the order's package." : "No returns expected."),
      scanner.element,
      list.length
        ? h("ol.rma-list", list.map((r) => h("li",
          h("button.secondary.rma-open", { type: "button", "data-rma": r.code, onclick: () => start(r) },
            h("strong", r.code), h("span", `Order ${r.order_ref} · ${r.customer}`),
            h("span.muted", `${REASONS[r.reason] ?? r.reason} · ${units(left(r))} to come${r.pending ? " · not sent yet" : ""}`)))))
        : h("div.empty", h("p.empty-title", "Nothing to receive"), h("p", "RMAs a supervisor opens appear here.")),
    ];
  }

  function receiving(open) {
    const prompt = !item
      ? open.complete ? `${open.code} is complete — scan the next parcel` : "Scan each item"
      : resellable ? `Scan the bin for ${item.units} × ${item.line.sku}` : `${item.units} × ${item.line.sku}: can it be sold again?`;
    return [
      h("div.walk-head", h("button.secondary", { type: "button", onclick: () => { current = null; item = null; render(); } }, "Returns"),
        h("span.walk-progress", `${open.code} · ${open.order_ref}`)),
      h("p.muted", `${open.customer} · ${REASONS[open.reason] ?? open.reason}`),
      h("p.walk-prompt", { role: "status" }, prompt),
      scanner.element,
      item && !resellable && h("div.conditions", { role: "group", "aria-label": "Condition" },
        h("button.primary.condition-resellable", { type: "button", onclick: () => choose("resellable") }, "Resellable"),
        h("button.secondary.condition-damaged", { type: "button", onclick: () => choose("damaged") }, "Damaged")),
      item && h("button.secondary.wide", { type: "button", onclick: () => { item = null; resellable = false; render(); } }, "Set this item aside"),
      !item && h("div.count", h("span.label", "Units per scan ×"),
        h("button.secondary.step", { type: "button", "aria-label": "One less", onclick: () => { count = Math.max(1, count - 1); render(); } }, "−"),
        h("output.count-input", { "aria-label": "Units per scan" }, String(count)),
        h("button.secondary.step", { type: "button", "aria-label": "One more", onclick: () => { count += 1; render(); } }, "+")),
      h("ol.rma-lines", open.lines.map((line) => h(`li.rma-line${flow.toCome(line) ? "" : ".done"}${item?.line.id === line.id ? ".current" : ""}`,
        { "data-sku": line.sku },
        h("strong.sku", line.sku), h("span.rma-qty", `${line.qty_received} of ${line.qty_expected}${line.pending ? " · not sent yet" : ""}`),
        h("span.product", line.name)))),
    ];
  }

  const unsubscribe = data.onChange(() => refresh());
  refresh();
  return {
    root,
    title: "Returns",
    dispose: () => {
      unsubscribe();
      scanner.destroy?.();
    },
  };
}

function left(rma) {
  return rma.lines.reduce((sum, line) => sum + flow.toCome(line), 0);
}

function units(n) {
  return `${n}\u00a0unit${n === 1 ? "" : "s"}`;
}

function useStyles() {
  if (document.querySelector(`link[href="${STYLES}"]`)) return;
  document.head.append(h("link", { rel: "stylesheet", href: STYLES }));
}
