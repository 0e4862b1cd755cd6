// The sync client: sends the outbox to POST /api/sync/push and brings the device's work back from
// GET /api/sync/pull, following the contract in docs/sync-protocol.md ("The device side").
//
// Every trigger (a scan, coming online, the app coming to the front, a timer, another tab, the
// service worker) only asks for a sync; the one loop below decides what to send. Tabs take turns
// through a Web Lock, so one tab pushes at a time and a seq is never sent by two tabs at once.

import { loadSession } from "./api.js";
import { openStore, wire } from "./store.js";

const LOCK = "shipshape-push";
const CHANNEL = "shipshape";
const DEFAULT_LIMITS = { max_ops: 500, max_bytes: 1_000_000 };
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 60_000;
export const RESTORED_NOTICE =
  "The server was restored from a backup: your lists were reloaded from it. Scans sent just before may be missing; your supervisor has the list.";

class SyncFailure extends Error {
  constructor(message, { retryAfterMs = 0, stop = false } = {}) {
    super(message);
    this.retryAfterMs = retryAfterMs;
    this.stop = stop;
  }
}

/** Backoff before retry number `failures` (1, 2, …): exponential, capped, with jitter so phones do not retry in step. */
export function backoffMs(failures, random = Math.random) {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Register this profile as a device of `user` once, and keep its device_id in meta.
 * `request(method, path, body)` is api.js's request (throws on failure). Returns the device_id.
 */
export async function ensureDevice(store, request, user, name = defaultDeviceName()) {
  const [deviceId, userId] = [await store.meta("device_id"), await store.meta("user_id")];
  if (deviceId && userId === user.id) return deviceId;
  const waiting = await store.pendingCount();
  if (waiting) {
    throw new Error(`This phone still has ${waiting} unsent scans of another user. That user must sign in and sync first.`);
  }
  const device = await request("POST", "/api/devices", { name });
  await store.bindDevice(user.id, device.device_id);
  return device.device_id;
}

function defaultDeviceName() {
  const platform = navigator.userAgentData?.platform || navigator.platform || "browser";
  return `${platform} ${new Date().toISOString().slice(0, 10)}`.slice(0, 128);
}

/**
 * createSyncClient({store?, deviceId?, getToken?, onSignedOut?, intervalMs?, fetch?}) → client
 *
 *   client.start()                 listen to the triggers and sync now; client.stop() undoes it
 *   client.enqueue(type, args)     store an op in the outbox, then push soon → the op
 *   client.syncNow()               push the whole outbox, then pull; resolves when done (never rejects)
 *   client.subscribe(listener)     listener(status) now and on every change → unsubscribe()
 *   client.status                  {online, pending, draining: {sent, total} | null, lastSyncAt, error, retryAt, revoked, outcomes, changes}
 *   client.view(replay)            replay(pulled lists, ops not yet reflected by a pull): a role's view
 *   client.outcomes()              adjusted/rejected results not yet dismissed; client.dismissOutcome(seq)
 *
 * `changes` counts changes of the device's data (a pull, an op queued or acknowledged), so a
 * screen can redraw when it moves.
 */
export function createSyncClient({
  store = null,
  deviceId = null,
  getToken = () => loadSession()?.token ?? null,
  onSignedOut = () => {},
  intervalMs = 30_000,
  backlogIntervalMs = 2_000,
  soonMs = 250,
  fetch: fetchFn = (...args) => globalThis.fetch(...args),
} = {}) {
  const listeners = new Set();
  let status = {
    online: navigator.onLine, pending: 0, draining: null, lastSyncAt: null, error: null, retryAt: null, revoked: false, outcomes: 0, changes: 0,
    notice: null,
  };
  const storeReady = store ? Promise.resolve(store) : openStore();
  let limits = null;
  let batchSize = null;
  let failures = 0;
  let timer = null;
  let timerDue = Infinity;
  let running = null;
  let again = false;
  let started = false;
  let halted = false; // signed out or refused by the server: only start() resumes
  let channel = null;

  function update(changes) {
    status = { ...status, ...changes };
    for (const listener of listeners) listener(status);
  }

  async function refresh({ changed = true } = {}) {
    const db = await storeReady;
    const [pending, outcomes, lastSyncAt, revoked] = await Promise.all([
      db.pendingCount(), db.outcomes().then((o) => o.length), db.meta("last_sync_at"), db.meta("revoked"),
    ]);
    update({ pending, outcomes, lastSyncAt: lastSyncAt ?? null, revoked: Boolean(revoked), changes: status.changes + (changed ? 1 : 0) });
  }

  function broadcast(type) {
    try {
      channel?.postMessage({ type });
    } catch {
      // A closed channel (the page is going away) has no one left to tell.
    }
  }

  // -- scheduling -------------------------------------------------------------------------------

  function schedule(ms, { force = false } = {}) {
    if (!started) return;
    const due = Date.now() + ms;
    if (!force && timer !== null && timerDue <= due) return;
    clearTimeout(timer);
    timerDue = due;
    timer = setTimeout(() => {
      timer = null;
      timerDue = Infinity;
      syncNow();
    }, ms);
  }

  function syncNow() {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        let ok;
        do {
          again = false;
          ok = await runOnce();
          // After a failure the backoff timer decides when to try again, not the triggers.
        } while (again && ok && !halted);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  async function runOnce() {
    if (halted) return false;
    if (!navigator.onLine) {
      update({ online: false, draining: null });
      // The `online` event normally wakes us; the timer is there in case it never fires.
      schedule(intervalMs, { force: true });
      return false;
    }
    let wait;
    try {
      await withLock(async () => {
        await pushAll();
        await pull();
      });
      failures = 0;
      const db = await storeReady;
      const now = new Date().toISOString();
      await db.setMeta("last_sync_at", now);
      update({ online: navigator.onLine !== false, error: null, retryAt: null, lastSyncAt: now, draining: null });
      wait = status.pending > 0 ? backlogIntervalMs : intervalMs;
    } catch (error) {
      if (!(error instanceof SyncFailure)) console.error("sync failed", error);
      update({ error: error.message, draining: null });
      if (error.stop) {
        halted = true;
        return false;
      }
      failures += 1;
      wait = Math.max(backoffMs(failures), error.retryAfterMs || 0);
      update({ retryAt: new Date(Date.now() + wait).toISOString() });
      schedule(wait, { force: true });
      return false;
    }
    schedule(wait, { force: true });
    return true;
  }

  function withLock(work) {
    // Without Web Locks (very old browsers) this tab pushes alone; the server's seq check still
    // keeps every op exactly once.
    return navigator.locks?.request ? navigator.locks.request(LOCK, work) : work();
  }

  // -- HTTP -------------------------------------------------------------------------------------

  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetchFn(path, { method, headers, body, cache: "no-store" });
    } catch {
      update({ online: false });
      return { status: 0, data: null, retryAfterMs: 0 };
    }
    const data = await response.json().catch(() => null);
    const retryAfter = Number(response.headers.get("Retry-After"));
    return { status: response.status, data, retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : 0 };
  }

  /** The answers every call shares: signed out, device refused, server or network trouble. */
  async function refuse(response, what) {
    const { status: code, data } = response;
    if (code === 401 && data?.error === "device_revoked") {
      // The session ended with the device: the outbox stays on the phone for a supervisor to see.
      halted = true;
      await (await storeReady).setMeta("revoked", true);
      update({ revoked: true });
      return new SyncFailure("This device was revoked. Your unsent scans are kept; tell your supervisor.", { stop: true });
    }
    if (code === 401) {
      halted = true;
      onSignedOut("Your session has ended. Please sign in again.");
      return new SyncFailure("Signed out: sign in again to send your scans.", { stop: true });
    }
    if (code === 403) {
      if (data?.error === "device_revoked") {
        await (await storeReady).setMeta("revoked", true);
        update({ revoked: true });
        return new SyncFailure("This device was revoked. Your unsent scans are kept; tell your supervisor.", { stop: true });
      }
      return new SyncFailure(data?.message || `The server refused this device (${what}).`, { stop: true });
    }
    if (code === 0) return new SyncFailure("Can't reach the server; will retry.");
    if (code >= 500) return new SyncFailure(`The server is not available (${code}); will retry.`, { retryAfterMs: response.retryAfterMs });
    return new SyncFailure(data?.message || `The server answered ${code} to ${what}.`);
  }

  async function getLimits(db) {
    if (limits) return limits;
    const response = await call("GET", "/api/sync/limits");
    if (response.status === 200 && response.data?.max_ops) {
      limits = { max_ops: response.data.max_ops, max_bytes: response.data.max_bytes };
      await db.setMeta("limits", limits);
      return limits;
    }
    if (response.status === 401 || response.status === 403) throw await refuse(response, "limits");
    return (await db.meta("limits")) ?? DEFAULT_LIMITS;
  }

  // -- push and pull ----------------------------------------------------------------------------

  async function pushAll() {
    const db = await storeReady;
    const device = deviceId ?? (await db.meta("device_id"));
    if (!device) throw new SyncFailure("This phone is not registered yet.", { stop: true });
    let pending = await db.pendingCount();
    update({ pending });
    if (!pending) return;
    const { max_ops: maxOps, max_bytes: maxBytes } = await getLimits(db);
    let sent = 0;
    let total = pending;
    update({ draining: { sent, total } });
    for (;;) {
      const size = Math.max(1, Math.min(batchSize ?? maxOps, maxOps));
      const ops = await db.outboxBatch(size, maxBytes);
      if (!ops.length) break;
      // `pending`: what will still wait on this phone after this batch (the supervisor's floor shows it).
      const body = JSON.stringify({ device_id: device, ops: ops.map(wire), pending: Math.max(0, pending - ops.length) });
      const response = await call("POST", "/api/sync/push", body);
      if (response.status === 200) {
        const { acked, outcomes } = await db.acknowledge(response.data.results, response.data.acked_through);
        batchSize = Math.min(maxOps, size * 2);
        sent += acked;
        pending = await db.pendingCount();
        total = Math.max(total, sent + pending);
        update({ online: navigator.onLine !== false, pending, draining: { sent, total }, changes: status.changes + 1, outcomes: status.outcomes + outcomes });
        broadcast("changed");
        if (!acked) break; // nothing of ours in the answer: do not spin
        continue;
      }
      if (response.status === 413) {
        if (ops.length === 1) throw new SyncFailure(`Op ${ops[0].seq} is too large for the server to take.`);
        batchSize = Math.max(1, Math.floor(ops.length / 2));
        continue;
      }
      if (response.status === 409 && Number.isInteger(response.data?.expected_seq)) {
        const expected = response.data.expected_seq;
        if (expected > ops[0].seq) {
          // The server holds everything before `expected`: those ops were acknowledged in an
          // answer we never received. Never renumber; just stop sending them.
          sent += await db.dropThrough(expected - 1);
          pending = await db.pendingCount();
          update({ pending, draining: { sent, total: Math.max(total, sent + pending) } });
          broadcast("changed");
          continue;
        }
        throw new SyncFailure(`The server expects op ${expected} but this phone's oldest unsent op is ${ops[0].seq}. Tell your supervisor.`);
      }
      if (response.status === 0 || response.status >= 500) batchSize = Math.max(1, Math.floor(ops.length / 2));
      throw await refuse(response, "a push");
    }
  }

  async function pull(retried = false) {
    const db = await storeReady;
    const device = deviceId ?? (await db.meta("device_id"));
    const cursor = await db.meta("cursor");
    const query = new URLSearchParams({ device_id: device });
    if (cursor) query.set("cursor", cursor);
    query.set("pending", String(await db.pendingCount()));
    const response = await call("GET", `/api/sync/pull?${query}`);
    if (response.status === 200) {
      const { restored } = await db.applyPull(response.data);
      // The server was restored from a backup: this pull replaced every list with the restored state,
      // and the server accepts this phone's next scans (docs/sync-protocol.md, "Restores and the sync epoch").
      if (restored) update({ notice: RESTORED_NOTICE });
      update({ changes: status.changes + 1 });
      broadcast("changed");
      return;
    }
    if (response.status === 400 && response.data?.error === "bad_cursor" && !retried) {
      await db.setMeta("cursor", null);
      return pull(true);
    }
    throw await refuse(response, "a pull");
  }

  // -- triggers ---------------------------------------------------------------------------------

  const onOnline = () => {
    update({ online: true });
    failures = 0;
    syncNow();
  };
  const onOffline = () => update({ online: false });
  const onVisible = () => {
    if (document.visibilityState === "visible") syncNow();
  };
  const onWorkerMessage = (event) => {
    if (event.data?.type === "sync-requested") syncNow();
  };
  const onChannelMessage = async (event) => {
    await refresh();
    if (event.data?.type === "enqueued" && failures === 0) schedule(soonMs);
  };

  function askBackgroundSync() {
    // Where the browser has Background Sync, the service worker wakes us when the network is back
    // even if the app was closed; everywhere else the triggers above do the work.
    navigator.serviceWorker?.getRegistration?.()
      .then((registration) => registration?.sync?.register(LOCK))
      .catch(() => {});
  }

  const client = {
    get status() {
      return status;
    },
    get store() {
      return storeReady;
    },

    async start() {
      if (started) {
        // Signed in again after a 401: carry on where the queue stopped.
        if (halted && !status.revoked) {
          halted = false;
          syncNow();
        }
        return;
      }
      started = true;
      halted = false;
      window.addEventListener("online", onOnline);
      window.addEventListener("offline", onOffline);
      document.addEventListener("visibilitychange", onVisible);
      navigator.serviceWorker?.addEventListener?.("message", onWorkerMessage);
      if (typeof BroadcastChannel === "function") {
        channel = new BroadcastChannel(CHANNEL);
        channel.onmessage = onChannelMessage;
      }
      await refresh();
      syncNow();
    },

    stop() {
      started = false;
      clearTimeout(timer);
      timer = null;
      timerDue = Infinity;
      window.removeEventListener("online", onOnline);
      window.removeEventListener("offline", onOffline);
      document.removeEventListener("visibilitychange", onVisible);
      navigator.serviceWorker?.removeEventListener?.("message", onWorkerMessage);
      channel?.close();
      channel = null;
    },

    async enqueue(type, args, version = 1) {
      const db = await storeReady;
      const op = await db.enqueue(type, args, version);
      update({ pending: await db.pendingCount(), changes: status.changes + 1 });
      broadcast("enqueued");
      if (!navigator.onLine || failures > 0) askBackgroundSync();
      // While backing off, a new scan waits for the retry (already on the timer) instead of
      // hammering a failing server.
      if (failures === 0) schedule(soonMs);
      return op;
    },

    syncNow,

    subscribe(listener) {
      listeners.add(listener);
      listener(status);
      return () => listeners.delete(listener);
    },

    // The client knows no role: the signed-in role's module says how its ops replay onto its lists.
    async view(replay) {
      const db = await storeReady;
      return replay(await db.pulled(), [...(await db.settlingOps()), ...(await db.pendingOps())]);
    },

    async outcomes() {
      return (await storeReady).outcomes();
    },

    async dismissOutcome(seq) {
      const db = await storeReady;
      await db.dismissOutcome(seq);
      await refresh();
      broadcast("changed");
    },
  };
  return client;
}
