// Server-sent events read with fetch(), not EventSource: EventSource cannot send the Authorization
// header, and a bearer token must never go into a URL (logs, history, Referer). The parser follows
// the HTML standard's event stream format: lines end in CRLF, LF or CR; "data" lines join with LF;
// a blank line dispatches; lines starting with ":" are comments (our keepalives).

/**
 * createSseParser({onEvent, onComment}) → {push(text), end()}
 * onEvent({event, data, id}) for each dispatched event (event defaults to "message"; id is the last
 * id seen on the stream, as the standard keeps it); onComment(text) for each comment line.
 */
export function createSseParser({ onEvent = () => {}, onComment = () => {} } = {}) {
  let buffer = "";
  let pendingCR = false; // the previous chunk ended in CR: a LF starting this one belongs to it
  let event = "";
  let data = [];
  let lastId = null;

  function line(text) {
    if (text === "") {
      if (data.length) onEvent({ event: event || "message", data: data.join("\n"), id: lastId });
      event = "";
      data = [];
      return;
    }
    if (text[0] === ":") {
      onComment(text.slice(1).replace(/^ /, ""));
      return;
    }
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? "" : text.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) lastId = value;
    // "retry" and unknown fields: we schedule our own reconnects.
  }

  return {
    push(text) {
      if (pendingCR && text[0] === "\n") text = text.slice(1);
      pendingCR = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const char = buffer[i];
        if (char !== "\n" && char !== "\r") continue;
        line(buffer.slice(start, i));
        if (char === "\r") {
          if (i + 1 === buffer.length) pendingCR = true;
          else if (buffer[i + 1] === "\n") i++;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    /** The stream closed: an event without its blank line is dropped, as the standard says. */
    end() {
      buffer = "";
      event = "";
      data = [];
    },
    get lastEventId() {
      return lastId;
    },
  };
}

export class StreamError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status; // 0: the network failed or the stream broke off
  }
}

/**
 * readEventStream(path, {token, lastEventId, signal, onOpen, onEvent, onComment, fetch})
 * Opens the stream with the bearer token and reads it until it ends (resolves) or fails (rejects with
 * StreamError; an abort through `signal` rejects with the AbortError). onOpen() once the answer is 200.
 */
export async function readEventStream(path, { token, lastEventId = null, signal, onOpen = () => {}, onEvent, onComment, fetch: fetchFn = globalThis.fetch } = {}) {
  const headers = { Accept: "text/event-stream" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (lastEventId !== null && lastEventId !== undefined) headers["Last-Event-ID"] = String(lastEventId);
  let response;
  try {
    response = await fetchFn(path, { headers, signal, cache: "no-store" });
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new StreamError(0, "Can't reach the server.");
  }
  if (!response.ok || !response.body) {
    const body = await response.json().catch(() => null);
    throw new StreamError(response.status, body?.message || `The server answered ${response.status}.`);
  }
  onOpen();
  const parser = createSseParser({ onEvent, onComment });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
    }
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new StreamError(0, "The live connection broke off.");
  } finally {
    parser.end();
  }
}
