// Counting and moving by scan (pwa/countflow.js): what a scan names offline, the book of a bin with
// this phone's unsent counts and moves replayed, the SKUs a count must still ask "0?" about.

import assert from "node:assert/strict";
import { test } from "node:test";

import { addScan, binBook, catalogIndex, countOps, floorBook, moveOps, opText, uncounted, whatIs, whatScanned } from "../../pwa/countflow.js";

const catalog = [
  { id: 1, sku: "TEE-RED", name: "Tee", barcodes: ["4006381333931", "04006381333931"], active: true },
  { id: 2, sku: "MUG-BLU", name: "Mug", barcodes: ["INT-MUG"], active: true },
  { id: 3, sku: "OLD-1", name: "Gone", barcodes: ["OLD"], active: false },
];
const bins = [{ id: 1, code: "A-01", kind: "bin" }, { id: 2, code: "A-02", kind: "bin" }];
const index = catalogIndex(catalog, bins);

test("a scan names a bin, an item by GTIN, SKU or internal code, with the GS1 lot and count; else unknown", () => {
  assert.deepEqual(whatIs(index, { text: "A-01" }), { kind: "bin", code: "A-01" });
  const gs1 = whatIs(index, { text: "(01)04006381333931(10)L7(30)12", gtin: "04006381333931", lot: "L7", count: 12 });
  assert.deepEqual(gs1, { kind: "item", sku: "TEE-RED", name: "Tee", lot: "L7", count: 12 });
  assert.equal(whatIs(index, { text: "MUG-BLU" }).sku, "MUG-BLU");
  assert.equal(whatIs(index, { text: "INT-MUG" }).sku, "MUG-BLU");
  assert.equal(whatIs(index, { text: "OLD" }).kind, "unknown"); // a product out of use is not counted into a bin
  assert.equal(whatIs(index, { text: "B-99" }).kind, "unknown");
});

test("the book of a bin replays unsent counts and moves over the pulled rows", () => {
  const pulled = [
    { id: 1, location: "A-01", sku: "TEE-RED", lot: "", on_hand: 5 },
    { id: 2, location: "A-01", sku: "MUG-BLU", lot: "", on_hand: 2 },
    { id: 3, location: "A-02", sku: "MUG-BLU", lot: "", on_hand: 4 },
  ];
  const ops = [
    { type: "move", args: { from_location: "A-01", to_location: "A-02", sku: "MUG-BLU", qty: 2 } },
    { type: "count", args: { location: "A-01", sku: "TEE-RED", counted: 3, lot: "L1" } },
    { type: "pick", args: { location: "A-01", sku: "TEE-RED", qty: 1 } },
  ];
  assert.deepEqual(binBook(pulled, ops, "A-01"), [
    { sku: "TEE-RED", lot: "", on_hand: 5 },
    { sku: "TEE-RED", lot: "L1", on_hand: 3 },
  ]);
  assert.deepEqual(binBook(pulled, ops, "A-02"), [{ sku: "MUG-BLU", lot: "", on_hand: 6 }]);
});

test("bin done asks about every SKU and lot of the book that was not counted, never assumes 0", () => {
  const book = [{ sku: "MUG-BLU", lot: "", on_hand: 2 }, { sku: "TEE-RED", lot: "", on_hand: 5 }, { sku: "TEE-RED", lot: "L1", on_hand: 1 }];
  const lines = addScan(addScan([], { sku: "TEE-RED", lot: "" }), { sku: "TEE-RED", lot: "" });
  assert.deepEqual(lines, [{ sku: "TEE-RED", name: "", lot: "", qty: 2 }]);
  assert.deepEqual(uncounted(book, lines).map((r) => [r.sku, r.lot]), [["MUG-BLU", ""], ["TEE-RED", "L1"]]);
  assert.equal(addScan(lines, { sku: "TEE-RED", lot: "", count: 10 })[0].qty, 12); // a GS1 count adds that many
});

test("a count task is answered by the first count that fits it; the rest are ad hoc", () => {
  const lines = [{ sku: "MUG-BLU", lot: "", qty: 0 }, { sku: "TEE-RED", lot: "L1", qty: 4 }];
  const forTee = countOps("A-01", lines, { id: 9, location: "A-01", sku: "TEE-RED" });
  assert.deepEqual(forTee, [
    { type: "count", args: { location: "A-01", sku: "MUG-BLU", counted: 0 } },
    { type: "count", args: { location: "A-01", sku: "TEE-RED", counted: 4, lot: "L1", task_id: 9 } },
  ]);
  const wholeBin = countOps("A-01", lines, { id: 9, location: "A-01", sku: null });
  assert.deepEqual(wholeBin.map((op) => op.args.task_id), [9, undefined]);
  assert.deepEqual(countOps("A-02", lines, { id: 9, location: "A-01", sku: null }).map((op) => op.args.task_id), [undefined, undefined]);
});

test("moves: one op per SKU and lot with units; in words", () => {
  const ops = moveOps("A-01", "A-02", [{ sku: "TEE-RED", lot: "", qty: 3 }, { sku: "MUG-BLU", lot: "L2", qty: 0 }]);
  assert.deepEqual(ops, [{ type: "move", args: { from_location: "A-01", to_location: "A-02", sku: "TEE-RED", qty: 3 } }]);
  assert.equal(opText(ops[0]), "Move 3 × TEE-RED A-01 → A-02");
  assert.equal(opText({ type: "count", args: { location: "A-01", sku: "MUG-BLU", counted: 0, lot: "L2" } }), "Count 0 × MUG-BLU (lot L2) in A-01");
});

test("a scanned text is read by the interpreter; one it cannot read is unknown, never an error", () => {
  const index = catalogIndex(catalog, [{ code: "A-01" }]);
  const reader = (text) => {
    if (text.startsWith("!")) throw new Error("unreadable");
    return { text, kind: "code" };
  };
  assert.deepEqual(whatScanned(index, reader, "A-01"), { kind: "bin", code: "A-01" });
  assert.equal(whatScanned(index, reader, "INT-MUG").sku, "MUG-BLU");
  assert.deepEqual(whatScanned(index, reader, " !x "), { kind: "unknown", text: "!x" });
});

test("the floor book: what was pulled, the unsent ops (settling first), and the index of both", async () => {
  const store = {
    pulled: async () => ({ catalog, bins: [{ code: "A-01" }] }),
    settlingOps: async () => [{ seq: 1 }],
    pendingOps: async () => [{ seq: 2 }],
  };
  const { pulled, ops, index } = await floorBook(store);
  assert.equal(pulled.catalog, catalog);
  assert.deepEqual(ops, [{ seq: 1 }, { seq: 2 }]);
  assert.ok(index.bins.has("A-01") && index.products.has("TEE-RED") && !index.products.has("OLD"));
});
