// A channel's CSV import and stock webhook as the admin's setup screen words them (pwa/screens/setup.js).

import assert from "node:assert/strict";
import { test } from "node:test";

import { importSummary, importTitle, stockWebhookText } from "../../pwa/screens/setup.js";

const job = { file_name: "orders.csv", status: "running", rows_total: 400, rows_done: 120, orders_created: 50, orders_duplicate: 2, rows_bad: 1, error: "" };

test("an import's progress counts rows, new and known orders and bad rows", () => {
  assert.equal(importSummary(job), "120 of 400 rows · 50\u00a0new orders · 2 already known · 1\u00a0bad row");
  assert.equal(importSummary({ ...job, rows_total: null, rows_done: 0 }), "0 rows · 50\u00a0new orders · 2 already known · 1\u00a0bad row");
});

test("an import's headline says whether it runs, finished or stopped and why", () => {
  assert.equal(importTitle(job), "Importing orders.csv…");
  assert.equal(importTitle({ ...job, status: "done" }), "Imported orders.csv");
  assert.equal(importTitle({ ...job, status: "failed", error: "the file cannot be read" }), "Import of orders.csv stopped: the file cannot be read");
});

test("a stock webhook that keeps failing says so; none, nothing", () => {
  assert.equal(stockWebhookText({ stock_webhook_url: null }), null);
  const failing = { stock_webhook_url: "https://x", stock_webhook: { failed: 1, last_failure: { error: "answered 500" }, last_delivered_at: null } };
  assert.equal(stockWebhookText(failing), "Stock webhook failing: answered 500");
  const fresh = { stock_webhook_url: "https://x", stock_webhook: { failed: 0, last_failure: null, last_delivered_at: null } };
  assert.equal(stockWebhookText(fresh), "Stock webhook waiting for its first delivery");
});
