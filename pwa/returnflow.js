// Returns at the bench, by scans: find the RMA (its code from the slip, or the code or tracking number
// on the order's own package label), scan each item, say whether it can be sold again, and for a
// resellable one scan the bin it goes to.
//
// Pure functions over plain data, like pwa/packflow.js: the screen feeds them the pulled RMAs with
// this phone's unsent receipts replayed on top (rmaView) and gets back the op to queue, or the reason
// the scan was refused. A refused scan queues nothing: the item is set aside, not booked.

import { matchesProduct } from "./pickflow.js";

/**
 * rmaView(rmas, ops) → copies of the pulled RMAs with the pending return_receive ops counted in each
 * line's qty_received (the server would take them, extra units included, as an adjusted outcome).
 * Lines and RMAs an op touched get `pending: true`.
 */
export function rmaView(rmas = [], ops = []) {
  const view = rmas.map((rma) => ({ ...rma, pending: false, lines: rma.lines.map((line) => ({ ...line, pending: false })) }));
  for (const op of [...ops].sort((a, b) => a.seq - b.seq)) {
    const args = op.args ?? {};
    const rma = view.find((r) => r.code === args.rma);
    const line = rma?.lines.find((l) => l.sku === args.sku);
    if (!line) continue;
    line.qty_received += args.qty;
    line.pending = rma.pending = true;
  }
  for (const rma of view) rma.complete = rma.lines.every((line) => line.qty_received >= line.qty_expected);
  return view.sort((a, b) => a.id - b.id);
}

const same = (a, b) => String(a).trim().toUpperCase() === String(b).trim().toUpperCase();

/** The RMA a scan names: its own code, or the code or tracking number of one of its order's packages. */
export function rmaForScan(rmas, text) {
  return rmas.find((rma) => same(rma.code, text)) ?? rmas.find((rma) => rma.package_codes.some((code) => same(code, text))) ?? null;
}

/** Units of the line still expected back. */
export function toCome(line) {
  return Math.max(0, line.qty_expected - line.qty_received);
}

/**
 * An item scanned for `rma`: {line, feedback} for an item on it, or {feedback} alone when refused
 * (the error tone). `products`: barcode → GTIN, for codes the label prints in another form.
 */
export function itemScan(rma, scan, { count = 1, products = null } = {}) {
  if (!scan.valid) return refuse(`Can't read that code: ${scan.error}`);
  const line = rma.lines.find((l) => matchesProduct(scan, l, products));
  if (!line) return refuse(`Wrong item ${scan.text} — not on ${rma.code}. Set it aside for your supervisor`);
  const units = scan.count > 0 ? scan.count : count;
  const extra = units > toCome(line);
  return {
    line,
    units,
    feedback: extra
      ? { kind: "warn", text: `${units} × ${line.sku}: more than ${rma.code} expects (${toCome(line)} left) — your supervisor will be told` }
      : { kind: "ok", text: `${units} × ${line.sku} — resellable or damaged?` },
  };
}

/** The op for units inspected: damaged ones go to scrap at once, resellable ones need their bin. */
export function receiveOp(rma, line, units, condition, bin = null) {
  const args = { rma: rma.code, sku: line.sku, qty: units, condition };
  if (condition === "resellable") args.location = bin;
  return { type: "return_receive", args };
}

/** A scan meant as the bin for resellable units: anything but the RMA's own codes or an item. */
export function binScan(rma, scan, products = null) {
  if (!scan.valid) return refuse(`Can't read that code: ${scan.error}`);
  if (rmaForScan([rma], scan.text)) return refuse("That is the return's code — scan the bin the items go to");
  if (rma.lines.some((l) => matchesProduct(scan, l, products))) return refuse("That is an item — scan the bin label");
  return { bin: String(scan.code ?? scan.text).trim(), feedback: { kind: "ok", text: `Into ${String(scan.text).trim()}` } };
}

function refuse(text) {
  return { feedback: { kind: "error", text } };
}
