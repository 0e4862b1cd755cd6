// A stand-in for the server's attachment routes, as a `fetch` function, written from the contract
// (PUT /api/attachments/{id} by Content-Range, GET …/status) so the device's uploader can be driven
// through every answer without a server: restarts, lost answers, conflicts, limits.

import { createHash } from "node:crypto";

const RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;
const ROUTE = /^\/api\/attachments\/([0-9a-f-]{36})(\/status)?$/;

export function attachmentServer({ token = "token-1", limits = { photo: 307_200, signature: 102_400 }, chunkLimit = 65_536 } = {}) {
  const server = {
    files: new Map(), // id → {kind, sha256, total, bytes, received, complete}
    requests: [], // {method, url, range}
    down: false, // every request fails as a network error would
    failWith: null, // {status, retryAfter}: every request answers that
    dieAfterChunks: Infinity, // go down once this many chunks have been taken (the answer still arrives)
    loseNextAnswer: false, // handle the next PUT, then fail as if the answer never came back
    afterStatus: null, // () => void, once: what happens between the device's status request and its PUT
    chunksTaken: 0,

    /** The bytes of a complete file, or null. */
    held(id) {
      const file = server.files.get(id);
      return file?.complete ? file.bytes : null;
    },

    /** Hold a file as if it had been uploaded earlier (by another tab, another device, a bug). */
    hold(id, { kind, bytes, received = bytes.length }) {
      const copy = new Uint8Array(bytes.length);
      copy.set(bytes.subarray(0, received));
      server.files.set(id, { kind, sha256: sha256(bytes), total: bytes.length, bytes: copy, received, complete: received === bytes.length });
    },

    async fetch(url, init = {}) {
      const method = init.method ?? "GET";
      server.requests.push({ method, url, range: init.headers?.["Content-Range"] ?? null });
      if (server.down) throw new TypeError("fetch failed");
      if (server.failWith) {
        const { status, retryAfter } = server.failWith;
        return answer(status, { error: "unavailable" }, retryAfter ? { "Retry-After": String(retryAfter) } : {});
      }
      if (init.headers?.Authorization !== `Bearer ${token}`) return answer(401, { error: "unauthorized", message: "Sign in." });
      const route = ROUTE.exec(url);
      if (!route) return answer(404, { error: "not_found" });
      const [, id, status] = route;
      if (status && method === "GET") {
        const file = server.files.get(id);
        const reply = file ? answer(200, { id, received: file.received, total: file.total, complete: file.complete }) : answer(404, { error: "not_found" });
        const then = server.afterStatus;
        server.afterStatus = null;
        then?.();
        return reply;
      }
      if (method !== "PUT") return answer(405, { error: "method_not_allowed" });
      const reply = await put(id, init);
      if (server.loseNextAnswer) {
        server.loseNextAnswer = false;
        throw new TypeError("fetch failed");
      }
      return reply;
    },
  };

  async function put(id, init) {
    const headers = init.headers ?? {};
    const kind = headers["X-Attachment-Kind"];
    const hash = headers["X-Content-SHA256"];
    const range = RANGE.exec(headers["Content-Range"] ?? "");
    if (!(kind in limits)) return answer(400, { error: "bad_kind", message: "X-Attachment-Kind must be photo or signature." });
    if (!/^[0-9a-f]{64}$/.test(hash ?? "")) return answer(400, { error: "bad_hash", message: "X-Content-SHA256 must be 64 hex digits." });
    if (!range) return answer(400, { error: "bad_range", message: "Content-Range must be bytes start-end/total." });
    const [start, end, total] = range.slice(1).map(Number);
    if (total > limits[kind]) return answer(413, { error: "too_large", message: `A ${kind} may be at most ${limits[kind]} bytes.` });
    const chunk = new Uint8Array(await init.body.arrayBuffer());
    if (chunk.length !== end - start + 1 || chunk.length > chunkLimit || end >= total) {
      return answer(400, { error: "bad_range", message: "The body does not match Content-Range." });
    }
    let file = server.files.get(id);
    if (file && (file.sha256 !== hash || file.total !== total)) {
      return answer(409, { error: "attachment_conflict", message: "Another file is held under this id." });
    }
    if (file?.complete) return answer(200, { stored: false, complete: true });
    if (start !== (file?.received ?? 0)) return answer(409, { error: "range_mismatch", received: file?.received ?? 0 });
    if (!file) {
      file = { kind, sha256: hash, total, bytes: new Uint8Array(total), received: 0, complete: false };
      server.files.set(id, file);
    }
    file.bytes.set(chunk, start);
    file.received = end + 1;
    server.chunksTaken += 1;
    if (server.chunksTaken >= server.dieAfterChunks) server.down = true;
    if (file.received < total) return answer(202, { received: file.received, total, complete: false });
    if (sha256(file.bytes) !== hash) {
      server.files.delete(id);
      return answer(400, { error: "hash_mismatch", message: "The file's bytes do not match X-Content-SHA256." });
    }
    file.complete = true;
    return answer(201, { id, stored: true, complete: true });
  }

  return server;
}

export function sha256(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

function answer(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}
