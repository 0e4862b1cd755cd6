import assert from "node:assert/strict";
import { test } from "node:test";

import { floorSections } from "../../pwa/roles/floorwork.js";
import { sectionFor } from "../../pwa/sections.js";

const home = { hash: "#/pick", label: "Pick", make: () => null };
const sections = [
  { hash: "#/receive", label: "Goods in", roles: ["picker", "packer"] },
  { hash: "#/returns", label: "Returns", roles: ["packer"] },
];

test("a floor role sees its home first, then only the sections its role may open", () => {
  assert.deepEqual(
    floorSections("picker", home, sections).map((s) => s.hash),
    ["#/pick", "#/receive"],
  );
  assert.deepEqual(
    floorSections("packer", { ...home, hash: "#/pack" }, sections).map((s) => s.hash),
    ["#/pack", "#/receive", "#/returns"],
  );
});

test("the address picks the section; an unknown or empty one opens the home", () => {
  const mine = floorSections("packer", home, sections);
  assert.equal(sectionFor("#/returns", mine).label, "Returns");
  assert.equal(sectionFor("#/nope", mine), home);
  assert.equal(sectionFor("", mine), home);
});
