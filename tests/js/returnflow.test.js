// Returns at the bench (pwa/returnflow.js): the pulled RMAs with this phone's pending receipts, what a
// scan finds, and the op it queues.

import assert from "node:assert/strict";
import { test } from "node:test";

import { binScan, itemScan, receiveOp, rmaForScan, rmaView } from "../../pwa/returnflow.js";

const RMA = {
  id: 4,
  code: "RMA-7KQ2MX",
  order_id: 9,
  order_ref: "WEB-9",
  customer: "Ann",
  reason: "damaged",
  status: "requested",
  package_codes: ["PKG-9-1", "JD0001"],
  lines: [{ id: 1, sku: "MUG-BLU", name: "Blue mug", barcodes: ["4006381333931"], qty_expected: 2, qty_received: 0 }],
};
const scan = (text) => ({ text, valid: true, kind: "unknown" });

test("the RMA is found by its code or by its order's package label", () => {
  assert.equal(rmaForScan([RMA], "rma-7kq2mx"), RMA);
  assert.equal(rmaForScan([RMA], "JD0001"), RMA);
  assert.equal(rmaForScan([RMA], "PKG-1-1"), null);
});

test("pending receipts count on the pulled RMA until the server's answer arrives", () => {
  const ops = [{ seq: 3, type: "return_receive", args: { rma: RMA.code, sku: "MUG-BLU", qty: 2, condition: "damaged" } }];
  const [view] = rmaView([RMA], ops);
  assert.equal(view.lines[0].qty_received, 2);
  assert.equal(view.pending, true);
  assert.equal(view.complete, true);
  assert.equal(RMA.lines[0].qty_received, 0);
});

test("an item not on the RMA is refused on the phone; one too many is let through with a warning", () => {
  assert.equal(itemScan(RMA, scan("CAP-GRN")).feedback.kind, "error");
  assert.equal(itemScan(RMA, scan("CAP-GRN")).line, undefined);
  const ok = itemScan(RMA, scan("4006381333931"));
  assert.equal(ok.line.sku, "MUG-BLU");
  assert.equal(ok.feedback.kind, "ok");
  assert.equal(itemScan(RMA, scan("MUG-BLU"), { count: 3 }).feedback.kind, "warn");
});

test("damaged units go to scrap, resellable ones to the scanned bin", () => {
  const line = RMA.lines[0];
  assert.deepEqual(receiveOp(RMA, line, 1, "damaged").args, { rma: RMA.code, sku: "MUG-BLU", qty: 1, condition: "damaged" });
  assert.equal(receiveOp(RMA, line, 1, "resellable", "B-07").args.location, "B-07");
  assert.equal(binScan(RMA, scan("B-07")).bin, "B-07");
  assert.equal(binScan(RMA, scan("MUG-BLU")).feedback.kind, "error");
  assert.equal(binScan(RMA, scan("RMA-7KQ2MX")).feedback.kind, "error");
});
