// The supervisor's routes screen (pwa/screens/routes.js): what it sends when a stop moves up or down,
// how a route is summed up on its card, and which day the picker opens on.

import assert from "node:assert/strict";
import { test } from "node:test";

import { localDay, routeFacts, routeName, shifted } from "../../pwa/screens/routes.js";

test("moving a stop up or down swaps it with its neighbour and names every stop once", () => {
  assert.deepEqual(shifted([11, 12, 13], 2, -1), [11, 13, 12]);
  assert.deepEqual(shifted([11, 12, 13], 0, 1), [12, 11, 13]);
  const ids = [4, 8, 15, 16, 23];
  for (let i = 0; i < ids.length; i++) {
    for (const delta of [-1, 1]) {
      const order = shifted(ids, i, delta);
      if (order) assert.deepEqual([...order].sort((a, b) => a - b), ids);
    }
  }
});

test("the first stop cannot go up nor the last one down", () => {
  assert.equal(shifted([1, 2, 3], 0, -1), null);
  assert.equal(shifted([1, 2, 3], 2, 1), null);
  assert.equal(shifted([], 0, 1), null);
});

test("a route's card counts its stops and packages and shows the km estimate when there is one", () => {
  const stop = (codes) => ({ packages: codes.map((code) => ({ code })) });
  assert.equal(routeFacts({ km: 12.345, stops: [stop(["A"]), stop(["B", "C"])] }), "2\u00a0stops · 3\u00a0packages · 12.3\u00a0km");
  assert.equal(routeFacts({ km: null, stops: [stop(["A"])] }), "1\u00a0stop · 1\u00a0package");
  assert.equal(routeName({ id: 7, area: "GB-LS" }), "GB-LS · route 7");
});

test("the day picker opens on the phone's own calendar day, as the API spells a date", () => {
  assert.equal(localDay(new Date(2026, 0, 5, 23, 59)), "2026-01-05");
  assert.equal(localDay(new Date(2026, 11, 31, 0, 1)), "2026-12-31");
});
