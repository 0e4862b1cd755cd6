// Proof of delivery on the phone (pwa/attachments.js): a driver's photo and signature are kept in
// the device's real storage schema (fake-indexeddb standing in for the browser's), then uploaded to
// a stand-in of the server's contract that restarts, loses answers, conflicts and refuses.

import "fake-indexeddb/auto";

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { afterEach, test } from "node:test";

import { openDB } from "idb";

import {
  attachmentCounts, attachmentUrlFor, chunkRange, keepAttachment, pendingAttachments, uploadAttachments,
} from "../../pwa/attachments.js";
import { DB_VERSION, upgrade } from "../../pwa/schema.js";
import { attachmentServer, sha256 } from "./attachment-server.js";

const TOKEN = "token-1";
let databases = 0;
const open = [];

/** The app's storage as pwa/store.js opens it: {db}, on the same schema steps. */
async function openStore(name) {
  const db = await openDB(name, DB_VERSION, { upgrade: (database, oldVersion, newVersion, tx) => upgrade(database, oldVersion, newVersion, tx) });
  open.push(db);
  return { db };
}

async function freshStore() {
  databases += 1;
  return openStore(`attachments-${databases}`);
}

afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

const photo = (size = 200_000) => new Blob([randomBytes(size)], { type: "image/jpeg" });
const signature = (size = 9_000) => new Blob([randomBytes(size)], { type: "image/png" });
const bytesOf = async (blob) => new Uint8Array(await blob.arrayBuffer());
const puts = (server) => server.requests.filter((r) => r.method === "PUT").map((r) => r.range);

test("a photo is kept before anything else: id, sha256 of its bytes, state pending", async () => {
  const store = await freshStore();
  const blob = photo();
  const kept = await keepAttachment(store, { kind: "photo", blob });
  assert.match(kept.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(kept, { id: kept.id, sha256: sha256(await bytesOf(blob)), size: 200_000, type: "image/jpeg" });

  const [row] = await pendingAttachments(store);
  assert.equal(row.id, kept.id);
  assert.equal(row.kind, "photo");
  assert.equal(row.state, "pending");
  assert.equal(row.received, 0);
  assert.equal(row.error, null);
  assert.ok(!Number.isNaN(Date.parse(row.created_at)));
  assert.deepEqual(await bytesOf(row.blob), await bytesOf(blob), "the kept bytes are the captured bytes");
  assert.equal(row.blob.type, "image/jpeg");
  assert.deepEqual(await attachmentCounts(store), { pending: 1, done: 0, failed: 0 });
});

test("what the server would refuse is refused at the door, where it can be taken again, and nothing is kept", async () => {
  const store = await freshStore();
  const refusals = [
    [{ kind: "photo", blob: photo(307_201) }, /over the 300 KB limit/],
    [{ kind: "signature", blob: signature(102_401) }, /over the 100 KB limit/],
    [{ kind: "video", blob: photo() }, /photo or a signature/],
    [{ kind: "photo", blob: new Blob([randomBytes(10)], { type: "image/gif" }) }, /must be image\/jpeg/],
    [{ kind: "signature", blob: new Blob([], { type: "image/png" }) }, /empty/],
    [{ kind: "photo", blob: "not a file" }, /not a file/],
  ];
  for (const [input, message] of refusals) await assert.rejects(keepAttachment(store, input), message);
  assert.deepEqual(await attachmentCounts(store), { pending: 0, done: 0, failed: 0 });
  // Exactly at the limits is fine.
  await keepAttachment(store, { kind: "photo", blob: photo(307_200) });
  await keepAttachment(store, { kind: "signature", blob: signature(102_400) });
  assert.equal((await attachmentCounts(store)).pending, 2);
});

test("a signature and a photo go up oldest first in 64 KiB chunks, and only the server's copy remains", async () => {
  const store = await freshStore();
  const server = attachmentServer({ token: TOKEN });
  const sig = signature();
  const pic = photo(200_000);
  const first = await keepAttachment(store, { kind: "signature", blob: sig });
  const second = await keepAttachment(store, { kind: "photo", blob: pic });

  const result = await uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  assert.deepEqual(result, { uploaded: 2, failed: 0, remaining: 0, stopped: null, retryAfterMs: 0, error: null });
  assert.deepEqual(server.requests.map((r) => `${r.method} ${r.url}`), [
    `GET /api/attachments/${first.id}/status`,
    `PUT /api/attachments/${first.id}`,
    `GET /api/attachments/${second.id}/status`,
    ...Array(4).fill(`PUT /api/attachments/${second.id}`),
  ]);
  assert.deepEqual(puts(server), [
    "bytes 0-8999/9000", "bytes 0-65535/200000", "bytes 65536-131071/200000", "bytes 131072-196607/200000", "bytes 196608-199999/200000",
  ]);
  assert.deepEqual(server.held(first.id), await bytesOf(sig));
  assert.deepEqual(server.held(second.id), await bytesOf(pic));

  // The rows stay, without their bytes: the server holds them under the same hash.
  const row = await store.db.get("attachments", second.id);
  assert.equal(row.state, "done");
  assert.equal(row.sha256, second.sha256);
  assert.equal(row.received, 200_000);
  assert.equal(row.bytes, undefined);
  assert.deepEqual(await pendingAttachments(store), []);
  assert.deepEqual(await attachmentCounts(store), { pending: 0, done: 2, failed: 0 });

  const before = server.requests.length;
  assert.equal((await uploadAttachments(store, { fetch: server.fetch, token: TOKEN })).uploaded, 0);
  assert.equal(server.requests.length, before, "nothing left to send, nothing asked");
});

test("the server dies after the 2nd chunk and the app is closed: nothing is lost, the next start resumes at the server's count", async () => {
  databases += 1;
  const name = `attachments-${databases}`;
  let store = await openStore(name);
  const server = attachmentServer({ token: TOKEN });
  server.dieAfterChunks = 2;
  const pic = photo(200_000);
  const { id } = await keepAttachment(store, { kind: "photo", blob: pic });

  const cut = await uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  assert.equal(cut.stopped, "offline");
  assert.deepEqual([cut.uploaded, cut.failed, cut.remaining], [0, 0, 1]);
  const [waiting] = await pendingAttachments(store);
  assert.equal(waiting.state, "uploading");
  assert.equal(waiting.received, 131_072);
  assert.deepEqual(await bytesOf(waiting.blob), await bytesOf(pic));

  // The app is closed and opened again; the server comes back with what it had taken.
  store.db.close();
  store = await openStore(name);
  server.down = false;
  server.dieAfterChunks = Infinity;
  server.requests.length = 0;
  const resumed = await uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  assert.deepEqual([resumed.uploaded, resumed.remaining, resumed.stopped], [1, 0, null]);
  assert.deepEqual(puts(server), ["bytes 131072-196607/200000", "bytes 196608-199999/200000"], "no byte sent twice");
  assert.deepEqual(server.held(id), await bytesOf(pic));
});

test("a 5xx stops the pass with the server's Retry-After, and the next pass finishes the file", async () => {
  const store = await freshStore();
  const server = attachmentServer({ token: TOKEN });
  const { id } = await keepAttachment(store, { kind: "signature", blob: signature() });
  server.failWith = { status: 503, retryAfter: 7 };
  const failed = await uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  assert.deepEqual([failed.stopped, failed.retryAfterMs, failed.remaining], ["server", 7000, 1]);
  assert.match(failed.error, /not available \(503\)/);

  server.failWith = null;
  assert.equal((await uploadAttachments(store, { fetch: server.fetch, token: TOKEN })).uploaded, 1);
  assert.ok(server.held(id));
});

test("an answer lost after the last chunk: the next pass resends the first chunk only, answered 200 stored:false", async () => {
  const store = await freshStore();
  const server = attachmentServer({ token: TOKEN });
  const { id } = await keepAttachment(store, { kind: "signature", blob: signature() });
  server.loseNextAnswer = true;
  assert.equal((await uploadAttachments(store, { fetch: server.fetch, token: TOKEN })).stopped, "offline");
  assert.ok(server.held(id), "the server has it; the phone does not know yet");

  server.requests.length = 0;
  const result = await uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  assert.equal(result.uploaded, 1);
  assert.deepEqual(server.requests.map((r) => `${r.method} ${r.range}`), ["GET null", "PUT bytes 0-8999/9000"]);
  assert.equal((await store.db.get("attachments", id)).state, "done");
});

test("409 range_mismatch: the server holds more than its status said, and the upload goes on from its count", async () => {
  const store = await freshStore();
  const server = attachmentServer({ token: TOKEN });
  const pic = photo(150_000);
  const { id } = await keepAttachment(store, { kind: "photo", blob: pic });
  // Another tab (in a browser without Web Locks) sent the first chunk right after our status request.
  const bytes = await bytesOf(pic);
  server.afterStatus = () => server.hold(id, { kind: "photo", bytes, received: 65_536 });
  const result = await uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  assert.equal(result.uploaded, 1);
  assert.deepEqual(puts(server), ["bytes 0-65535/150000", "bytes 65536-131071/150000", "bytes 131072-149999/150000"]);
  assert.deepEqual(server.held(id), bytes);
});

test("a re-upload of a file the server already holds is answered 200 stored:false, and counts as done", async () => {
  const store = await freshStore();
  const server = attachmentServer({ token: TOKEN });
  const pic = photo(100_000);
  const { id } = await keepAttachment(store, { kind: "photo", blob: pic });
  const bytes = await bytesOf(pic);
  // Another tab finished the same file between our status request and our first chunk.
  server.afterStatus = () => server.hold(id, { kind: "photo", bytes });
  const result = await uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  assert.deepEqual([result.uploaded, result.failed, result.remaining], [1, 0, 0]);
  assert.deepEqual(puts(server), ["bytes 0-65535/100000"]);
  assert.equal((await store.db.get("attachments", id)).state, "done");
});

test("409 attachment_conflict: the phone keeps its copy, marks it, and sends the next file", async () => {
  const store = await freshStore();
  const server = attachmentServer({ token: TOKEN });
  const pic = photo(90_000);
  const clash = await keepAttachment(store, { kind: "photo", blob: pic });
  const next = await keepAttachment(store, { kind: "signature", blob: signature() });
  server.hold(clash.id, { kind: "photo", bytes: randomBytes(90_000) });

  const result = await uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  assert.deepEqual([result.uploaded, result.failed, result.remaining, result.stopped], [1, 1, 0, null]);
  const row = await store.db.get("attachments", clash.id);
  assert.equal(row.state, "conflict");
  assert.match(row.error, /Another file is held under this id/);
  assert.deepEqual(new Uint8Array(row.bytes), await bytesOf(pic), "the local copy is never deleted");
  assert.ok(server.held(next.id));
  assert.deepEqual(await attachmentCounts(store), { pending: 0, done: 1, failed: 1 });

  // A conflict is not retried: it waits for a person, not for the network.
  server.requests.length = 0;
  await uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  assert.equal(server.requests.length, 0);
});

test("413: refused with the server's message, the local copy kept", async () => {
  const store = await freshStore();
  const server = attachmentServer({ token: TOKEN, limits: { photo: 100_000, signature: 102_400 } });
  const pic = photo(150_000);
  const { id } = await keepAttachment(store, { kind: "photo", blob: pic });
  const result = await uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  assert.deepEqual([result.uploaded, result.failed, result.remaining], [0, 1, 0]);
  const row = await store.db.get("attachments", id);
  assert.equal(row.state, "refused");
  assert.equal(row.error, "A photo may be at most 100000 bytes.");
  assert.deepEqual(new Uint8Array(row.bytes), await bytesOf(pic));
});

test("401 ends the pass: the session is over, every file stays waiting", async () => {
  const store = await freshStore();
  const server = attachmentServer({ token: TOKEN });
  await keepAttachment(store, { kind: "signature", blob: signature() });
  await keepAttachment(store, { kind: "photo", blob: photo() });
  const result = await uploadAttachments(store, { fetch: server.fetch, token: "expired" });
  assert.deepEqual([result.uploaded, result.failed, result.remaining, result.stopped], [0, 0, 2, "signed_out"]);
  assert.equal(server.requests.length, 1, "the pass stopped at the first 401");
  assert.equal((await pendingAttachments(store)).length, 2);
});

test("one pass per tab: a call during a pass joins it, and the file kept meanwhile is sent by it", async () => {
  const store = await freshStore();
  const server = attachmentServer({ token: TOKEN });
  await keepAttachment(store, { kind: "photo", blob: photo(200_000) });
  const first = uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  const late = await keepAttachment(store, { kind: "signature", blob: signature() });
  const second = uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  assert.equal(first, second, "the same pass");
  const result = await first;
  assert.deepEqual([result.uploaded, result.remaining], [2, 0]);
  assert.equal(puts(server).length, 5, "every chunk sent once");
  assert.ok(server.held(late.id));
});

test("across tabs: while another tab holds the upload lock this one does not send", async (t) => {
  const store = await freshStore();
  const server = attachmentServer({ token: TOKEN });
  await keepAttachment(store, { kind: "signature", blob: signature() });
  const asked = [];
  const held = new Set(["shipshape-attachments"]);
  const locks = {
    request(name, options, callback) {
      asked.push([name, options]);
      return Promise.resolve(callback(held.has(name) ? null : { name }));
    },
  };
  const before = Object.getOwnPropertyDescriptor(globalThis, "navigator");
  Object.defineProperty(globalThis, "navigator", { value: { locks }, configurable: true, writable: true });
  t.after(() => (before ? Object.defineProperty(globalThis, "navigator", before) : delete globalThis.navigator));
  const busy = await uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  assert.deepEqual([busy.stopped, busy.uploaded, busy.remaining], ["busy", 0, 1]);
  assert.equal(server.requests.length, 0);
  assert.deepEqual(asked, [["shipshape-attachments", { ifAvailable: true }]]);

  held.clear();
  assert.equal((await uploadAttachments(store, { fetch: server.fetch, token: TOKEN })).uploaded, 1);
});

test("an aborted pass stops between requests and keeps everything", async () => {
  const store = await freshStore();
  const server = attachmentServer({ token: TOKEN });
  const { id } = await keepAttachment(store, { kind: "photo", blob: photo(200_000) });
  const controller = new AbortController();
  const fetch = async (url, init) => {
    const response = await server.fetch(url, init);
    if (init.method === "PUT") controller.abort();
    return response;
  };
  const result = await uploadAttachments(store, { fetch, token: TOKEN, signal: controller.signal });
  assert.equal(result.stopped, "aborted");
  assert.equal(result.remaining, 1);
  assert.equal(puts(server).length, 1);
  assert.equal((await store.db.get("attachments", id)).received, 65_536);
});

test("done rows are remembered for 30 days, then forgotten by a pass", async () => {
  const store = await freshStore();
  const server = attachmentServer({ token: TOKEN });
  const day = 24 * 3600 * 1000;
  const done = (id, age) => ({
    id, kind: "signature", sha256: "0".repeat(64), size: 1, type: "image/png", created_at: new Date(Date.now() - age).toISOString(),
    state: "done", received: 1, error: null, done_at: new Date(Date.now() - age).toISOString(),
  });
  await store.db.put("attachments", done("old", 31 * day));
  await store.db.put("attachments", done("recent", 29 * day));
  await uploadAttachments(store, { fetch: server.fetch, token: TOKEN });
  assert.deepEqual((await store.db.getAllKeys("attachments")).sort(), ["recent"]);
});

test("without a token nothing is asked", async () => {
  const store = await freshStore();
  const server = attachmentServer({ token: TOKEN });
  await keepAttachment(store, { kind: "signature", blob: signature() });
  const result = await uploadAttachments(store, { fetch: server.fetch, token: null });
  assert.equal(result.stopped, "signed_out");
  assert.equal(server.requests.length, 0);
});

test("chunk ranges are inclusive at the end, the last one short; the supervisor's URL names the id", () => {
  assert.deepEqual(chunkRange(0, 10, 4), { start: 0, end: 4, header: "bytes 0-3/10" });
  assert.deepEqual(chunkRange(8, 10, 4), { start: 8, end: 10, header: "bytes 8-9/10" });
  assert.deepEqual(chunkRange(0, 65_536), { start: 0, end: 65_536, header: "bytes 0-65535/65536" });
  assert.equal(attachmentUrlFor("0b6c0e1e-0000-4000-8000-000000000001"), "/api/attachments/0b6c0e1e-0000-4000-8000-000000000001");
});
