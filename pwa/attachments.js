// Proof of delivery that survives anything: a photo or a signature captured at the door is stored
// on the phone first (IndexedDB, `durability: "strict"`, under a client-generated id and the sha256
// of its bytes), and only then uploaded — separately from the sync ops, in 64 KiB chunks, each PUT
// naming its byte range. The delivery op refers to the attachment by id, so the op never waits for
// the photo and the photo never rides in a push batch.
//
// Why the upload can be interrupted at any moment (app closed, network gone, server restarted): the
// server is asked what it already holds (GET …/status) before anything is sent, and every chunk says
// where it starts, so a pass resumes at the server's `received` and a repeated chunk is harmless.
// The local copy is dropped only once the server has confirmed the whole file under the same hash;
// a refusal or a conflicting file under our id keeps it on the phone for a supervisor to recover.
//
// The bytes are stored as an ArrayBuffer, not as the Blob the camera gave us: WebKit has lost or
// refused Blobs in IndexedDB ("Error preparing Blob/File data", blobs unreadable after a reload),
// and a Blob backed by a picked file can change under us. Rows handed out carry a fresh `blob`.

import { loadSession } from "./api.js";

const STORE = "attachments";
const LOCK = "shipshape-attachments";
export const CHUNK_BYTES = 64 * 1024;

/** kind → what the server accepts: the size limit and the media types the capture code produces. */
export const KINDS = {
  photo: { limit: 307_200, types: ["image/jpeg"] },
  signature: { limit: 102_400, types: ["image/png"] },
};

// A done row is kept this long (id, hash, when) so the screen can still say "sent", then forgotten.
const KEEP_DONE_MS = 30 * 24 * 3600 * 1000;

const WAITING = new Set(["pending", "uploading"]);
const FAILED = new Set(["conflict", "refused"]);

/** Where a stored attachment is served (the supervisor's screens show it from there). */
export function attachmentUrlFor(id) {
  return `/api/attachments/${id}`;
}

/**
 * Keep a photo or signature on the phone before anything else is done with it.
 * Resolves once the bytes are durably stored → {id, sha256, size, type}; put the id in the op.
 * Rejects with an Error saying what is wrong (unknown kind, wrong type, empty, over the limit).
 */
export async function keepAttachment(store, { kind, blob } = {}) {
  const rule = Object.hasOwn(KINDS, kind) ? KINDS[kind] : null;
  if (!rule) throw new Error(`An attachment is a photo or a signature, not ${JSON.stringify(kind)}.`);
  if (!(blob instanceof Blob)) throw new Error(`The ${kind} to keep is not a file (Blob).`);
  if (!rule.types.includes(blob.type)) {
    throw new Error(`A ${kind} must be ${rule.types.join(" or ")}, not ${blob.type || "an untyped file"}.`);
  }
  if (blob.size === 0) throw new Error(`The ${kind} is empty; take it again.`);
  if (blob.size > rule.limit) {
    throw new Error(`The ${kind} is ${kb(blob.size)}, over the ${kb(rule.limit)} limit; take it again smaller.`);
  }
  const bytes = await blob.arrayBuffer();
  const row = {
    id: crypto.randomUUID(),
    kind,
    sha256: await sha256Hex(bytes),
    size: bytes.byteLength,
    type: blob.type,
    bytes,
    created_at: new Date().toISOString(),
    // Kept order: two files kept in the same millisecond (a signature, then the photo) still go up
    // in the order they were taken; the id is random and cannot break the tie.
    kept: nextKept(),
    state: "pending",
    received: 0,
    error: null,
  };
  const tx = store.db.transaction(STORE, "readwrite", { durability: "strict" });
  tx.store.add(row); // add, never put: an id collision must fail, not overwrite a kept file
  await tx.done;
  return { id: row.id, sha256: row.sha256, size: row.size, type: row.type };
}

/** Attachments the server does not hold yet (state pending or uploading), oldest first, each with a `blob`. */
export async function pendingAttachments(store) {
  const rows = await store.db.getAll(STORE);
  return byAge(rows.filter((row) => WAITING.has(row.state))).map(withBlob);
}

/** {pending, done, failed}: failed counts conflicts and refusals, whose local copies are kept. */
export async function attachmentCounts(store) {
  const counts = { pending: 0, done: 0, failed: 0 };
  for (const row of await store.db.getAll(STORE)) {
    if (WAITING.has(row.state)) counts.pending += 1;
    else if (row.state === "done") counts.done += 1;
    else if (FAILED.has(row.state)) counts.failed += 1;
  }
  return counts;
}

// One pass per tab at a time; a call during a pass joins it and makes it look once more.
const passes = new WeakMap();

/**
 * One upload pass over the waiting attachments, oldest first → {uploaded, failed, remaining,
 * stopped, retryAfterMs, error}. Never rejects for HTTP or network trouble and never loses a file.
 *
 * `stopped` says why the pass ended early, else null: "offline" (network error), "server" (5xx or
 * an answer outside the contract; `retryAfterMs` from Retry-After), "signed_out" (401 or no token),
 * "busy" (another tab holds the upload lock), "aborted" (`signal`). Call again later: after a sync,
 * on `online`, on app start. Conflicts and refusals count in `failed` and do not stop the pass.
 */
export function uploadAttachments(store, options = {}) {
  const running = passes.get(store);
  if (running) {
    running.again = true;
    return running.promise;
  }
  const pass = { again: false, promise: null };
  passes.set(store, pass);
  pass.promise = withLock(store, async () => {
    const total = { uploaded: 0, failed: 0, stopped: null, retryAfterMs: 0, error: null };
    do {
      pass.again = false;
      const result = await uploadPass(store, options);
      total.uploaded += result.uploaded;
      total.failed += result.failed;
      Object.assign(total, { stopped: result.stopped, retryAfterMs: result.retryAfterMs, error: result.error });
    } while (pass.again && !total.stopped);
    await forgetOldDone(store);
    return total;
  })
    .then(async (total) => ({ ...total, remaining: (await attachmentCounts(store)).pending }))
    .finally(() => passes.delete(store));
  return pass.promise;
}

function withLock(store, work) {
  // Across tabs: whoever holds the lock is uploading; the others have nothing to add and go away
  // rather than queue. Without Web Locks the server's range check keeps two uploaders harmless.
  const locks = globalThis.navigator?.locks;
  if (!locks?.request) return work();
  return locks.request(LOCK, { ifAvailable: true }, (lock) =>
    lock ? work() : { uploaded: 0, failed: 0, stopped: "busy", retryAfterMs: 0, error: null });
}

async function uploadPass(store, { fetch: fetchFn = (...args) => globalThis.fetch(...args), token, chunk = CHUNK_BYTES, signal } = {}) {
  const result = { uploaded: 0, failed: 0, stopped: null, retryAfterMs: 0, error: null };
  if (token === undefined) token = loadSession()?.token;
  if (!token) return { ...result, stopped: "signed_out", error: "Sign in to send photos and signatures." };
  const http = httpClient(fetchFn, token, signal);
  const ids = byAge((await store.db.getAll(STORE)).filter((row) => WAITING.has(row.state))).map((row) => row.id);
  for (const id of ids) {
    if (signal?.aborted) return { ...result, stopped: "aborted", error: "Upload stopped." };
    const row = await store.db.get(STORE, id);
    if (!row || !WAITING.has(row.state)) continue; // settled meanwhile (another tab without Web Locks)
    const outcome = await uploadOne(store, row, http, chunk);
    if (outcome.state === "done") result.uploaded += 1;
    else if (FAILED.has(outcome.state)) result.failed += 1;
    else return { ...result, stopped: outcome.stop, retryAfterMs: outcome.retryAfterMs ?? 0, error: outcome.error };
  }
  return result;
}

/** Send one attachment from where the server stands → {state: "done"|"conflict"|"refused"} or {stop, error}. */
async function uploadOne(store, row, http, chunk) {
  const url = attachmentUrlFor(row.id);
  const status = await http(`${url}/status`, { method: "GET" });
  const start = statusOffset(status, row.size);
  if (start.stop) return start;

  let offset = start.offset;
  // Each answer either moves the offset forward or ends the row; a server that keeps answering
  // without progress is treated as unavailable rather than looped on.
  let budget = Math.ceil(row.size / chunk) + 4;
  while (budget-- > 0) {
    const range = chunkRange(offset, row.size, chunk);
    const answer = await http(url, {
      method: "PUT",
      headers: {
        "Content-Type": row.type,
        "Content-Range": range.header,
        "X-Attachment-Kind": row.kind,
        "X-Content-SHA256": row.sha256,
      },
      body: new Blob([row.bytes.slice(range.start, range.end)], { type: row.type }),
    });
    const step = putOutcome(answer, range, row.size);
    if (step.next !== undefined) {
      offset = step.next;
      await progress(store, row.id, offset);
      continue;
    }
    if (step.state) return settle(store, row, step);
    return step;
  }
  return { stop: "server", error: `The server keeps not taking ${row.kind} ${row.id}; will retry.` };
}

/**
 * Where to start from the status answer → {offset} | {stop, error, retryAfterMs}.
 * A file the server calls complete is sent again from 0 all the same: the status carries no hash,
 * and only a PUT lets the server compare ours (200 stored:false when it is the same file, 409
 * attachment_conflict when not). It costs one chunk, once, when an answer was lost.
 */
export function statusOffset({ status, data, retryAfterMs }, size) {
  if (status === 404) return { offset: 0 };
  if (status === 200 && data) {
    // A partial upload of another size cannot be ours: start over and let the server judge it.
    if (data.complete !== true && data.total === size && validOffset(data.received, size) && data.received < size) {
      return { offset: data.received };
    }
    return { offset: 0 };
  }
  return trouble(status, data, retryAfterMs, "the status of an upload");
}

/**
 * What one PUT's answer means → {next: offset} to go on, {state: "done"} / {state: "conflict"|
 * "refused", error} to end the row, or {stop, error, retryAfterMs} to end the pass.
 */
export function putOutcome({ status, data, retryAfterMs }, range, size) {
  if (status === 201 || (status === 200 && data?.complete === true)) return { state: "done" };
  if (status === 202) {
    const next = validOffset(data?.received, size) ? data.received : range.end;
    if (next >= size) return { stop: "server", error: "The server took every byte but did not confirm the file; will retry." };
    return { next };
  }
  if (status === 409 && data?.error === "range_mismatch" && validOffset(data.received, size) && data.received < size) {
    return { next: data.received };
  }
  if (status === 409 && data?.error === "attachment_conflict") {
    return { state: "conflict", error: data.message || "The server holds a different file under this id; the phone keeps its copy." };
  }
  if (status === 400 || status === 413 || status === 415) {
    return { state: "refused", error: data?.message || `The server refused this file (${status}); the phone keeps its copy.` };
  }
  return trouble(status, data, retryAfterMs, "an upload");
}

/** The byte range of the chunk starting at `offset` → {start, end (exclusive), header}. */
export function chunkRange(offset, size, chunk = CHUNK_BYTES) {
  const end = Math.min(size, offset + chunk);
  return { start: offset, end, header: `bytes ${offset}-${end - 1}/${size}` };
}

function trouble(status, data, retryAfterMs, what) {
  if (status === 0) return { stop: "offline", error: "Can't reach the server; photos and signatures will be sent later." };
  if (status === 401) return { stop: "signed_out", error: "Signed out: sign in again to send photos and signatures." };
  if (status === -1) return { stop: "aborted", error: "Upload stopped." };
  if (status >= 500) return { stop: "server", retryAfterMs, error: `The server is not available (${status}); will retry.` };
  // Outside the contract (403, an unknown 409, …): stop and keep everything rather than guess.
  return { stop: "server", retryAfterMs, error: data?.message || `The server answered ${status} to ${what}; will retry.` };
}

function validOffset(value, size) {
  return Number.isInteger(value) && value >= 0 && value <= size;
}

/** fetch with the token, reduced to {status, data, retryAfterMs}: status 0 = unreachable, -1 = aborted. */
function httpClient(fetchFn, token, signal) {
  return async (url, { method, headers = {}, body }) => {
    if (signal?.aborted) return { status: -1, data: null, retryAfterMs: 0 };
    let response;
    try {
      response = await fetchFn(url, {
        method, body, signal, cache: "no-store",
        headers: { Accept: "application/json", Authorization: `Bearer ${token}`, ...headers },
      });
    } catch {
      return { status: signal?.aborted ? -1 : 0, data: null, retryAfterMs: 0 };
    }
    const data = await response.json().catch(() => null);
    const retryAfter = Number(response.headers?.get?.("Retry-After"));
    return { status: response.status, data, retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0 };
  };
}

// -- storage -------------------------------------------------------------------------------------

/** How far the server got: a hint for the screen (the server's status is the truth on resume). */
async function progress(store, id, received) {
  const tx = store.db.transaction(STORE, "readwrite");
  const row = await tx.store.get(id);
  if (row && WAITING.has(row.state)) tx.store.put({ ...row, state: "uploading", received });
  await tx.done;
}

/**
 * The row's end state. Done drops the bytes but keeps the row: the server holds the file under the
 * same sha256, a phone's storage is better spent on unsent work, and the id and hash stay on record.
 * A conflict or a refusal keeps the bytes: the local copy may be the only one.
 */
async function settle(store, row, { state, error = null }) {
  const tx = store.db.transaction(STORE, "readwrite", { durability: "strict" });
  const current = await tx.store.get(row.id);
  if (current) {
    if (state === "done") {
      const { bytes: _dropped, ...kept } = current;
      tx.store.put({ ...kept, state, received: current.size, error: null, done_at: new Date().toISOString() });
    } else {
      tx.store.put({ ...current, state, error });
    }
  }
  await tx.done;
  return { state, error };
}

/** Done rows older than KEEP_DONE_MS go; the server holds their files, the phone needs no record. */
async function forgetOldDone(store, now = Date.now()) {
  const tx = store.db.transaction(STORE, "readwrite");
  for await (const cursor of tx.store) {
    const { state, done_at: doneAt } = cursor.value;
    if (state === "done" && now - Date.parse(doneAt) > KEEP_DONE_MS) cursor.delete();
  }
  await tx.done;
}

let lastKept = 0;

/** A number that grows with every file kept, across reloads too (it starts from the clock in µs). */
function nextKept() {
  lastKept = Math.max(lastKept + 1, Date.now() * 1000);
  return lastKept;
}

function keptOrder(row) {
  return row.kept ?? Date.parse(row.created_at) * 1000;
}

function byAge(rows) {
  return rows.sort((a, b) => keptOrder(a) - keptOrder(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function withBlob({ bytes, ...row }) {
  return { ...row, blob: new Blob([bytes], { type: row.type }) };
}

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function kb(bytes) {
  return `${Math.round(bytes / 1024)} KB`;
}
