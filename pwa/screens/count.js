// Counting a bin by scan, online or not: scan the bin, scan each item (or scan once and type how many;
// a GS1 label's lot and count are read from the barcode), then "Bin done". The book's other SKUs in
// that bin are asked about one by one — "none left? count 0" — never assumed. Each SKU's count goes
// to the outbox as a `count` op; a count task assigned to this picker is answered by the count of its
// bin. The server books a count within the warehouse's tolerance at once; beyond it a supervisor
// approves it (the outcome card says so). Counting is blind: the book's quantities are not shown.

import { h, inTurns, show } from "../dom.js";
import * as flow from "../countflow.js";
import { floorTaskView } from "../roles/picker.js";

/** countScreen({services}) → {root, title, dispose}. */
export function countScreen({ services }) {
  const { data, scanning } = services;
  useStyles();
  let pulled = {};
  let ops = [];
  let index = flow.catalogIndex();
  let counting = null; // {code, task, lines: [{sku, name, lot, qty}], zeros: [{sku, lot}] | null}
  let expected = null; // the count task whose bin is to be scanned next

  const prompt = h("p.walk-prompt", { role: "status", "aria-live": "polite" });
  const work = h("div.count-work");
  const tasks = h("section.follow-ups", { "aria-label": "Count tasks for you", hidden: true });
  const pending = h("section.pending-ops", { "aria-label": "Waiting to send", hidden: true });
  // One scan at a time, each after the last has settled; one that fails is reported and the next goes on.
  const inTurn = inTurns((problem) => scanning.feedback("error", `Not recorded: ${problem.message ?? problem}`));
  const scanner = scanning.createScanner({ onScan: (scan) => inTurn(() => onScan(scan)) });
  const root = h(
    "section.screen.count-screen",
    h("div.screen-head", h("h1", "Count")),
    services.outcomes,
    prompt,
    scanner.element,
    work,
    tasks,
    pending,
  );

  async function refresh() {
    ({ pulled, ops, index } = await flow.floorBook(await data.store()));
    render();
  }

  function onScan(scan) {
    const what = flow.whatScanned(index, scanning.interpret, scan.text);
    if (!counting) {
      if (what.kind !== "bin") return scanning.feedback("error", "Scan a bin first");
      if (expected && expected.location !== what.code) return scanning.feedback("error", `Wrong bin: this count is for ${expected.location}`);
      counting = { code: what.code, task: expected, lines: [], zeros: null };
      expected = null;
      scanning.feedback("ok", `${what.code}: scan each item`);
    } else if (what.kind === "bin") {
      return scanning.feedback("error", what.code === counting.code ? `Counting ${counting.code}` : `Finish ${counting.code} first: tap Bin done`);
    } else if (what.kind === "item") {
      counting.lines = flow.addScan(counting.lines, what);
      if (counting.zeros) counting.zeros = counting.zeros.filter((z) => !(z.sku === what.sku && z.lot === what.lot));
      const line = counting.lines.find((l) => l.sku === what.sku && l.lot === what.lot);
      scanning.feedback("ok", `${what.sku}${what.lot ? ` lot ${what.lot}` : ""}: ${line.qty}`);
    } else {
      return scanning.feedback("error", `${what.text} is not in the catalog`);
    }
    render();
  }

  function binDone() {
    const book = flow.binBook(pulled.bin_stock, ops, counting.code);
    counting.zeros = flow.uncounted(book, counting.lines).map(({ sku, lot }) => ({ sku, lot }));
    // The SKU a count task asks about is answered even when the book has none of it there.
    const asked = counting.task?.sku && { sku: counting.task.sku, lot: counting.task.lot ?? "" };
    if (asked && flow.uncounted([asked], [...counting.lines, ...counting.zeros]).length) counting.zeros.push(asked);
    if (counting.zeros.length === 0) return inTurn(finish);
    render();
  }

  function confirmZero(zero) {
    counting.zeros = counting.zeros.filter((z) => z !== zero);
    const name = index.products.get(zero.sku)?.name ?? "";
    counting.lines = [...counting.lines, { sku: zero.sku, name, lot: zero.lot, qty: 0 }];
    if (counting.zeros.length === 0) return inTurn(finish);
    render();
  }

  async function finish() {
    const { code, lines, task } = counting;
    for (const op of flow.countOps(code, lines, task)) await data.enqueue(op.type, op.args);
    scanning.feedback("ok", `Counted ${lines.length === 1 ? "1 item" : `${lines.length} items`} in ${code}`);
    counting = null;
    await refresh();
  }

  function setQty(line, value) {
    line.qty = Math.max(0, Math.floor(Number(value) || 0));
  }

  function lineRow(line) {
    const input = h("input.count-input", {
      type: "number", inputmode: "numeric", min: 0, value: line.qty,
      "aria-label": `Units of ${line.sku}${line.lot ? ` lot ${line.lot}` : ""}`,
      oninput: () => setQty(line, input.value),
    });
    return h(
      "li.count-line",
      { "data-sku": line.sku, "data-lot": line.lot },
      h("span.stock-main", h("strong", line.sku), line.lot && ` · lot ${line.lot}`, h("span.muted", ` ${line.name}`)),
      input,
    );
  }

  function render() {
    const mine = floorTaskView(pulled, ops).filter((t) => t.kind === "cycle_count" && t.location && !t.pending);
    tasks.hidden = counting !== null || mine.length === 0;
    show(tasks, h("h2", "Count tasks for you"), h("ul.follow-up-list", mine.map((task) =>
      h("li.follow-up", { "data-floor-task-id": task.id },
        h("p.follow-up-what", `Count bin ${task.location}${task.sku ? ` (${task.sku})` : ""}`),
        task.note && h("p.muted", task.note),
        h("button.primary", { type: "button", onclick: () => { expected = task; render(); } }, "Count now")))));
    const waiting = ops.filter((op) => op.type === "count" || op.type === "move");
    pending.hidden = waiting.length === 0;
    show(pending, h("h2", "Waiting to send"), h("ul.stock-list", waiting.map((op) => h("li.stock-row", flow.opText(op)))));
    if (!counting) {
      prompt.textContent = expected ? `Go to ${expected.location} and scan the bin` : "Scan a bin to count it";
      show(work, expected && h("button.secondary.wide", { type: "button", onclick: () => { expected = null; render(); } }, "Not this task"));
      return;
    }
    if (counting.zeros?.length) {
      prompt.textContent = `The book has more in ${counting.code}: scan it, or confirm none is left`;
      show(work, h("ul.count-zeros", counting.zeros.map((zero) =>
        h("li.count-zero", { "data-sku": zero.sku },
          h("span.stock-main", h("strong", zero.sku), zero.lot && ` · lot ${zero.lot}`, ` — none left in ${counting.code}?`),
          h("button.primary", { type: "button", onclick: () => confirmZero(zero) }, "Count 0")))));
      return;
    }
    prompt.textContent = counting.lines.length ? `Scan the next item in ${counting.code}, or tap Bin done` : `Scan each item in ${counting.code}`;
    show(
      work,
      h("div.walk-card", { "data-bin": counting.code }, h("div.task-where", h("span.label", "Counting bin"), h("span.location.big", counting.code))),
      h("ul.count-lines", counting.lines.map(lineRow)),
      h("div.count-actions",
        h("button.primary", { type: "button", onclick: binDone }, "Bin done"),
        h("button.secondary", { type: "button", onclick: () => { counting = null; render(); } }, "Cancel")),
    );
  }

  const unsubscribe = data.onChange(() => refresh());
  refresh();
  return {
    root,
    title: "Count",
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
