// Goods in by scans (pwa/receiveflow.js): unsent receipts replayed on the pulled POs as the server
// counts them, items matched by SKU, barcode or GTIN, over- and under-receipts, the bin rule.

import assert from "node:assert/strict";
import { test } from "node:test";

import * as flow from "../../pwa/receiveflow.js";

const pulled = () => [
  {
    id: 42,
    code: "PO-00042",
    status: "sent",
    supplier: "Acme",
    supplier_code: "ACME",
    expected_at: null,
    lines: [
      { id: 1, line_no: 1, sku: "SKU-A", name: "Mug", barcodes: ["4006381333931"], gtins: ["04006381333931"], qty_ordered: 10, qty_received: 2, lot_tracked: false, put_away: ["A-01"] },
      { id: 2, line_no: 2, sku: "SKU-C", name: "Milk", barcodes: ["INT-SKU-C"], gtins: [], qty_ordered: 4, qty_received: 0, lot_tracked: true, put_away: ["A-04"] },
    ],
  },
];
let seq = 0;
const receive = (args) => ({ seq: ++seq, type: "receive", args: { po: 42, ...args } });

test("unsent receipts count on the PO's lines the way the server counts them", () => {
  const [po] = flow.receiptView(pulled(), [receive({ sku: "SKU-A", qty: 5, location: "A-01" }), receive({ sku: "SKU-C", qty: 6, location: "A-04" })]);
  assert.equal(po.status, "receiving");
  assert.deepEqual(po.lines.map((l) => [l.qty_received, l.pending]), [[7, true], [6, true]]);
  assert.deepEqual(flow.overLines(po), [{ sku: "SKU-C", over: 2 }]);
  assert.deepEqual(flow.shortLines(po), [{ sku: "SKU-A", name: "Mug", missing: 3 }]);
  assert.deepEqual(flow.progress(po), { ordered: 14, received: 13 });
});

test("a SKU not on the PO is listed apart; another PO's ops change nothing", () => {
  const [po] = flow.receiptView(pulled(), [receive({ sku: "SKU-B", qty: 2 }), receive({ sku: "SKU-B", qty: 1 }), { seq: 99, type: "receive", args: { po: 7, sku: "SKU-A", qty: 9 } }]);
  assert.deepEqual(po.extra, [{ sku: "SKU-B", qty: 3 }]);
  assert.equal(po.lines[0].qty_received, 2);
});

test("a finished receipt is marked closed, with the delivery note it was finished with", () => {
  const [po] = flow.receiptView(pulled(), [receive({ sku: "SKU-A", qty: 1, reference: "DN-9" }), { seq: ++seq, type: "close_receipt", args: { po: 42, reference: "DN-9" } }]);
  assert.equal(po.closed, true);
  assert.equal(po.reference, "DN-9");
  assert.deepEqual(flow.closeOp(po, "DN-9"), { type: "close_receipt", args: { po: 42, reference: "DN-9" } });
});

test("the PO is found by its printed code, with or without its zeros", () => {
  const receipts = pulled();
  assert.equal(flow.findReceipt(receipts, { text: "PO-00042" }).id, 42);
  assert.equal(flow.findReceipt(receipts, { text: "po-42" }).id, 42);
  assert.equal(flow.findReceipt(receipts, { text: "PO-00043" }), null);
  assert.equal(flow.looksLikePo({ text: "PO-00043" }), true);
  assert.equal(flow.looksLikePo({ text: "DN-778" }), false);
});

test("an item is recognised by SKU, printed barcode or the GTIN inside a GS1-128 label; a wrong one is not", () => {
  const [po] = pulled();
  const products = new Map([["4006381333931", "04006381333931"]]);
  assert.equal(flow.lineForScan(po, { text: "SKU-C" }, products).id, 2);
  assert.equal(flow.lineForScan(po, { text: "4006381333931", gtin: "04006381333931" }, products).id, 1);
  const gs1 = { text: "]C10104006381333931 10L-77", kind: "gs1", gtin: "04006381333931", lot: "L-77", expiry: "2027-03-31" };
  assert.equal(flow.lineForScan(po, gs1, products).id, 1);
  assert.deepEqual(flow.lotOf(gs1), { lot: "L-77", expiry: "2027-03-31" });
  assert.equal(flow.lineForScan(po, { text: "INT-SKU-B" }, products), null);
});

test("a lot-tracked item scanned without a lot asks for one", () => {
  const [po] = pulled();
  assert.equal(flow.needsLot(po.lines[1], { text: "INT-SKU-C" }), true);
  assert.equal(flow.needsLot(po.lines[1], { text: "x", lot: "B1" }), false);
  assert.equal(flow.needsLot(po.lines[0], { text: "4006381333931" }), false);
});

test("over-receipt is known before the op is queued", () => {
  const [po] = pulled();
  assert.equal(flow.overBy(po.lines[0], 8), 0);
  assert.equal(flow.overBy(po.lines[0], 9), 1);
  assert.equal(flow.outstanding(po.lines[0]), 8);
});

test("any bin takes the units; a dock, a PO code or an item code does not", () => {
  assert.equal(flow.binRefusal({ text: "A-06", code: "A-06", kind: "location_like" }, ["DOCK-1"]), null);
  assert.match(flow.binRefusal({ text: "DOCK-1", code: "DOCK-1", kind: "location_like" }, ["DOCK-1"]), /not a bin/);
  assert.match(flow.binRefusal({ text: "PO-00042", code: "PO-00042", kind: "location_like" }), /purchase order/);
  assert.match(flow.binRefusal({ text: "4006381333931", kind: "ean13" }), /not a bin code/);
});

test("the receive op carries the PO, the bin, the lot and expiry, and the delivery note", () => {
  const [po] = pulled();
  assert.deepEqual(flow.receiveOp({ po, line: po.lines[1], qty: 3, lot: "L-1", expiry: "2027-01-31", bin: "A-04", reference: "DN-778" }), {
    type: "receive",
    args: { po: 42, location: "A-04", sku: "SKU-C", qty: 3, lot: "L-1", expiry: "2027-01-31", reference: "DN-778" },
  });
  assert.deepEqual(flow.receiveOp({ po, line: po.lines[0], qty: 1, bin: "A-01" }).args, { po: 42, location: "A-01", sku: "SKU-A", qty: 1 });
});
