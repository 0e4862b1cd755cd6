// The device's storage: one IndexedDB database per browser profile, holding the outbox of ops not
// yet acknowledged, what the server last sent us (every role's pulled lists, pwa/roles/index.js),
// the outcomes the user still has to act on, and a few facts about this device (meta). Its schema
// grows by versioned steps (pwa/schema.js), so an installed phone keeps its outbox across releases.
//
// The outbox is the record of what happened on the floor while offline, so an op is written with
// `durability: "strict"` and its seq is taken from meta in the same transaction: two tabs can never
// draw the same seq, and a crash can never leave a seq allocated without its op (no gaps).

import { openDB } from "/vendor/idb/index.js";
import { pulledLists } from "./roles/index.js";
import { DB_VERSION, schemaSteps, upgrade } from "./schema.js";

export const DB_NAME = "shipshape";
const STEPS = schemaSteps();

// Pulled state: which store a pull's list (and a tombstone's entity) lands in.
const PULLED = pulledLists();
const STATE_STORES = PULLED.map((p) => p.store);
const OP_TYPE = /^[a-z_]{1,32}$/;

let persistAsked = false;

/** Ask once per page load that the browser never evicts our data under storage pressure. */
function askPersistence() {
  if (persistAsked) return;
  persistAsked = true;
  navigator.storage?.persist?.().catch(() => {});
}

/**
 * openStore() → Store. One shared connection per name; `name` exists for tests only.
 * Store API (all async):
 *   meta(key) / setMeta(key, value)         device_id, user_id, next_seq, cursor, epoch, last_sync_at, acked_through, limits
 *   enqueue(type, args, version = 1)        → the stored op {seq, type, version, at, args, device_id}
 *   pendingCount()                          ops in the outbox
 *   pendingOps()                            every op in the outbox, by seq
 *   outboxBatch(maxOps, maxBytes)           the oldest consecutive ops that fit the limits
 *   acknowledge(results)                    drop acked ops, keep adjusted/rejected results → {acked, outcomes}
 *   settlingOps()                           acked ops no pull has reflected yet (the view still applies them)
 *   dropThrough(seq)                        forget ops the server already holds (409 with a later expected_seq)
 *   applyPull(pull)                         upsert / tombstone / reset the pulled state, save the cursor and epoch
 *   pulled()                                the pulled state, {list name: rows}
 *   outcomes() / dismissOutcome(seq)        results the user must see, until dismissed
 *   bindDevice(user_id, device_id)          start numbering at 1 for a newly registered device
 */
export async function openStore(name = DB_NAME) {
  askPersistence();
  const db = await openDB(name, DB_VERSION, {
    upgrade: (database, oldVersion, newVersion, tx) => upgrade(database, oldVersion, newVersion, tx, STEPS),
    // Another tab opened a newer version of the app: let it upgrade rather than block it.
    blocking() {
      db.close();
    },
  });
  return new Store(db);
}

class Store {
  constructor(db) {
    this.db = db;
  }

  meta(key) {
    return this.db.get("meta", key);
  }

  setMeta(key, value) {
    return this.db.put("meta", value, key);
  }

  async allMeta() {
    const tx = this.db.transaction("meta");
    const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()]);
    return Object.fromEntries(keys.map((key, i) => [key, values[i]]));
  }

  /**
   * Bind this profile to a registered device: numbering starts at 1 and the pulled state of any
   * previous user is forgotten. Refused while the outbox holds another device's ops: those could
   * never be sent again, and losing them silently is the one thing the outbox must not do.
   */
  async bindDevice(userId, deviceId) {
    const tx = this.db.transaction(["meta", "outbox", "outcomes", ...STATE_STORES], "readwrite", { durability: "strict" });
    const meta = tx.objectStore("meta");
    const waiting = await tx.objectStore("outbox").count();
    const current = await meta.get("device_id");
    if (waiting && current !== deviceId) {
      tx.abort();
      await tx.done.catch(() => {});
      throw new Error(`This phone still has ${waiting} unsent scans of another user. That user must sign in and sync first.`);
    }
    if (current !== deviceId) {
      for (const name of ["outcomes", ...STATE_STORES]) tx.objectStore(name).clear();
      for (const key of ["cursor", "last_sync_at", "acked_through", "revoked", "summary", "scope", "settling"]) meta.delete(key);
      meta.put(1, "next_seq");
    }
    meta.put(deviceId, "device_id");
    meta.put(userId, "user_id");
    await tx.done;
  }

  async enqueue(type, args, version = 1) {
    if (!OP_TYPE.test(type)) throw new TypeError(`not an op type: ${type}`);
    if (args === null || typeof args !== "object" || Array.isArray(args)) throw new TypeError("op args must be an object");
    // A JSON round trip now, so what the outbox holds is exactly what will be sent.
    args = JSON.parse(JSON.stringify(args));
    const tx = this.db.transaction(["meta", "outbox"], "readwrite", { durability: "strict" });
    const meta = tx.objectStore("meta");
    const deviceId = await meta.get("device_id");
    if (!deviceId) {
      tx.abort();
      await tx.done.catch(() => {});
      throw new Error("this device is not registered yet");
    }
    const seq = (await meta.get("next_seq")) ?? 1;
    const op = { seq, type, version, at: new Date().toISOString(), args, device_id: deviceId };
    meta.put(seq + 1, "next_seq");
    tx.objectStore("outbox").add(op);
    await tx.done;
    return op;
  }

  pendingCount() {
    return this.db.count("outbox");
  }

  pendingOps() {
    return this.db.getAll("outbox");
  }

  /** The oldest ops, consecutive seqs only, at most maxOps and (as a JSON push body) about maxBytes. */
  async outboxBatch(maxOps, maxBytes) {
    const ops = await this.db.getAll("outbox", null, maxOps);
    const encoder = new TextEncoder();
    const batch = [];
    let bytes = 200; // the envelope around the ops, with room to spare
    for (const op of ops) {
      if (batch.length && op.seq !== batch[batch.length - 1].seq + 1) break;
      bytes += encoder.encode(JSON.stringify(wire(op))).length + 1;
      if (batch.length && bytes > maxBytes) break;
      batch.push(op);
    }
    return batch;
  }

  /**
   * The server answered 200: every op it returned a result for leaves the outbox, and the results
   * that differ from the device's guess (adjusted, rejected) are kept for the user — one transaction,
   * so an op is never both gone and without its outcome.
   */
  async acknowledge(results, ackedThrough) {
    const tx = this.db.transaction(["outbox", "outcomes", "meta"], "readwrite", { durability: "strict" });
    const outbox = tx.objectStore("outbox");
    let acked = 0;
    let outcomes = 0;
    const seqs = results.map((r) => r.seq);
    const held = seqs.length ? await outbox.getAll(IDBKeyRange.bound(Math.min(...seqs), Math.max(...seqs))) : [];
    const bySeq = new Map(held.map((op) => [op.seq, op]));
    for (const result of results) {
      const op = bySeq.get(result.seq);
      if (!op) continue; // acknowledged earlier (by another tab's push)
      outbox.delete(result.seq);
      acked += 1;
      if (result.status !== "applied") {
        tx.objectStore("outcomes").put({ ...result, op, received_at: new Date().toISOString() });
        outcomes += 1;
      }
    }
    const meta = tx.objectStore("meta");
    if (ackedThrough > ((await meta.get("acked_through")) ?? 0)) meta.put(ackedThrough, "acked_through");
    // Acknowledged but not yet in a pull: the view keeps showing them (a line just picked must not
    // look open again if the network drops between the push and the pull that reflects it).
    const settled = results.filter((r) => r.status !== "rejected" && bySeq.has(r.seq)).map((r) => bySeq.get(r.seq));
    if (settled.length) meta.put([...((await meta.get("settling")) ?? []), ...settled], "settling");
    await tx.done;
    return { acked, outcomes };
  }

  /** Forget ops with seq ≤ `seq`: the server says it already holds them. Returns how many were dropped. */
  async dropThrough(seq) {
    const tx = this.db.transaction("outbox", "readwrite", { durability: "strict" });
    const range = IDBKeyRange.upperBound(seq);
    const dropped = await tx.store.count(range);
    await tx.store.delete(range);
    await tx.done;
    return dropped;
  }

  /**
   * Apply a pull: a reset replaces everything, otherwise upsert rows and delete tombstoned ones.
   * Returns {restored}: true when the server's sync epoch changed since the last pull (it was restored
   * from a backup; this pull was a full snapshot of the restored state, see docs/sync-protocol.md).
   */
  async applyPull(pull) {
    const tx = this.db.transaction(["meta", ...STATE_STORES], "readwrite");
    const meta = tx.objectStore("meta");
    const epochBefore = await meta.get("epoch");
    for (const { list, store } of PULLED) {
      const target = tx.objectStore(store);
      if (pull.reset) target.clear();
      for (const row of pull[list] ?? []) target.put(row);
    }
    const byEntity = Object.fromEntries(PULLED.map((p) => [p.entity, p.store]));
    for (const { entity, id } of pull.removed ?? []) {
      if (byEntity[entity]) tx.objectStore(byEntity[entity]).delete(id);
    }
    meta.put(pull.cursor, "cursor");
    if (pull.epoch) meta.put(pull.epoch, "epoch");
    meta.put([], "settling"); // a pull reflects every op acknowledged before it (read-your-writes)
    meta.put(pull.scope, "scope");
    meta.put(pull.summary ?? {}, "summary");
    await tx.done;
    return { restored: Boolean(epochBefore && pull.epoch && epochBefore !== pull.epoch) };
  }

  /** Ops the server acknowledged (applied or adjusted) that no pull has reflected yet, by seq. */
  async settlingOps() {
    return (await this.meta("settling")) ?? [];
  }

  /** Every pulled list as stored, {tasks: [...], packages: [...], …}; a role's view orders them. */
  async pulled() {
    const tx = this.db.transaction(STATE_STORES);
    const rows = await Promise.all(PULLED.map(({ store }) => tx.objectStore(store).getAll()));
    return Object.fromEntries(PULLED.map(({ list }, i) => [list, rows[i]]));
  }

  outcomes() {
    return this.db.getAll("outcomes");
  }

  dismissOutcome(seq) {
    return this.db.delete("outcomes", seq);
  }
}

/** An outbox row as the push body carries it. */
export function wire(op) {
  return { seq: op.seq, type: op.type, version: op.version, at: op.at, args: op.args };
}
