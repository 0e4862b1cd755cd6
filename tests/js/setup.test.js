// The admin setup screen (pwa/screens/setup.js): which code a scan attaches to a product, and how a
// channel's secret is worded once the server only gives its hint.

import assert from "node:assert/strict";
import { test } from "node:test";

import { barcodeOf, secretText } from "../../pwa/screens/setup.js";

test("an EAN-13 is attached as printed, not as its 14-digit GTIN", () => {
  assert.equal(barcodeOf({ kind: "gtin", code: "4006381333931", gtin: "04006381333931", text: "4006381333931" }), "4006381333931");
});

test("a GTIN with a wrong check digit is sent as scanned, for the server to say why it refuses it", () => {
  assert.equal(barcodeOf({ kind: "gtin", valid: false, text: "5012345678901", error: "wrong check digit" }), "5012345678901");
});

test("a GS1 element string attaches the GTIN it carries, not the lot and expiry around it", () => {
  assert.equal(barcodeOf({ kind: "gs1", gtin: "04006381333931", text: "0104006381333931\u001d10LOT7" }), "04006381333931");
});

test("an internal code is attached as scanned; nothing is attached for no scan", () => {
  assert.equal(barcodeOf({ kind: "unknown", text: "INT-CAP-GRN" }), "INT-CAP-GRN");
  assert.equal(barcodeOf(null), null);
});

test("a channel shows its secret's hint, or that it has none", () => {
  assert.equal(secretText({ secret_hint: "\u2026a1b2" }), "Secret \u2026a1b2");
  assert.equal(secretText({ secret_hint: null }), "No secret");
});
