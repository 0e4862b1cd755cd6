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
function walk(t, texts, cart = {}, products = new Map()) {
  let state = flow.begin(t);
  let result;
  for (const text of texts) {
    result = flow.onScan(state, t, scan(text), cart, products);
    ({ state, cart } = result);
  }
  return result;
}

before(() => useGs1Rules(gs1Table()));

describe("a picker walks a line by scans alone", () => {
  test("location, three units, tote: the pick is queued with the tote", () => {
    const result = walk(task(), ["A-01", "SKU-A", "SKU-A", "SKU-A", "TOTE-9"]);
    assert.equal(result.state.step, "done");
    assert.deepEqual(result.op, {
      type: "pick", args: { order_line_id: 11, location: "A-01", sku: "SKU-A", qty: 3, lot: "", tote: "TOTE-9" },
    });
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
    assert.equal(result.op, undefined);
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
