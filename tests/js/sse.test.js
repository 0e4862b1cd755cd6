// The event stream parser behind the live floor (pwa/sse.js): what the HTML standard says a stream
// means, however the network cuts it into chunks.

import assert from "node:assert/strict";
import { test } from "node:test";

import { createSseParser, readEventStream } from "../../pwa/sse.js";

function parse(chunks) {
  const events = [];
  const comments = [];
  const parser = createSseParser({ onEvent: (e) => events.push(e), onComment: (c) => comments.push(c) });
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return { events, comments };
}

const STREAM = 'id: 41\r\nevent: floor\r\ndata: {"ledger_id":41}\r\n\r\n: keepalive\r\n\r\nid: 42\r\nevent: floor\r\ndata: {"ledger_id":42}\r\n\r\n';

test("a floor event carries its name, its data and its id; a keepalive is a comment", () => {
  const { events, comments } = parse([STREAM]);
  assert.deepEqual(events, [
    { event: "floor", data: '{"ledger_id":41}', id: "41" },
    { event: "floor", data: '{"ledger_id":42}', id: "42" },
  ]);
  assert.deepEqual(comments, ["keepalive"]);
});

test("the same stream cut anywhere, even between CR and LF, gives the same events", () => {
  const whole = parse([STREAM]);
  for (let cut = 1; cut < STREAM.length; cut++) {
    assert.deepEqual(parse([STREAM.slice(0, cut), STREAM.slice(cut)]), whole, `cut at ${cut}`);
  }
  assert.deepEqual(parse([...STREAM]), whole, "one character at a time");
});

test("LF and lone CR end lines too; data lines join with LF; the event name defaults to message", () => {
  assert.deepEqual(parse(["data: one\ndata: two\n\n"]).events, [{ event: "message", data: "one\ntwo", id: null }]);
  assert.deepEqual(parse(["data:x\r\rdata: y\r\r"]).events, [
    { event: "message", data: "x", id: null },
    { event: "message", data: "y", id: null },
  ]);
});

test("only the first space after the colon is dropped; a field without a colon has an empty value", () => {
  assert.deepEqual(parse(["data:  two spaces\n\n"]).events[0].data, " two spaces");
  assert.deepEqual(parse(["data\n\n"]).events, [{ event: "message", data: "", id: null }]);
});

test("an event without data is not dispatched, and one cut off by the end of the stream is dropped", () => {
  assert.deepEqual(parse(["event: floor\n\n", "data: half"]).events, []);
});

test("the last id is kept for later events, as Last-Event-ID is", () => {
  const { events } = parse(["id: 7\ndata: a\n\ndata: b\n\n"]);
  assert.deepEqual(events.map((e) => e.id), ["7", "7"]);
});

test("readEventStream sends the bearer token and Last-Event-ID in headers, never in the URL", async () => {
  let seen = null;
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("id: 3\nevent: floor\ndata: {}\n\n"));
      controller.close();
    },
  });
  const events = [];
  await readEventStream("/api/floor/stream", {
    token: "t0ken",
    lastEventId: 2,
    onEvent: (e) => events.push(e),
    fetch: async (url, init) => {
      seen = { url, headers: init.headers };
      return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
    },
  });
  assert.equal(seen.url, "/api/floor/stream");
  assert.deepEqual(seen.headers, { Accept: "text/event-stream", Authorization: "Bearer t0ken", "Last-Event-ID": "2" });
  assert.deepEqual(events, [{ event: "floor", data: "{}", id: "3" }]);
});

test("a refused stream rejects with the server's status and message", async () => {
  const refused = () => new Response(JSON.stringify({ error: "forbidden", message: "role picker may not" }), { status: 403 });
  await assert.rejects(readEventStream("/x", { fetch: async () => refused() }), { status: 403, message: "role picker may not" });
  await assert.rejects(readEventStream("/x", { fetch: async () => { throw new TypeError("network"); } }), { status: 0 });
});
