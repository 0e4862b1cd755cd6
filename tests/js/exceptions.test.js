// The exception queue's words (pwa/screens/exceptions.js) and the picker's follow-up tasks
// (pwa/roles/picker.js, pwa/screens/picker.js): pure parts, no browser.

import assert from "node:assert/strict";
import { test } from "node:test";

import { floorTaskView } from "../../pwa/roles/picker.js";
import { evidenceLines, headline, taskText, who } from "../../pwa/screens/exceptions.js";
import { followUpText } from "../../pwa/screens/picker.js";

const overPick = {
  kind: "conflict",
  code: "over_pick",
  people: "",
  device_id: "0b5e1f2a-aaaa-bbbb-cccc-000000000000",
  location: "A-01",
  evidence: {
    op: "pick",
    args: { order_line_id: 7, location: "A-01", sku: "TEE-RED", qty: 2, tote: "T-7" },
    result: { picked: 0, put_away: 2 },
    actor: "pia",
    device_at: null,
    committed_at: "2026-11-30T10:00:00Z",
  },
};

test("an over-pick reads as what happened, who did it, and what was scanned", () => {
  assert.equal(headline(overPick), "Picked more than the line needed");
  assert.equal(who(overPick), "pia · phone 0b5e1f2a");
  assert.deepEqual(evidenceLines(overPick), ["Picked 2 × TEE-RED from A-01 into tote T-7 (line 7)", "2 to put back"]);
});

test("a count waiting for approval shows the book against the count; a failed delivery its reason and photo", () => {
  const count = { kind: "conflict", code: "awaits_approval", evidence: { op: "count", args: { location: "A-03", sku: "SKU-A", counted: 40 }, result: {}, book: 5, counted: 40 } };
  assert.deepEqual(evidenceLines(count), ["Counted 40 × SKU-A in A-03", "Book 5 · counted 40"]);
  const failed = { kind: "failed_delivery", code: "failed_not_home", evidence: { op: "deliver_failed", args: { package: "PKG-1", reason: "not_home", photo: "ph-1" }, result: {} } };
  assert.equal(headline(failed), "Delivery failed");
  assert.deepEqual(evidenceLines(failed), ["Package PKG-1: not home", "Photo ph-1"]);
});

test("follow-up tasks in plain words, on the supervisor's card and on the picker's phone", () => {
  const count = { kind: "cycle_count", location: "A-01", sku: "TEE-RED", assignee: "pia", qty: 0, tote: "" };
  const putAway = { kind: "put_away", location: null, sku: "TEE-RED", assignee: "pia", qty: 2, tote: "T-7" };
  assert.equal(taskText(count), "Count A-01 (TEE-RED) · for pia");
  assert.equal(taskText(putAway), "Put 2 × TEE-RED back from tote T-7 · for pia");
  assert.equal(followUpText(count), "Count bin A-01 (TEE-RED)");
  assert.equal(followUpText({ ...count, sku: null }), "Count bin A-01");
  assert.equal(followUpText(putAway), "Put 2 × TEE-RED back from tote T-7 to its bin");
});

test("the picker's follow-ups: open ones, oldest first, a count waiting to send marked pending", () => {
  const pulled = {
    floor_tasks: [
      { id: 9, kind: "cycle_count", status: "open" },
      { id: 4, kind: "put_away", status: "open" },
      { id: 5, kind: "cycle_count", status: "done" },
    ],
  };
  const ops = [{ type: "count", args: { task_id: 9 } }, { type: "pick", args: {} }];
  assert.deepEqual(
    floorTaskView(pulled, ops).map((t) => [t.id, t.pending]),
    [
      [4, false],
      [9, true],
    ],
  );
  assert.deepEqual(floorTaskView({}, []), []);
});
