// The supervisor's waves screen and order detail (pwa/screens/waves.js, orders.js): the filters it
// sends, how a wave's progress reads, and which actions an order offers as it is now.

import assert from "node:assert/strict";
import { test } from "node:test";

import { allocationText, orderActions } from "../../pwa/screens/orders.js";
import { candidateQuery, progressText } from "../../pwa/screens/waves.js";

test("only the filters given go into the query", () => {
  assert.equal(candidateQuery({ channel: "", promised_before: "", zone: "", size: "" }), "");
  assert.equal(candidateQuery({ channel: "shop", promised_before: "2026-12-01", zone: "A 1", size: "small" }), "?channel=shop&promised_before=2026-12-01&zone=A+1&size=small");
});

test("a wave's progress reads as units picked and tasks left", () => {
  assert.equal(progressText({ picked: 3, units: 8, open_tasks: 2 }), "3 of 8\u00a0units picked · 2\u00a0tasks open");
  assert.equal(progressText({ picked: 1, units: 1, open_tasks: 0 }), "1 of 1\u00a0unit picked · all tasks done");
});

test("an order offers the actions its status allows", () => {
  assert.deepEqual(orderActions({ status: "allocated", payment_status: "paid", hold: null }), ["hold", "cancel"]);
  assert.deepEqual(orderActions({ status: "on_hold", payment_status: "paid", hold: "supervisor" }), ["release-hold", "cancel"]);
  assert.deepEqual(orderActions({ status: "on_hold", payment_status: "pending", hold: "payment" }), ["pay", "cancel"]);
  assert.deepEqual(orderActions({ status: "picking", payment_status: "paid", hold: null }), ["cancel"]);
  assert.deepEqual(orderActions({ status: "delivered", payment_status: "paid", hold: null }), []);
});

test("a line's reservations read bin by bin", () => {
  const line = { allocation: [{ location: "A-01", lot: "", qty: 5 }, { location: "A-03", lot: "L7", qty: 2 }] };
  assert.equal(allocationText(line), "A-01 ×5 · A-03 (lot L7) ×2");
});
