// The device's storage schema (pwa/schema.js): a released version is never edited, an upgrade runs
// only the steps after the phone's version, and every role's pulled store exists.

import assert from "node:assert/strict";
import { test } from "node:test";

import { pulledLists, ROLES } from "../../pwa/roles/index.js";
import { DB_VERSION, schemaSteps, upgrade } from "../../pwa/schema.js";

// What each released version holds on phones in use: store → keyPath (null: out-of-line keys).
// Append a version here when it ships; never edit one.
const RELEASED = {
  1: { outbox: "seq", meta: null, outcomes: "seq", tasks: "id", packages: "id", exceptions: "id" },
  2: {
    outbox: "seq",
    meta: null,
    outcomes: "seq",
    tasks: "id",
    packages: "id",
    exceptions: "id",
    attachments: "id",
    pack_orders: "id",
    package_types: "id",
    routes: "id",
    stops: "id",
  },
  3: {
    outbox: "seq",
    meta: null,
    outcomes: "seq",
    tasks: "id",
    packages: "id",
    exceptions: "id",
    attachments: "id",
    pack_orders: "id",
    package_types: "id",
    routes: "id",
    stops: "id",
    floor_tasks: "id",
  },
  4: {
    outbox: "seq",
    meta: null,
    outcomes: "seq",
    tasks: "id",
    packages: "id",
    exceptions: "id",
    attachments: "id",
    pack_orders: "id",
    package_types: "id",
    routes: "id",
    stops: "id",
    floor_tasks: "id",
    receipts: "id",
    rmas: "id",
    catalog: "id",
    bins: "id",
    bin_stock: "id",
  },
};

/** A stand-in database that records what the steps do to it. */
function recorder(stores = {}) {
  const calls = [];
  const db = {
    stores: { ...stores },
    calls,
    createObjectStore(name, options) {
      if (name in this.stores) throw new Error(`ConstraintError: ${name} exists`);
      this.stores[name] = options?.keyPath ?? null;
      calls.push(`create ${name}`);
    },
    deleteObjectStore(name) {
      delete this.stores[name];
      calls.push(`delete ${name}`);
    },
  };
  return db;
}

test("each released version's stores are exactly what its steps create", () => {
  for (const [version, stores] of Object.entries(RELEASED)) {
    const db = recorder();
    upgrade(db, 0, Number(version), null);
    assert.deepEqual(db.stores, stores, `version ${version} was changed after release; add a new version instead`);
  }
});

test("the app's version is at least the newest released one", () => {
  assert.ok(DB_VERSION >= Math.max(...Object.keys(RELEASED).map(Number)));
});

test("an installed phone runs only the steps after its version, and its outbox is left alone", () => {
  const newest = Math.max(...Object.keys(RELEASED).map(Number));
  const db = recorder(RELEASED[newest]);
  upgrade(db, newest, DB_VERSION, null);
  assert.ok(!db.calls.some((call) => call.endsWith(" outbox")), db.calls.join(", "));
  const fresh = recorder();
  upgrade(fresh, 0, DB_VERSION, null);
  assert.deepEqual(db.stores, fresh.stores, "upgrading and installing afresh end in the same schema");
});

test("a new pulled store gets the next version and only that step runs on installed phones", () => {
  const pack = { list: "pack_jobs", entity: "pack_job", store: "pack_jobs", since: DB_VERSION + 1 };
  const steps = schemaSteps(undefined, [...pulledLists(), pack]);
  const db = recorder();
  upgrade(db, 0, DB_VERSION, null, steps);
  db.calls.length = 0;
  upgrade(db, DB_VERSION, DB_VERSION + 1, null, steps);
  assert.deepEqual(db.calls, ["create pack_jobs"]);
});

test("every role's pulled lists have a store", () => {
  const db = recorder();
  upgrade(db, 0, DB_VERSION, null);
  for (const [name, role] of Object.entries(ROLES)) {
    for (const { store } of role.pulls) assert.ok(store in db.stores, `${name}: no store ${store}`);
  }
});

test("two roles describing one store differently is refused", () => {
  const tasks = { list: "tasks", entity: "pick_task", store: "tasks", since: 1 };
  assert.throws(
    () => pulledLists({ a: { pulls: [tasks] }, b: { pulls: [{ ...tasks, since: 2 }] } }),
    /two roles describe the store "tasks" differently/,
  );
});
