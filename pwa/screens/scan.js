// "Scan test": the scanner panel and, below it, everything known about the last scan — the exact
// text, the symbology, where it came from, and what the device's own offline interpreter makes of it.
// Supervisors use it to check a new label or a new handheld before it reaches the floor.

import { h, safeText, show } from "../dom.js";
import { feedback } from "../scan/feedback.js";
import { createScanner, formatLabel } from "../scan/scanner.js";

// Shown in this order; other fields of the interpretation follow.
const MEANING_FIELDS = ["kind", "valid", "error", "gtin", "sscc", "lot", "expiry", "best_before", "serial", "count", "weight_kg"];

// The interpreter is another module, loaded on its own so this screen still works (showing only
// text and format) when it is missing or its rules cannot be loaded.
let interpreterLoading = null;
function loadInterpreter() {
  interpreterLoading ??= import("../scan/interpret.js")
    .then(async (module) => {
      await module.loadGs1Rules();
      return module.interpret;
    })
    .catch(() => null);
  return interpreterLoading;
}

/** Make GS visible: ␝ in place of the invisible \x1d; bidirectional overrides are dropped (dom.js). */
function visible(text) {
  return safeText(text.replaceAll("\x1d", "␝"));
}

function describe(value) {
  if (value === true) return "yes";
  if (value === false) return "no";
  return String(value);
}

/** The scan test screen. */
export function scanScreen() {
  let interpret = null;
  // Shown with GS as ␝; the exact text (with the real \x1d) is in data-raw.
  const code = h("output.scan-code", { "data-testid": "last-code" });
  const format = h("output", { "data-testid": "last-format" });
  const symbology = h("output", { "data-testid": "last-symbology" });
  const source = h("output", { "data-testid": "last-source" });
  const meaning = h("dl.scan-meaning", { "data-testid": "last-meaning" });
  const count = h("output", { "data-testid": "scan-count" }, "0");
  let scans = 0;

  const scanner = createScanner({ onScan });
  const details = h(
    "section.panel.scan-details",
    { "aria-label": "Last scan" },
    h("h2", "Last scan"),
    h(
      "dl.scan-facts",
      h("dt", "Code"),
      h("dd", code),
      h("dt", "Format"),
      h("dd", format),
      h("dt", "Symbology"),
      h("dd", symbology),
      h("dt", "Source"),
      h("dd", source),
      h("dt", "Scans"),
      h("dd", count),
    ),
    h("h3", "Meaning"),
    meaning,
  );
  const root = h("section.screen.scan-screen", h("div.screen-head", h("h1", "Scan test")), scanner.element, details);

  loadInterpreter().then((fn) => {
    interpret = fn;
    root.dataset.interpreter = fn ? "ready" : "missing";
  });

  function onScan(scan) {
    scans += 1;
    code.textContent = visible(scan.text);
    code.dataset.raw = scan.text;
    format.textContent = scan.format ? formatLabel(scan.format, scan.symbology, scan.raw ?? scan.text) : "—";
    format.dataset.format = scan.format ?? "";
    symbology.textContent = scan.symbology ?? "—";
    source.textContent = scan.source;
    count.textContent = String(scans);

    let kind = "ok";
    // The big line is for people: the code without its symbology identifier.
    let line = visible(scan.text.replace(/^\][A-Za-z][0-9A-Za-z]/, ""));
    if (interpret) {
      let result;
      try {
        result = interpret(scan.text);
      } catch (problem) {
        result = { kind: "unknown", valid: false, error: String(problem?.message ?? problem) };
      }
      showMeaning(result);
      // GS1 data reads best as its HRI, "(01)…(10)…": the GS separators become brackets.
      if (result.valid && result.code && /^\(\d/.test(result.code)) line = result.code;
      if (result.valid === false) {
        kind = "error";
        line = `${line} — ${result.error ?? "not valid"}`;
      }
    } else {
      show(meaning, h("p.muted", "The offline interpreter is not available."));
    }
    feedback(kind, line);
    // Observers (the decode benchmark) learn when the feedback went on screen.
    root.dispatchEvent(new CustomEvent("scan-feedback", { detail: { scan, kind, shownAt: performance.now() } }));
  }

  function showMeaning(result) {
    const keys = [...MEANING_FIELDS, ...Object.keys(result).filter((key) => !MEANING_FIELDS.includes(key))];
    const rows = [];
    for (const key of keys) {
      const value = result[key];
      if (value === null || value === undefined || typeof value === "object") continue;
      rows.push(h("dt", key.replaceAll("_", " ")), h("dd", { "data-testid": `meaning-${key.replaceAll("_", "-")}` }, describe(value)));
    }
    show(meaning, rows);
  }

  // The app swaps screens by replacing the main element's children; once this screen is gone the
  // camera must be released.
  let mounted = false;
  const watcher = new MutationObserver(() => {
    if (root.isConnected) mounted = true;
    if (root.isConnected || !mounted) return;
    watcher.disconnect();
    scanner.destroy();
  });
  queueMicrotask(() => watcher.observe(document.body, { childList: true, subtree: true }));

  return { root, title: "Scan test", scanner };
}
