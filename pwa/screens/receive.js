// Goods in, for pickers and packers: scan the purchase order (its PO-00042 code) — or the supplier's
// delivery note first, kept as the receipt's reference — then each item, its count, its lot and
// expiry (read from a GS1 code), and the bin it goes into; finish the receipt with the short lines
// listed. Every step works offline: the receipts are pulled, each receipt is an op in the outbox,
// and the lines show the pulled counts with this phone's unsent ops replayed (pwa/receiveflow.js).

import { h, show } from "../dom.js";
import * as flow from "../receiveflow.js";

const STYLES = "/static/screens/receive.css";

/** receiveScreen({services}) → {root, title, dispose}: the "Goods in" section. */
export function receiveScreen({ services }) {
  const { data, scanning } = services;
  useStyles();
  let receipts = [];
  let notBins = [];
  let poId = null; // the open PO
  let reference = ""; // the delivery note, scanned or typed
  let item = null; // {line, qty, lot, expiry, askLot} while an item is in hand
  let step = "list"; // list | po | item | bin | finish
  let overConfirmed = false;
  let note = ""; // the last thing done, shown under the heading
  const products = new Map(); // barcode → GTIN

  const body = h("div.receive-body");
  const scanner = scanning.createScanner({ onScan: (scan) => inTurn(() => handleScan(scan.text)) });
  const root = h("section.screen.receive", h("div.screen-head", h("h1", "Goods in")), services.outcomes, scanner.element, body);

  async function refresh() {
    const store = await data.store();
    const ops = [...(await store.settlingOps()), ...(await store.pendingOps())];
    receipts = flow.receiptView((await store.pulled()).receipts ?? [], ops);
    notBins = ((await store.meta("summary")) ?? {}).not_bins ?? [];
    await scanning.ready;
    for (const code of receipts.flatMap((po) => po.lines.flatMap((line) => line.barcodes))) {
      if (products.has(code)) continue;
      try {
        const gtin = scanning.interpret(code).gtin;
        if (gtin) products.set(code, gtin);
      } catch {
        // the GS1 rules are not loaded: exact matches still work
      }
    }
    if (item) item.line = currentPo()?.lines.find((line) => line.id === item.line.id) ?? item.line;
    render();
  }

  const currentPo = () => receipts.find((po) => po.id === poId) ?? null;

  let turn = Promise.resolve();
  function inTurn(work) {
    turn = turn.then(work).catch((problem) => {
      console.error("goods-in step failed", problem);
      scanning.feedback("error", `Not recorded: ${problem.message ?? problem}`);
    });
    return turn;
  }

  function meaningOf(text) {
    try {
      return scanning.interpret(text);
    } catch {
      return { text: text.trim(), code: text.trim(), kind: "unknown", valid: true };
    }
  }

  async function handleScan(text) {
    const meaning = meaningOf(text);
    if (flow.looksLikePo(meaning)) return openPo(meaning);
    const po = currentPo();
    if (!po) {
      // Not a PO: the supplier's delivery note, kept as the reference of the receipt to come.
      reference = (meaning.code ?? meaning.text).slice(0, 64);
      scanning.feedback("ok", `Delivery note ${reference} — now scan the PO code`);
      return render();
    }
    if (step === "bin" || (step === "item" && meaning.kind === "location_like" && !flow.lineForScan(po, meaning, products))) {
      return putAway(po, meaning);
    }
    const line = flow.lineForScan(po, meaning, products);
    if (!line && meaning.kind === "location_like" && !item) {
      scanning.feedback("error", `Scan an item of ${po.code} first, then the bin it goes into`);
      return;
    }
    if (!line) {
      scanning.feedback("error", `Wrong item: ${meaning.text} is not on ${po.code} — set it aside`);
      return;
    }
    const { lot, expiry } = flow.lotOf(meaning);
    const count = Number.isInteger(meaning.count) && meaning.count > 0 ? meaning.count : 1;
    if (item && item.line.id === line.id && step === "item") {
      // The same item again: one more unit (scan each unit), and a lot it names fills the gap.
      item.qty += count;
      if (lot && !item.lot) Object.assign(item, { lot, expiry: expiry ?? item.expiry });
    } else {
      item = { line, qty: count, lot, expiry, askLot: flow.needsLot(line, meaning) };
      overConfirmed = false;
    }
    step = "item";
    scanning.feedback("ok", `${line.sku} × ${item.qty}${item.lot ? ` · lot ${item.lot}` : ""}`);
    render();
  }

  function openPo(meaning) {
    const po = flow.findReceipt(receipts, meaning);
    if (!po) {
      scanning.feedback("error", `${meaning.text} is not open for receiving on this phone`);
      return;
    }
    poId = po.id;
    item = null;
    step = "po";
    note = "";
    if (!reference) reference = po.reference;
    scanning.feedback("ok", `${po.code} — ${po.supplier}: scan each item`);
    render();
  }

  async function putAway(po, meaning) {
    if (!item) return;
    if (flow.looksLikePo(meaning)) return openPo(meaning);
    const refusal = flow.binRefusal(meaning, notBins);
    if (refusal) {
      scanning.feedback("error", refusal);
      return;
    }
    if (item.askLot && !item.lot) {
      scanning.feedback("error", `${item.line.sku} needs a lot: scan its GS1 label or type the lot`);
      step = "item";
      return render();
    }
    const over = flow.overBy(item.line, item.qty);
    if (over && !overConfirmed) {
      overConfirmed = true;
      step = "bin";
      scanning.feedback("error", `${over} more than ordered — scan the bin again to receive them anyway`);
      return render();
    }
    const bin = (meaning.code ?? meaning.text).trim();
    const op = flow.receiveOp({ po, line: item.line, qty: item.qty, lot: item.lot, expiry: item.expiry, bin, reference });
    await data.enqueue(op.type, op.args);
    note = `${item.qty} × ${item.line.sku} put away to ${bin}${over ? ` (${over} over the order)` : ""}`;
    scanning.feedback(over ? "warn" : "ok", note);
    item = null;
    step = "po";
    overConfirmed = false;
    await refresh();
  }

  async function finish(po) {
    const op = flow.closeOp(po, reference);
    await data.enqueue(op.type, op.args);
    const short = flow.shortLines(po);
    note = short.length
      ? `${po.code} finished — ${short.map((s) => `${s.missing} × ${s.sku}`).join(", ")} missing; your supervisor is told`
      : `${po.code} finished — everything ordered came in`;
    scanning.feedback("ok", note);
    poId = null;
    item = null;
    step = "list";
    reference = "";
    await refresh();
  }

  // -- drawing ------------------------------------------------------------------------------------

  function render() {
    const po = currentPo();
    if (!po && step !== "list") step = "list";
    const focused = document.activeElement?.id;
    if (step === "list") show(body, listView());
    else if (step === "finish") show(body, finishView(po));
    else show(body, poView(po));
    if (focused && focused !== document.activeElement?.id) document.getElementById(focused)?.focus({ preventScroll: true });
  }

  function listView() {
    const open = receipts.filter((po) => po.status === "sent" || po.status === "receiving");
    return [
      note ? h("p.receive-note", { role: "status" }, note) : null,
      h("p.screen-sub", reference ? `Delivery note ${reference} · scan the PO code (PO-…)` : "Scan the PO code on the delivery's paperwork (PO-…), or the delivery note first."),
      open.length
        ? h("ol.receive-pos", open.map((po) => {
          const { ordered, received } = flow.progress(po);
          return h("li", h("button.receive-po", { type: "button", "data-po": po.code, onclick: () => inTurn(() => openPo({ text: po.code })) },
            h("strong", po.code), " ", po.supplier,
            h("span.receive-numbers", `${received} of ${ordered} received${po.expected_at ? ` · due ${po.expected_at}` : ""}${po.closed ? " · finished here" : ""}`)));
        }))
        : h("div.empty", h("p.empty-title", "No deliveries expected"), h("p", "Purchase orders sent to suppliers appear here.")),
    ];
  }

  function poView(po) {
    const { ordered, received } = flow.progress(po);
    return [
      h("div.receive-head", h("h2", po.code, " · ", po.supplier), h("p.receive-numbers", `${received} of ${ordered} received`)),
      note ? h("p.receive-note", { role: "status" }, note) : null,
      h("label.receive-ref", "Delivery note",
        h("input#receive-reference", { type: "text", value: reference, maxlength: 64, autocomplete: "off", oninput: (e) => { reference = e.target.value.trim(); } })),
      item ? itemView(po) : h("p.receive-prompt", "Scan an item"),
      h("ol.receive-lines", { "aria-label": `Lines of ${po.code}` }, po.lines.map(lineRow)),
      po.extra.length ? h("p.receive-extra", `Not on the PO, booked anyway: ${po.extra.map((e) => `${e.qty} × ${e.sku}`).join(", ")}`) : null,
      h("div.receive-actions",
        h("button.secondary", { type: "button", onclick: () => { poId = null; item = null; step = "list"; render(); } }, "Other PO"),
        h("button.primary", { type: "button", onclick: () => { item = null; step = "finish"; render(); } }, "Finish receipt")),
    ];
  }

  function lineRow(line) {
    const state = line.qty_received > line.qty_ordered ? "over" : line.qty_received === line.qty_ordered ? "done" : "open";
    return h(`li.receive-line.${state}`, { "data-sku": line.sku },
      h("span.receive-sku", h("strong", line.sku), " ", line.name),
      h("span.receive-count", `${line.qty_received} / ${line.qty_ordered}`, line.pending ? " · not sent yet" : ""),
      h("span.receive-bin", line.put_away.length ? `Put away: ${line.put_away.join(", ")}` : "Put away: any empty bin"));
  }

  function itemView(po) {
    const { line } = item;
    const over = flow.overBy(line, item.qty);
    const suggested = line.put_away[0];
    return h("section.receive-item", { "aria-label": "Item in hand" },
      h("p.receive-item-title", h("strong", line.sku), ` — ${line.name}`),
      h("p", `Expected ${line.qty_ordered}, received ${line.qty_received}; ${flow.outstanding(line)} to come`),
      h("label", "Count",
        h("input#receive-qty", { type: "number", min: 1, max: 1_000_000, inputmode: "numeric", value: item.qty,
          oninput: (e) => { const n = Number(e.target.value); if (Number.isInteger(n) && n > 0) { item.qty = n; overConfirmed = false; render(); } } })),
      h("div.receive-lot",
        h("label", "Lot", h("input#receive-lot", { type: "text", maxlength: 32, value: item.lot, placeholder: item.askLot ? "needed: scan or type" : "none", oninput: (e) => { item.lot = e.target.value.trim(); } })),
        h("label", "Expiry", h("input#receive-expiry", { type: "date", value: item.expiry ?? "", onchange: (e) => { item.expiry = e.target.value || null; } }))),
      item.askLot && !item.lot ? h("p.receive-warning", { role: "alert" }, `${line.sku} is lot-tracked and this code had no lot: scan the GS1 label or type the lot.`) : null,
      over ? h("p.receive-warning", { role: "alert" }, `${over} more than ordered — the supervisor will be told.`) : null,
      h("p.receive-putaway", suggested ? `Put away to ${suggested}` : "Put away to an empty bin", h("span", " · scan the bin")),
      overConfirmed ? h("button.primary.wide", { type: "button", onclick: () => inTurn(() => putAway(po, { text: suggested ?? "", code: suggested ?? "", kind: "location_like" })) }, `Receive anyway into ${suggested ?? "the bin"}`) : null,
      h("button.secondary.wide", { type: "button", onclick: () => { item = null; step = "po"; render(); } }, "Cancel this item"));
  }

  function finishView(po) {
    const short = flow.shortLines(po);
    const over = flow.overLines(po);
    return [
      h("h2", `Finish ${po.code}?`),
      short.length
        ? h("section.receive-short", h("p", "Short of the order — your supervisor will be told:"),
          h("ul", short.map((s) => h("li", `${s.missing} × ${s.sku} missing (${s.name})`))))
        : h("p", "Every line has what was ordered."),
      over.length ? h("p.receive-warning", `Over the order: ${over.map((o) => `${o.over} × ${o.sku}`).join(", ")}`) : null,
      h("button.primary.wide", { type: "button", onclick: () => inTurn(() => finish(po)) }, short.length ? `Finish with ${short.length} short` : "Finish receipt"),
      h("button.secondary.wide", { type: "button", onclick: () => { step = "po"; render(); } }, "Keep receiving"),
    ];
  }

  const stop = data.onChange(() => refresh());
  // A scan in the first moments waits for the expected deliveries to be read back from the phone.
  inTurn(refresh);
  return {
    root,
    title: "Goods in",
    dispose() {
      stop?.();
      scanner.destroy?.();
    },
  };
}

function useStyles() {
  if (document.querySelector(`link[href="${STYLES}"]`)) return;
  document.head.append(h("link", { rel: "stylesheet", href: STYLES }));
}

export default receiveScreen;
