// The picker's walk, scan by scan, without a camera or a browser: pwa/pickflow.js.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import * as flow from "../../pwa/pickflow.js";
import { interpret, useGs1Rules } from "../../pwa/scan/interpret.js";
import { gs1Table } from "./gs1-table.js";

const task = (extra = {}) => ({
  id: 1, wave_id: 7, seq: 1, location_seq: 10, status: "open", location: "A-01", sku: "SKU-A", product_name: "Product A",
  barcodes: ["4006381333931"], lot: "", qty: 3, qty_picked: 0, tote: "1", order_line_id: 11, ...extra,
});
const scan = (text) => interpret(text);

/** Feed scans one after another from the start of the walk; the last result. */
function walk(t, texts, cart = {}, products = new Map(), state = flow.begin(t)) {
  let result;
  for (const text of texts) {
    result = flow.onScan(state, t, typeof text === "string" ? scan(text) : { ...scan(text.text), source: text.source }, cart, products);
    ({ state, cart } = result);
  }
  return result;
}

before(() => useGs1Rules(gs1Table()));

describe("a picker walks a line by scans alone", () => {
  test("location, three units, tote: the pick is queued with the tote", () => {
    const result = walk(task(), ["A-01", "SKU-A", "SKU-A", "SKU-A", "TOTE-9"]);
    assert.equal(result.state.step, "done");
    assert.deepEqual(result.ops, [{
      type: "pick", args: { order_line_id: 11, location: "A-01", sku: "SKU-A", qty: 3, lot: "", tote: "TOTE-9" },
    }]);
    assert.deepEqual(result.cart, { 1: "TOTE-9" }, "slot 1 is bound to the tote for the rest of the wave");
  });

  test("the product's EAN-13 counts as the item, and a GS1-128 with a count fills the line at once", () => {
    const products = new Map([["4006381333931", "04006381333931"]]);
    let result = walk(task(), ["A-01", "4006381333931"], {}, products);
    assert.equal(result.state.counted, 1);
    result = walk(task(), ["A-01", "]C10204006381333931373"], {}, products);
    assert.equal(result.state.step, "tote");
    assert.equal(result.state.counted, 3);
  });

  test("the wrong bin is refused and the line does not move", () => {
    const result = walk(task(), ["A-02"]);
    assert.equal(result.feedback.kind, "error");
    assert.match(result.feedback.text, /Wrong location A-02: go to A-01/);
    assert.equal(result.state.step, "location");
  });

  test("scanning the item before the bin says which comes first", () => {
    const result = walk(task(), ["SKU-A"]);
    assert.match(result.feedback.text, /first scan the location A-01/);
  });

  test("the wrong item, the wrong lot and one unit too many are refused", () => {
    assert.match(walk(task(), ["A-01", "SKU-B"]).feedback.text, /Wrong item SKU-B/);
    const lotted = task({ lot: "L1", barcodes: ["09506000134352"] });
    const products = new Map([["09506000134352", "09506000134352"]]);
    const wrongLot = walk(lotted, ["A-01", "]C10109506000134352" + "10L2"], {}, products);
    assert.match(wrongLot.feedback.text, /Wrong lot L2: take lot L1/);
    const tooMany = walk(task({ qty: 1, tote: null }), ["A-01", "]C10204006381333931372"], {}, new Map([["4006381333931", "04006381333931"]]));
    assert.equal(tooMany.feedback.kind, "error");
    assert.match(tooMany.feedback.text, /Too many: the line needs 1/);
  });

  test("a tote already bound to another slot is refused", () => {
    const result = walk(task(), ["A-01", "SKU-A", "SKU-A", "SKU-A", "TOTE-9"], { 2: "TOTE-9" });
    assert.equal(result.feedback.kind, "error");
    assert.match(result.feedback.text, /TOTE-9 is already slot 2/);
    assert.equal(result.ops, undefined);
  });

  test("at the same bin as the last pick the location is not asked again", () => {
    assert.equal(flow.begin(task(), "a-01").step, "item");
    assert.equal(flow.begin(task(), "A-02").step, "location");
  });

  test("a typed count is kept within what the line needs", () => {
    const t = task();
    assert.equal(flow.setCount(flow.begin(t), t, 99).counted, 3);
    assert.equal(flow.setCount(flow.begin(t), t, -1).counted, 0);
    assert.equal(flow.confirm(flow.begin(t), t, {}).feedback.kind, "error", "nothing counted, nothing to confirm");
  });

  test("a short pick names the line, the bin and why", () => {
    assert.deepEqual(flow.shortOp(task({ lot: "L1" }), "damaged", 2), {
      type: "pick_short",
      args: { order_line_id: 11, location: "A-01", sku: "SKU-A", qty_short: 2, reason: "damaged", lot: "L1" },
    });
  });

  test("open lines come in walking order; picked and short lines are not open", () => {
    const tasks = [task({ id: 3, location_seq: 30 }), task({ id: 2, location_seq: 20, status: "short" }), task({ id: 1, location_seq: 40 }),
      task({ id: 4, location_seq: 5, qty_picked: 3 })];
    assert.deepEqual(flow.openTasks(tasks).map((t) => t.id), [3, 1]);
  });
});

describe("a short pick after a partial count keeps the units in hand", () => {
  const reasons = (ops) => ops.map((op) => [op.type, op.args.qty ?? op.args.qty_short]);

  test("1 of 3 scanned, bin empty: the tote is scanned, then the 1 is picked and only 2 are short", () => {
    const t = task();
    const counted = walk(t, ["A-01", "SKU-A"]);
    assert.equal(flow.shortfall(counted.state, t), 2, "the form offers the rest, not the whole line");
    const asked = flow.reportShort(counted.state, t, {}, "empty");
    assert.equal(asked.ops, undefined, "nothing leaves before the unit in hand is in a tote");
    assert.equal(asked.state.step, "tote");
    assert.match(asked.feedback.text, /2 short \(bin empty\) — put the 1 in hand in an empty tote for slot 1/);
    assert.match(flow.prompt(asked.state, t, {}), /then 2 short/);
    const done = flow.onScan(asked.state, t, scan("TOTE-9"), {}, new Map());
    assert.deepEqual(done.ops, [
      { type: "pick", args: { order_line_id: 11, location: "A-01", sku: "SKU-A", qty: 1, lot: "", tote: "TOTE-9" } },
      { type: "pick_short", args: { order_line_id: 11, location: "A-01", sku: "SKU-A", qty_short: 2, reason: "empty", lot: "" } },
    ]);
    assert.equal(done.feedback.text, "Picked 1 × SKU-A into TOTE-9 · 2 short: bin empty");
  });

  test("with the tote already asked for, the short waits for the same tote scan", () => {
    const t = task();
    let state = flow.setCount(walk(t, ["A-01", "SKU-A"]).state, t, 2);
    state = flow.confirm(state, t, { 1: "TOTE-9" }).state;
    assert.equal(state.step, "tote");
    const asked = flow.reportShort(state, t, { 1: "TOTE-9" }, "damaged");
    assert.match(asked.feedback.text, /put the 2 in hand in tote TOTE-9/);
    const wrong = flow.onScan(asked.state, t, scan("TOTE-8"), { 1: "TOTE-9" }, new Map());
    assert.equal(wrong.feedback.kind, "error");
    assert.equal(wrong.ops, undefined);
    assert.deepEqual(reasons(flow.onScan(asked.state, t, scan("TOTE-9"), { 1: "TOTE-9" }, new Map()).ops), [["pick", 2], ["pick_short", 1]]);
  });

  test("a line without a cart slot sends both at once; nothing counted sends the short alone", () => {
    const t = task({ tote: null });
    const counted = walk(t, ["A-01", "SKU-A"]);
    assert.deepEqual(reasons(flow.reportShort(counted.state, t, {}, "not_found").ops), [["pick", 1], ["pick_short", 2]]);
    const atTheBin = walk(task(), ["A-01"]);
    const short = flow.reportShort(atTheBin.state, task(), {}, "empty");
    assert.deepEqual(reasons(short.ops), [["pick_short", 3]]);
    assert.equal(short.feedback.text, "Short 3 × SKU-A: bin empty");
    assert.deepEqual(reasons(flow.reportShort(flow.begin(task()), task(), {}, "empty").ops), [["pick_short", 3]]);
  });

  test("everything counted: nothing is short", () => {
    const t = task();
    const all = walk(t, ["A-01", "SKU-A", "SKU-A", "SKU-A"]);
    const result = flow.reportShort(all.state, t, {}, "empty");
    assert.equal(result.feedback.kind, "error");
    assert.equal(result.ops, undefined);
  });
});

describe("the camera re-reading the last step's label is not a scan", () => {
  const camera = (text) => ({ text, source: "camera" });

  test("the bin seen again while the item is asked for: ignored, no feedback, nothing changes", () => {
    const t = task();
    const atItem = walk(t, ["A-01"]);
    const again = walk(t, [camera("A-01")], {}, new Map(), atItem.state);
    assert.equal(again.feedback, null);
    assert.deepEqual(again.state, atItem.state);
    // A hardware scanner's read is meant: it still gets its answer.
    assert.equal(walk(t, ["A-01"], {}, new Map(), atItem.state).feedback.kind, "warn");
  });

  test("the item seen again while the tote is asked for, and the tote while the next bin is", () => {
    const t = task({ qty: 1 });
    const atTote = walk(t, ["A-01", camera("SKU-A")]);
    assert.equal(atTote.state.step, "tote");
    assert.equal(walk(t, [camera("SKU-A")], {}, new Map(), atTote.state).feedback, null);
    const done = walk(t, [camera("TOTE-9")], {}, new Map(), atTote.state);
    assert.equal(done.ops.length, 1);
    const next = task({ id: 2, location: "A-02", order_line_id: 12 });
    const state = flow.begin(next, "A-01", done.state.previous);
    assert.equal(walk(next, [camera("TOTE-9")], {}, new Map(), state).feedback, null);
    assert.equal(walk(next, [camera("A-03")], {}, new Map(), state).feedback.kind, "error", "any other code is still judged");
  });

  test("counting units with the camera still counts the same item again", () => {
    const t = task();
    const two = walk(t, ["A-01", camera("SKU-A"), camera("SKU-A")]);
    assert.equal(two.state.counted, 2);
  });
});
