// The role table (pwa/roles/index.js): every registered role loads its own module, and the picker's
// module replays its ops and words its outcomes as the picker needs.

import assert from "node:assert/strict";
import { test } from "node:test";

import { describeOutcome } from "../../pwa/outcomes.js";
import { loadRole, ROLES, roleLabel } from "../../pwa/roles/index.js";
import picker from "../../pwa/roles/picker.js";

test("every registered role loads, with a home screen and outcome wording by op type", async () => {
  for (const name of Object.keys(ROLES)) {
    const role = await loadRole(name);
    assert.equal(role.name, name);
    assert.equal(typeof role.home, "function", `${name} has no home screen`);
    for (const [type, wording] of Object.entries(role.outcomes)) {
      assert.match(type, /^[a-z_]{1,32}$/);
      assert.equal(typeof wording, "function", `${name}: wording for ${type}`);
    }
    if (role.view) assert.equal(typeof role.view, "function");
  }
});

test("a role with no module, or a name inherited from Object, has no screen", async () => {
  assert.equal(await loadRole("forklift"), null);
  assert.equal(await loadRole("constructor"), null);
  assert.equal(roleLabel("forklift"), "forklift");
  assert.equal(roleLabel("picker"), "Picker");
});

test("the picker's view sorts the pulled tasks into walking order and replays unsent picks", () => {
  const task = (id, wave, seq) => ({ id, wave_id: wave, seq, status: "open", location: `A-0${id}`, sku: "S", lot: "", qty: 1,
    qty_picked: 0, order_line_id: id, line_qty: 1, line_qty_picked: 0 });
  const pulled = { tasks: [task(1, 2, 1), task(2, 1, 2), task(3, 1, 1)], packages: [] };
  const view = picker.view(pulled, [{ seq: 1, type: "pick", args: { order_line_id: 2, location: "A-02", qty: 1 } }]);
  assert.deepEqual(view.map((t) => [t.id, t.status]), [[3, "open"], [2, "picked"], [1, "open"]]);
});

test("a picker whose line was filled elsewhere is told to put the units back", () => {
  const op = { type: "pick", args: { order_line_id: 7, location: "A-01", sku: "SKU-A", qty: 3 } };
  const result = { seq: 1, status: "adjusted", code: "over_pick", message: "line already filled", result: { picked: 0, put_away: 3 } };
  assert.deepEqual(describeOutcome(result, op, picker.outcomes), {
    title: "Line was already filled", action: "Put 3 × SKU-A back to A-01.", detail: "line already filled", tone: "adjusted",
  });
});

test("codes no role words still say something true, whoever is signed in", () => {
  const op = { type: "count", args: { location: "A-01", sku: "SKU-A", counted: 5 } };
  const unreadable = describeOutcome({ seq: 1, status: "rejected", code: "malformed_args", message: "bad" }, op, picker.outcomes);
  assert.equal(unreadable.action, "Nothing was recorded. Reload the app and tell your supervisor.");
  const unknown = describeOutcome({ seq: 2, status: "rejected", code: "something_new", message: "server says" }, op);
  assert.deepEqual([unknown.title, unknown.action, unknown.tone], ["Not recorded", "server says", "rejected"]);
});

test("the packer's view replays unsent packs over the pulled orders and lists the package types by code", async () => {
  const { default: packer } = await import("../../pwa/roles/packer.js");
  const line = { id: 5, line_no: 1, sku: "S", name: "S", barcodes: [], qty: 1, qty_picked: 1, packed: 0, status: "picked" };
  const order = { id: 2, external_ref: "W-2", status: "picked", promised_at: null, created_at: "2026-11-26T08:00:00Z", customer: "C", totes: [], lines: [line], packages: [] };
  const pulled = { pack_orders: [order], package_types: [{ code: "BOX-M" }, { code: "BOX-L" }] };
  const view = packer.view(pulled, [{ seq: 1, type: "pack", args: { order_line_id: 5, sku: "S", qty: 1, package: "PK-2-1" } }]);
  assert.deepEqual(view.types.map((t) => t.code), ["BOX-L", "BOX-M"]);
  assert.deepEqual([view.orders[0].status, view.orders[0].packages[0].code], ["packed", "PK-2-1"]);
});

test("a packer is told what to do when the server refuses or adjusts a seal", async () => {
  const { default: packer } = await import("../../pwa/roles/packer.js");
  const seal = { type: "seal", args: { package: "PK-2-1", package_type: "BOX-M", weight_g: 12000 } };
  const say = (code, status = "rejected") => describeOutcome({ seq: 1, status, code, message: "m" }, seal, packer.outcomes);
  assert.equal(say("overweight", "adjusted").title, "PK-2-1 is heavier than its box allows");
  assert.equal(say("unknown_package_type").action, "PK-2-1 is not sealed. Seal it again with a type from the list.");
  assert.equal(say("empty_package").title, "PK-2-1 is empty");
  assert.equal(say("package_sealed").title, "PK-2-1 was already sealed");
  assert.equal(say("order_cancelled").action, "Do not ship PK-2-1: unpack it and return the units to stock.");
  const pack = { type: "pack", args: { order_line_id: 5, sku: "S", qty: 1, package: "PK-2-1" } };
  assert.equal(describeOutcome({ seq: 2, status: "rejected", code: "package_sealed" }, pack, packer.outcomes).action, "Put S into a new package and scan it again.");
});
