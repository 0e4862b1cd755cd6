// The device's storage schema, by version. Pure (no IndexedDB here), so the steps can be checked
// without a browser: tests/js/schema.test.js pins what a released version created.

import { pulledLists } from "./roles/index.js";

// What each storage version changed, never edited once released: an installed phone keeps its
// database (and its unsent outbox) and runs only the steps after the version it has. The stores of
// the pulled lists are created from the role table (pwa/roles/index.js), each at its `since`.
const CHANGES = {
  1: (db) => {
    db.createObjectStore("outbox", { keyPath: "seq" });
    db.createObjectStore("meta"); // out-of-line keys: meta.get("device_id") → value
    db.createObjectStore("outcomes", { keyPath: "seq" });
  },
  // Photos and signatures captured at the door, each kept until the server holds it (pwa/attachments.js).
  2: (db) => {
    db.createObjectStore("attachments", { keyPath: "id" });
  },
};

/** Every change by version, the pulled stores included: [{version, run(db, tx)}], oldest first. */
export function schemaSteps(changes = CHANGES, pulled = pulledLists()) {
  const steps = Object.entries(changes).map(([version, run]) => ({ version: Number(version), run }));
  for (const { store, since } of pulled) {
    steps.push({ version: since, run: (db) => db.createObjectStore(store, { keyPath: "id" }) });
  }
  return steps.sort((a, b) => a.version - b.version);
}

/** Bring a database at `oldVersion` (0: none yet) to `newVersion`, one released step after another. */
export function upgrade(db, oldVersion, newVersion, tx, steps = schemaSteps()) {
  for (const step of steps) {
    if (step.version > oldVersion && step.version <= newVersion) step.run(db, tx);
  }
}

export const DB_VERSION = Math.max(...schemaSteps().map((step) => step.version));
