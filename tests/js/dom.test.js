// Text shown to people: pwa/dom.js.

import assert from "node:assert/strict";
import { test } from "node:test";

import { inTurns, safeText } from "../../pwa/dom.js";

test("bidirectional overrides and isolates are removed, so a name shows as it is stored", () => {
  assert.equal(safeText("R\u202Efdp.exe"), "Rfdp.exe");
  const every = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069].map((c) => String.fromCodePoint(c)).join("");
  assert.equal(safeText(`a${every}b`), "ab");
});

test("other text is left as it is: accents, right-to-left script, the GS separator, numbers", () => {
  for (const text of ["Crème brûlée", "שלום", "\u200F mark", "01\x1d10", "Ünïcödé ✓"]) assert.equal(safeText(text), text);
  assert.equal(safeText(42), "42");
});

test("inTurns runs work one at a time, in the order asked for, and a failure does not stop the next", async () => {
  const run = inTurns();
  const log = [];
  const slow = (name, ms, fail = false) => async () => {
    log.push(`start ${name}`);
    await new Promise((resolve) => setTimeout(resolve, ms));
    log.push(`end ${name}`);
    if (fail) throw new Error(name);
    return name;
  };
  const first = run(slow("list", 30));
  const second = run(slow("open", 1, true)); // tapped while the list loads: waits, is not dropped
  const third = run(slow("save", 1));
  assert.equal(await first, "list");
  await assert.rejects(second, /open/);
  assert.equal(await third, "save");
  assert.deepEqual(log, ["start list", "end list", "start open", "end open", "start save", "end save"]);
});

test("inTurns(onError) reports a failure and goes on: the run resolves and the next work still runs", async () => {
  const failures = [];
  const run = inTurns((problem) => failures.push(problem.message));
  const log = [];
  const failing = run(async () => {
    log.push("scan 1");
    throw new Error("not recorded");
  });
  const next = run(async () => log.push("scan 2"));
  assert.equal(await failing, 1); // onError's answer (push's new length), not a rejection
  await next;
  assert.deepEqual(log, ["scan 1", "scan 2"]);
  assert.deepEqual(failures, ["not recorded"]);
});
