// The pack bench without a browser: pwa/packflow.js replays unsent ops over the pulled orders and
// decides what a scan may pack, seal or ship. A refused scan never yields an op.

import assert from "node:assert/strict";
import { test } from "node:test";

import * as pack from "../../pwa/packflow.js";

const line = (id, sku, qtyPicked, extra = {}) => ({
  id, line_no: id, sku, name: `Product ${sku}`, barcodes: [`EAN-${sku}`], qty: qtyPicked, qty_picked: qtyPicked, packed: 0, status: "picked", ...extra,
});
const order = (id, lines, extra = {}) => ({
  id, external_ref: `WEB-${id}`, status: "picked", promised_at: null, created_at: `2026-11-2${id}T08:00:00Z`, customer: "Ann",
  totes: [`TOTE-${id}`], lines, packages: [], ...extra,
});
const bench = () => [order(1, [line(11, "TEE", 3), line(12, "MUG", 1)]), order(2, [line(21, "CAP", 2)])];
const scan = (text, extra = {}) => ({ text, kind: "unknown", valid: true, ...extra });
const packOp = (seq, lineId, sku, qty, pkg) => ({ seq, type: "pack", args: { order_line_id: lineId, sku, qty, package: pkg } });
const sealOp = (seq, pkg, type = "BOX-M", weight = 900) => ({ seq, type: "seal", args: { package: pkg, package_type: type, weight_g: weight } });
const TYPES = [{ id: 1, code: "BOX-M", name: "Box M", max_weight_g: 5000 }];

test("the pulled orders are copied, never changed, and sorted oldest promise first", () => {
  const pulled = [order(1, [line(11, "TEE", 1)]), order(2, [line(21, "CAP", 1)], { promised_at: "2026-11-27T15:00:00Z" })];
  const before = JSON.stringify(pulled);
  const view = pack.benchView(pulled, [packOp(1, 11, "TEE", 1, "PK-1-1")]);
  assert.equal(JSON.stringify(pulled), before);
  assert.deepEqual(view.map((o) => o.id), [2, 1]);
});

test("pending packs fill the package and the line; the last unit makes the order packed", () => {
  const view = pack.benchView(bench(), [packOp(1, 11, "TEE", 2, "PK-1-1"), packOp(2, 12, "MUG", 1, "PK-1-1")]);
  const one = view.find((o) => o.id === 1);
  assert.deepEqual(one.packages.map((p) => [p.code, p.items, p.pending]), [["PK-1-1", { 11: 2, 12: 1 }, true]]);
  assert.equal(one.status, "picked");
  const done = pack.benchView(bench(), [packOp(1, 11, "TEE", 2, "PK-1-1"), packOp(2, 12, "MUG", 1, "PK-1-1"), packOp(3, 11, "TEE", 1, "PK-1-2")]);
  assert.equal(done.find((o) => o.id === 1).status, "packed");
});

test("replay leaves out what the server would refuse: over-pack, a sealed package, a stopped order", () => {
  const sealed = bench();
  sealed[0].packages.push({ code: "PK-1-1", status: "open", sealed: true, package_type: "BOX-M", weight_g: 500, tracking_number: "", items: { 11: 1 } });
  sealed[0].lines[0].packed = 1;
  const view = pack.benchView(sealed, [packOp(1, 11, "TEE", 1, "PK-1-1"), packOp(2, 11, "TEE", 5, "PK-1-2")]);
  assert.equal(view[0].lines[0].packed, 1);
  assert.equal(view[0].packages.length, 1);
  const cancelled = pack.benchView([order(1, [line(11, "TEE", 1)], { status: "cancelled" })], [packOp(1, 11, "TEE", 1, "PK-1-1")]);
  assert.equal(cancelled[0].packages.length, 0);
});

test("a pending seal closes the package; an empty package cannot be sealed", () => {
  const view = pack.benchView(bench(), [packOp(1, 11, "TEE", 1, "PK-1-1"), sealOp(2, "PK-1-1"), sealOp(3, "PK-1-9")]);
  const pkg = view.find((o) => o.id === 1).packages[0];
  assert.deepEqual([pkg.sealed, pkg.package_type, pkg.weight_g], [true, "BOX-M", 900]);
  assert.equal(view.find((o) => o.id === 1).packages.length, 1);
});

test("package numbers: the next free number among the order's packages, pending ones included", () => {
  const [one] = pack.benchView(bench(), []);
  assert.equal(pack.openPackage(one).code, "PK-1-1");
  assert.equal(pack.openPackage(one).fresh, true);
  const [packing] = pack.benchView(bench(), [packOp(1, 11, "TEE", 1, "PK-1-1")]);
  assert.deepEqual([pack.openPackage(packing).code, pack.openPackage(packing).fresh], ["PK-1-1", false]);
  const [sealed] = pack.benchView(bench(), [packOp(1, 11, "TEE", 1, "PK-1-1"), sealOp(2, "PK-1-1")]);
  assert.deepEqual([pack.openPackage(sealed).code, pack.openPackage(sealed).number], ["PK-1-2", 2]);
  const odd = { ...order(7, []), packages: [{ code: "PK-7-4", items: {}, sealed: true, status: "open" }, { code: "X", items: {}, sealed: true, status: "open" }] };
  assert.equal(pack.nextPackageCode(odd), "PK-7-5");
});

test("a scanned item goes into the open package, by barcode or SKU, counted as typed", () => {
  const orders = pack.benchView(bench(), []);
  const result = pack.packScan(orders, orders[0], scan("EAN-TEE"), { count: 2 });
  assert.deepEqual(result.op, { type: "pack", args: { order_line_id: 11, sku: "TEE", qty: 2, package: "PK-1-1" } });
  assert.equal(result.feedback.kind, "ok");
  assert.match(result.feedback.text, /1 to go/);
  assert.equal(pack.packScan(orders, orders[0], scan("mug")).op.args.order_line_id, 12);
});

test("a GTIN inside a GS1 code matches the line's EAN-13", () => {
  const orders = [order(1, [line(11, "TEE", 2, { barcodes: ["4006381333931"] })])];
  const products = new Map([["4006381333931", "04006381333931"]]);
  const gs1 = scan("0104006381333931", { kind: "gs1", gtin: "04006381333931" });
  assert.equal(pack.packScan(orders, orders[0], gs1, { products }).op.args.qty, 1);
});

test("a wrong item, an item of another order and one too many are refused, with nothing to queue", () => {
  const orders = pack.benchView(bench(), [packOp(1, 12, "MUG", 1, "PK-1-1")]);
  const wrong = pack.packScan(orders, orders[0], scan("NOPE"));
  assert.equal(wrong.op, undefined);
  assert.equal(wrong.feedback.kind, "error");
  assert.match(wrong.feedback.text, /Wrong item NOPE/);
  const other = pack.packScan(orders, orders[0], scan("EAN-CAP"));
  assert.equal(other.op, undefined);
  assert.match(other.feedback.text, /belongs to order WEB-2/);
  const extra = pack.packScan(orders, orders[0], scan("EAN-MUG"));
  assert.equal(extra.op, undefined);
  assert.match(extra.feedback.text, /One too many/);
  const tooMany = pack.packScan(orders, orders[0], scan("EAN-TEE"), { count: 4 });
  assert.equal(tooMany.op, undefined);
  assert.match(tooMany.feedback.text, /only 3 × TEE left/);
});

test("a cancelled or held order takes no scan at all", () => {
  const held = [order(1, [line(11, "TEE", 1)], { status: "on_hold" })];
  assert.match(pack.packScan(held, held[0], scan("TEE")).feedback.text, /is on hold/);
  assert.equal(pack.sealScan(held[0], TYPES, "BOX-M", { grams: 5 }).op, undefined);
  const [one] = pack.benchView([{ ...held[0], status: "picked", packages: [{ code: "PK-1-1", status: "open", sealed: true, items: { 11: 1 } }] }], []);
  assert.equal(pack.shipScan([{ ...one, status: "cancelled" }], scan("PK-1-1"), "dhl").op, undefined);
});

test("orders are found by tote or by ORD- code", () => {
  const orders = bench();
  assert.equal(pack.orderForScan(orders, scan("tote-2", { kind: "tote", code: "TOTE-2" })).id, 2);
  assert.equal(pack.orderForScan(orders, scan("ORD-1", { kind: "order_like", order_id: 1 })).id, 1);
  assert.equal(pack.orderForScan(orders, scan("ORD-9", { kind: "order_like", order_id: 9 })), null);
});

test("weights in grams or kilograms, validated", () => {
  assert.deepEqual(pack.parseWeight("850", "g"), { grams: 850 });
  assert.deepEqual(pack.parseWeight("1,25", "kg"), { grams: 1250 });
  assert.ok(pack.parseWeight("", "g").error);
  assert.ok(pack.parseWeight("abc", "g").error);
  assert.ok(pack.parseWeight("0", "g").error);
  assert.ok(pack.parseWeight("101", "kg").error);
});

test("sealing needs items, a known type and a weight; over the type's limit it warns but seals", () => {
  const [fresh] = pack.benchView(bench(), []);
  assert.match(pack.sealScan(fresh, TYPES, "BOX-M", { grams: 500 }).feedback.text, /empty/);
  const [one] = pack.benchView(bench(), [packOp(1, 11, "TEE", 1, "PK-1-1")]);
  assert.equal(pack.sealScan(one, TYPES, "", { grams: 500 }).op, undefined);
  assert.equal(pack.sealScan(one, TYPES, "BOX-M", pack.parseWeight("", "g")).op, undefined);
  assert.deepEqual(pack.sealScan(one, TYPES, "BOX-M", { grams: 500 }).op, { type: "seal", args: { package: "PK-1-1", package_type: "BOX-M", weight_g: 500 } });
  const heavy = pack.sealScan(one, TYPES, "BOX-M", { grams: 6000 });
  assert.deepEqual([heavy.op.args.weight_g, heavy.feedback.kind], [6000, "warn"]);
});

test("an order is finished when every picked unit is in a sealed package", () => {
  const ops = [packOp(1, 11, "TEE", 3, "PK-1-1"), packOp(2, 12, "MUG", 1, "PK-1-1")];
  assert.equal(pack.isFinished(pack.benchView(bench(), ops)[0]), false);
  assert.equal(pack.isFinished(pack.benchView(bench(), [...ops, sealOp(3, "PK-1-1")])[0]), true);
});

test("at the dock only sealed packages are handed over, once", () => {
  const ops = [packOp(1, 11, "TEE", 1, "PK-1-1"), sealOp(2, "PK-1-1"), packOp(3, 11, "TEE", 1, "PK-1-2")];
  const orders = pack.benchView(bench(), ops);
  assert.equal(pack.shipScan(orders, scan("pk-1-1"), "").op, undefined);
  assert.deepEqual(pack.shipScan(orders, scan("pk-1-1"), "dhl").op, { type: "ship", args: { package: "PK-1-1", carrier: "dhl" } });
  assert.match(pack.shipScan(orders, scan("PK-1-2"), "dhl").feedback.text, /not sealed/);
  assert.match(pack.shipScan(orders, scan("PK-9-9"), "dhl").feedback.text, /Unknown package/);
  const shipped = pack.benchView(bench(), [...ops, { seq: 4, type: "ship", args: { package: "PK-1-1", carrier: "dhl" } }]);
  assert.equal(pack.shipScan(shipped, scan("PK-1-1"), "dhl").feedback.kind, "warn");
});

test("promises read as the packer says them", () => {
  const now = new Date(2026, 10, 26, 10, 0);
  assert.equal(pack.promiseText(null, now), "");
  assert.equal(pack.promiseText(new Date(2026, 10, 26, 9, 0).toISOString(), now), "late");
  assert.equal(pack.promiseText(new Date(2026, 10, 26, 17, 0).toISOString(), now), "due today 17:00");
  assert.equal(pack.promiseText(new Date(2026, 10, 27, 9, 5).toISOString(), now), "due tomorrow 09:05");
  assert.equal(pack.promiseText(new Date(2026, 11, 3, 12, 0).toISOString(), now), "due 3 Dec 12:00");
});
