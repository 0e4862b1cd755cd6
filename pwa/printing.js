// Printing from the phone: the server's printable pages (packing slip, 4×6 package label) need the
// bearer token, and a token must never sit in a URL (logs, history, the printer's spooler). So the
// page is fetched with the token in a header and printed from a hidden iframe holding it as srcdoc:
// it inherits this page's origin and CSP, so its /static/print.css loads and nothing else can.
//
// The frame stays in the page (data-document names what it holds, data-loaded once it has drawn)
// until the next print replaces it: a browser whose print() does nothing (headless) still shows
// what would have printed.

import { loadSession, request } from "./api.js";
import { h } from "./dom.js";

export class PrintProblem extends Error {}

/** Fetch `path` with the session's token and print it; `name` labels the frame. Throws PrintProblem. */
export async function printDocument(path, name) {
  if (navigator.onLine === false) throw new PrintProblem("Printing needs a connection");
  const token = loadSession({ allowExpired: true })?.token;
  let response;
  try {
    response = await fetch(path, { headers: { Accept: "text/html", ...(token && { Authorization: `Bearer ${token}` }) } });
  } catch {
    throw new PrintProblem("Printing needs a connection");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new PrintProblem(body?.message || `The server could not make ${name} (HTTP ${response.status})`);
  }
  const html = await response.text();
  document.querySelector("iframe.print-frame")?.remove();
  const frame = h("iframe.print-frame", { title: `Print ${name}`, "aria-hidden": "true", tabindex: "-1", "data-document": name });
  frame.addEventListener("load", () => {
    frame.dataset.loaded = "true";
    try {
      frame.contentWindow.focus();
      frame.contentWindow.print();
    } catch (problem) {
      console.warn("print failed", problem);
    }
  }, { once: true });
  frame.srcdoc = html; // a property, not through h(): the document is the server's own markup
  document.body.append(frame);
}

/**
 * Book the package with our own fleet so its label carries the tracking number. Idempotent on the
 * server; a server without the route (404/405) gets the label without one rather than none.
 */
export async function bookShipment(code, carrier = "own_fleet") {
  try {
    return await request("POST", `/api/packages/${encodeURIComponent(code)}/shipment`, { carrier });
  } catch (problem) {
    if (problem.status === 404 || problem.status === 405) return null;
    if (problem.status === 0) throw new PrintProblem("Printing needs a connection");
    throw new PrintProblem(problem.message);
  }
}
