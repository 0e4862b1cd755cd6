// Goods in, by scans: find the purchase order (its PO-00042 code), scan each item, take the count,
// the lot and expiry (read from a GS1 code, asked for when the item is lot-tracked and the code had
// none), put it away into a scanned bin, and finish the receipt with the short lines listed.
//
// Pure functions over plain data, like pwa/packflow.js: the screen feeds them the pulled receipts
// with this phone's unsent ops replayed on top (receiptView) and gets back the op to queue, or the
// reason a scan was refused. A refused scan queues nothing.

import { matchesProduct } from "./pickflow.js";

const PO_CODE = /^PO-?0*([1-9][0-9]{0,9})$/i;

/**
 * receiptView(receipts, ops) → copies of the pulled POs (oldest first) with the unsent `receive` and
 * `close_receipt` ops replayed as the server counts them: a line's `qty_received` grows (oldest line
 * of the SKU first, the surplus on its last line), a SKU not on the PO is listed in `extra`, and
 * `closed` says this phone already finished the receipt. Lines an op touched get `pending: true`.
 */
export function receiptView(receipts = [], ops = []) {
  const view = receipts.map((po) => ({ ...po, lines: po.lines.map((line) => ({ ...line, pending: false })), extra: [], closed: false, reference: "" }));
  const byId = new Map(view.map((po) => [po.id, po]));
  for (const op of [...ops].sort((a, b) => a.seq - b.seq)) {
    const args = op.args ?? {};
    const po = byId.get(args.po);
    if (!po) continue;
    if (args.reference) po.reference = args.reference;
    if (op.type === "close_receipt") {
      po.closed = true;
    } else if (op.type === "receive") {
      po.closed = false; // more units after a finish: the receipt is open again on this phone
      const lines = po.lines.filter((line) => line.sku === args.sku);
      if (!lines.length) {
        const known = po.extra.find((e) => e.sku === args.sku);
        if (known) known.qty += args.qty;
        else po.extra.push({ sku: args.sku, qty: args.qty });
        continue;
      }
      let left = args.qty;
      for (const line of lines) {
        const fill = Math.min(left, Math.max(line.qty_ordered - line.qty_received, 0));
        line.qty_received += fill;
        left -= fill;
        line.pending = true;
      }
      lines[lines.length - 1].qty_received += left;
    }
  }
  for (const po of view) if (po.status === "sent" && po.lines.some((l) => l.qty_received > 0)) po.status = "receiving";
  return view.sort((a, b) => a.id - b.id);
}

/** The PO a scan names (`PO-00042`, `po-42`), or null. */
export function findReceipt(receipts, meaning) {
  const match = PO_CODE.exec((meaning.code ?? meaning.text ?? "").trim());
  if (!match) return null;
  const id = Number(match[1]);
  return receipts.find((po) => po.id === id) ?? null;
}

/** Is this scan a PO code at all (open or not)? */
export function looksLikePo(meaning) {
  return PO_CODE.test((meaning.code ?? meaning.text ?? "").trim());
}

/** `products`: barcode → GTIN, as the screen indexed them. The PO's line for a scanned item, or null. */
export function lineForScan(po, meaning, products = new Map()) {
  return po.lines.find((line) => matchesProduct(meaning, { sku: line.sku, barcodes: [...line.barcodes, ...(line.gtins ?? [])] }, products) || (meaning.gtin && (line.gtins ?? []).includes(meaning.gtin))) ?? null;
}

/** What is still to come for a line (0 when complete or over). */
export function outstanding(line) {
  return Math.max(0, line.qty_ordered - line.qty_received);
}

/** Units beyond the order if `qty` more are received now (0: none). */
export function overBy(line, qty) {
  return Math.max(0, line.qty_received + qty - line.qty_ordered);
}

/** A GS1 scan's lot and expiry (`YYYY-MM-DD`; a best-before date when the code has no expiry). */
export function lotOf(meaning) {
  return { lot: meaning.lot ?? "", expiry: meaning.expiry ?? meaning.best_before ?? null };
}

/** Whether the phone must ask for a lot: the item is lot-tracked and the code named none. */
export function needsLot(line, meaning) {
  return Boolean(line.lot_tracked) && !meaning.lot;
}

/**
 * binRefusal(meaning, notBins) → why this scan cannot be the put-away bin, or null. Any bin is taken
 * (the suggestion is advice); a dock, staging or returns location is refused, and so is a scan that
 * is not a location code at all.
 */
export function binRefusal(meaning, notBins = []) {
  const code = (meaning.code ?? meaning.text ?? "").trim();
  if (looksLikePo(meaning)) return `${code} is a purchase order, not a bin — scan the bin's label`;
  if (notBins.includes(code)) return `${code} is not a bin — put the units away into a bin`;
  if (meaning.kind !== "location_like") return `${code || "That"} is not a bin code — scan the bin's label`;
  return null;
}

/** The op for units put away into `bin`. */
export function receiveOp({ po, line, qty, lot = "", expiry = null, bin, reference = "" }) {
  const args = { po: po.id, location: bin, sku: line.sku, qty };
  if (lot) args.lot = lot;
  if (expiry) args.expiry = expiry;
  if (reference) args.reference = reference;
  return { type: "receive", args };
}

/** Lines short of what was ordered: [{sku, name, missing}]. */
export function shortLines(po) {
  return po.lines.filter((line) => outstanding(line) > 0).map((line) => ({ sku: line.sku, name: line.name, missing: outstanding(line) }));
}

/** Lines received beyond the order: [{sku, over}]. */
export function overLines(po) {
  return po.lines.filter((line) => line.qty_received > line.qty_ordered).map((line) => ({ sku: line.sku, over: line.qty_received - line.qty_ordered }));
}

export function closeOp(po, reference = "") {
  return { type: "close_receipt", args: reference ? { po: po.id, reference } : { po: po.id } };
}

/** Units received and ordered over the whole PO, for its heading. */
export function progress(po) {
  return po.lines.reduce((sum, line) => ({ ordered: sum.ordered + line.qty_ordered, received: sum.received + line.qty_received }), { ordered: 0, received: 0 });
}
