// The device's offline interpreter agrees with scanner/interpret.py on every shared vector
// (tests/scanner/vectors.json, compared by the rules that file states).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";

import { interpret, useGs1Rules } from "../../pwa/scan/interpret.js";
import { gs1Table, ROOT } from "./gs1-table.js";

const { vectors } = JSON.parse(readFileSync(`${ROOT}tests/scanner/vectors.json`, "utf8"));
const DATA_FIELDS = ["gtin", "sscc", "lot", "expiry", "best_before", "serial", "count", "weight_kg"];

test("without the GS1 rules the interpreter says so rather than guess", () => {
  assert.throws(() => interpret("4006381333931"), /GS1 rules are not loaded/);
});

describe("every shared vector", () => {
  before(() => useGs1Rules(gs1Table()));

  test("there are enough of them to mean something", () => {
    assert.ok(vectors.length >= 40, `${vectors.length} vectors`);
  });

  for (const [i, { scan, note, expect }] of vectors.entries()) {
    test(`${String(i).padStart(2, "0")} ${note}`, () => {
      const got = interpret(scan);
      assert.deepEqual([got.kind, got.valid], [expect.kind, expect.valid], JSON.stringify(got));
      for (const name of DATA_FIELDS) assert.deepEqual(got[name], expect[name] ?? null, name);
      for (const name of ["code", "format", "order_id"]) {
        if (name in expect) assert.equal(got[name], expect[name], name);
      }
      if (got.valid) {
        assert.equal(got.error, null);
      } else {
        assert.ok(got.error, "an invalid scan says why");
        assert.ok(got.error.includes(expect.error ?? ""), `${got.error} does not contain ${expect.error}`);
      }
      assert.equal(got.scan, scan, "the scan is kept as received");
    });
  }
});
