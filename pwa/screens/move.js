// Moving units between bins by scan, online or not: scan the bin they come from, scan the items (each
// unit, or once and type how many; a GS1 label's lot is read from the barcode), then scan the bin they
// go to. Each SKU and lot becomes a `move` op in the outbox. The server moves what the book holds at
// most; more than that is a discrepancy, and both bins get a count (the outcome card says so).

import { h, inTurns, show } from "../dom.js";
import * as flow from "../countflow.js";

/** moveScreen({services}) → {root, title, dispose}. */
export function moveScreen({ services }) {
  const { data, scanning } = services;
  useStyles();
  let pulled = {};
  let ops = [];
  let index = flow.catalogIndex();
  let moving = null; // {from, lines: [{sku, name, lot, qty}]}

  const prompt = h("p.walk-prompt", { role: "status", "aria-live": "polite" });
  const work = h("div.move-work");
  const pending = h("section.pending-ops", { "aria-label": "Waiting to send", hidden: true });
  // One scan at a time, each after the last has settled; one that fails is reported and the next goes on.
  const inTurn = inTurns((problem) => scanning.feedback("error", `Not recorded: ${problem.message ?? problem}`));
  const scanner = scanning.createScanner({ onScan: (scan) => inTurn(() => onScan(scan)) });
  const root = h("section.screen.move-screen", h("div.screen-head", h("h1", "Move")), services.outcomes, prompt, scanner.element, work, pending);

  async function refresh() {
    ({ pulled, ops, index } = await flow.floorBook(await data.store()));
    render();
  }

  async function onScan(scan) {
    const what = flow.whatScanned(index, scanning.interpret, scan.text);
    if (what.kind === "unknown") return scanning.feedback("error", `${what.text} is not in the catalog`);
    if (!moving) {
      if (what.kind !== "bin") return scanning.feedback("error", "Scan the bin the units come from first");
      moving = { from: what.code, lines: [] };
      scanning.feedback("ok", `From ${what.code}: scan the items`);
    } else if (what.kind === "item") {
      moving.lines = flow.addScan(moving.lines, what);
      const line = moving.lines.find((l) => l.sku === what.sku && l.lot === what.lot);
      scanning.feedback("ok", `${what.sku}${what.lot ? ` lot ${what.lot}` : ""}: ${line.qty}`);
    } else if (what.code === moving.from) {
      return scanning.feedback("error", `The units are in ${moving.from} already: scan the bin they go to`);
    } else if (!moving.lines.some((l) => l.qty > 0)) {
      return scanning.feedback("error", "Scan the items first, then the bin they go to");
    } else {
      const { from, lines } = moving;
      for (const op of flow.moveOps(from, what.code, lines)) await data.enqueue(op.type, op.args);
      const units = lines.reduce((sum, l) => sum + l.qty, 0);
      scanning.feedback("ok", `Moved ${units} ${units === 1 ? "unit" : "units"} ${from} → ${what.code}`);
      moving = null;
      await refresh();
      return;
    }
    render();
  }

  function lineRow(line, book) {
    const input = h("input.count-input", {
      type: "number", inputmode: "numeric", min: 0, value: line.qty,
      "aria-label": `Units of ${line.sku}${line.lot ? ` lot ${line.lot}` : ""} to move`,
      oninput: () => { line.qty = Math.max(0, Math.floor(Number(input.value) || 0)); },
    });
    const held = book.find((row) => row.sku === line.sku && row.lot === line.lot)?.on_hand ?? 0;
    return h(
      "li.count-line",
      { "data-sku": line.sku, "data-lot": line.lot },
      h("span.stock-main", h("strong", line.sku), line.lot && ` · lot ${line.lot}`, h("span.muted", ` ${held} on the book here`)),
      input,
    );
  }

  function render() {
    const waiting = ops.filter((op) => op.type === "count" || op.type === "move");
    pending.hidden = waiting.length === 0;
    show(pending, h("h2", "Waiting to send"), h("ul.stock-list", waiting.map((op) => h("li.stock-row", flow.opText(op)))));
    if (!moving) {
      prompt.textContent = "Scan the bin the units come from";
      show(work);
      return;
    }
    const book = flow.binBook(pulled.bin_stock, ops, moving.from);
    prompt.textContent = moving.lines.length ? "Scan more items, or the bin they go to" : `Scan the items you take from ${moving.from}`;
    show(
      work,
      h("div.walk-card", { "data-bin": moving.from }, h("div.task-where", h("span.label", "From"), h("span.location.big", moving.from))),
      h("ul.count-lines", moving.lines.map((line) => lineRow(line, book))),
      h("button.secondary.wide", { type: "button", onclick: () => { moving = null; render(); } }, "Cancel"),
    );
  }

  const unsubscribe = data.onChange(() => refresh());
  refresh();
  return {
    root,
    title: "Move",
    dispose: () => {
      unsubscribe();
      scanner.destroy?.();
    },
  };
}

const STYLES = "/static/screens/counting.css";

function useStyles() {
  if (document.querySelector(`link[href="${STYLES}"]`)) return;
  document.head.append(h("link", { rel: "stylesheet", href: STYLES }));
}
