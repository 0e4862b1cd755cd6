// What the picker sees while picks are unsent: pwa/view.js replays pending ops onto pulled tasks.

import assert from "node:assert/strict";
import { test } from "node:test";

import { taskView } from "../../pwa/view.js";

const task = (id, line, location, qty, extra = {}) => ({
  id, wave_id: 1, seq: id, status: "open", location, sku: "S", lot: "", qty, qty_picked: 0, order_line_id: line,
  line_qty: 5, line_qty_picked: 0, line_status: "allocated", ...extra,
});
const tasks = () => [task(1, 10, "A-01", 3), task(2, 10, "A-02", 2), task(3, 11, "A-03", 4, { line_qty: 4 })];
const pick = (seq, line, location, qty) => ({ seq, type: "pick", args: { order_line_id: line, location, sku: "S", qty } });
const byId = (view) => Object.fromEntries(view.map((t) => [t.id, t]));

test("the pulled tasks are never changed, only copied", () => {
  const pulled = tasks();
  const before = JSON.stringify(pulled);
  taskView(pulled, [pick(1, 10, "A-01", 3)]);
  assert.equal(JSON.stringify(pulled), before);
});

test("a partial pick fills the scanned bin's task first and marks it pending", () => {
  const view = byId(taskView(tasks(), [pick(1, 10, "A-02", 1)]));
  assert.deepEqual([view[2].qty_picked, view[2].status, view[2].pending_seqs], [1, "open", [1]]);
  assert.equal(view[1].line_qty_picked, 1);
  assert.equal(view[1].pending, false);
  assert.equal(view[3].line_qty_picked, 0);
});

test("picks that fill the line close every task of it; units beyond the line are surplus at the bin", () => {
  const view = byId(taskView(tasks(), [pick(1, 10, "A-01", 3), pick(2, 10, "A-02", 4)]));
  assert.deepEqual([view[1].qty_picked, view[1].status], [3, "picked"]);
  assert.deepEqual([view[2].qty_picked, view[2].status], [2, "picked"]);
  assert.equal(view[2].surplus, 2);
  assert.equal(view[1].line_status, "picked");
});

test("ops replay in seq order whatever order they are given in", () => {
  const ordered = taskView(tasks(), [pick(1, 10, "A-01", 3), pick(2, 10, "A-02", 4)]);
  const shuffled = taskView(tasks(), [pick(2, 10, "A-02", 4), pick(1, 10, "A-01", 3)]);
  assert.deepEqual(shuffled, ordered);
});

test("a short pick marks the open task at that bin short, with how many and why", () => {
  const short = { seq: 3, type: "pick_short", args: { order_line_id: 11, location: "A-03", sku: "S", qty_short: 4, reason: "damaged" } };
  const view = byId(taskView(tasks(), [short]));
  assert.deepEqual([view[3].status, view[3].qty_short, view[3].short_reason, view[3].pending], ["short", 4, "damaged", true]);
});

test("ops for lines not on this phone, and other op types, change nothing", () => {
  const view = taskView(tasks(), [pick(4, 99, "A-09", 1), { seq: 5, type: "count", args: {} }]);
  assert.deepEqual(view.map((t) => t.pending), [false, false, false]);
  assert.deepEqual(view.map((t) => t.qty_picked), [0, 0, 0]);
});
