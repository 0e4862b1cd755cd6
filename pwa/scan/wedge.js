// Hardware scanners in "keyboard wedge" mode type what they read, far faster than a person, and end
// with Enter (or Tab). A run of keystrokes ended by Enter/Tab is a scan when it is at least
// minLength long and its typical (median) gap between keys is under maxGapMs — a person types at
// 100 ms a key or slower, a scanner at a few ms. The median, not every gap, because a busy phone
// delivers the odd key late; a pause over maxPauseMs still ends the run.
//
// GS1's FNC1 field separator (GS, \x1d) has no key of its own. Scanners send it as Ctrl+], as a
// key whose value is the GS character itself, or as a key the site configures (F8 is common);
// all three become \x1d in the code.

const MODIFIERS = new Set(["Shift", "Control", "Alt", "AltGraph", "Meta", "CapsLock", "NumLock", "Fn"]);
const GS = "\x1d";

function gsKeys(option) {
  const list = Array.isArray(option) ? option : [option];
  return new Set(list.filter(Boolean).map((key) => String(key).replace(/^<(.+)>$/, "$1")));
}

function editable(element) {
  if (!element) return null;
  if (element instanceof HTMLTextAreaElement) return element;
  if (element instanceof HTMLInputElement && element.type !== "password") return element;
  return null;
}

/** What one keydown contributes: a character, GS, "end" (Enter/Tab), "skip" (a modifier) or null. */
function keyMeaning(event, gsSet) {
  const { key } = event;
  if (MODIFIERS.has(key)) return "skip";
  if (key === GS || key === "GroupSeparator" || gsSet.has(key)) return GS;
  if (event.ctrlKey && (key === "]" || event.code === "BracketRight")) return GS;
  if (key === "Enter" || key === "Tab") return event.ctrlKey || event.altKey || event.metaKey ? null : "end";
  if (key.length === 1 && !event.ctrlKey && !event.altKey && !event.metaKey) return key;
  return null;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Listen for keyboard-wedge scans on the whole page. onCode(text, {startedAt, endedAt}) gets each
 * code (GS as \x1d). Returns a function that stops listening.
 * Options: maxGapMs (a scanner's typical gap between keys is below it), maxPauseMs (a longer gap
 * starts a new run; default 10 × maxGapMs, as a busy phone can hold one key back that long),
 * minLength, gs (extra key name(s) that mean GS, e.g. "F8" or "<F8>").
 */
export function listenForWedge(onCode, { maxGapMs = 50, maxPauseMs = 10 * maxGapMs, minLength = 3, gs = "F8", target = window } = {}) {
  const gsSet = gsKeys(gs);
  let buffer = "";
  let gaps = [];
  let lastAt = -Infinity;
  let startedAt = 0;
  let field = null; // the text field focused when the run began, and what it held then

  function reset() {
    buffer = "";
    gaps = [];
    field = null;
  }

  function startRun(at) {
    reset();
    startedAt = at;
    const element = editable(document.activeElement);
    field = element && { element, value: element.value, start: element.selectionStart, end: element.selectionEnd };
  }

  // The scanner's characters landed in the focused field one by one before the run was known to
  // be a scan; put the field back as it was.
  function restoreField() {
    if (!field || field.element.value === field.value) return;
    field.element.value = field.value;
    try {
      field.element.setSelectionRange(field.start, field.end);
    } catch {
      // Inputs such as type=email have no selection API.
    }
    field.element.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function onKeyDown(event) {
    if (event.isComposing || event.repeat) return;
    if (document.activeElement instanceof HTMLInputElement && document.activeElement.type === "password") return;
    const meaning = keyMeaning(event, gsSet);
    if (meaning === "skip") return;
    const at = event.timeStamp || performance.now();
    const gap = at - lastAt;
    lastAt = at;
    if (meaning === null) {
      reset();
      return;
    }
    const continues = buffer !== "" && gap <= maxPauseMs;
    if (meaning === "end") {
      if (continues && buffer.length >= minLength && median([...gaps, gap]) <= maxGapMs) {
        event.preventDefault();
        event.stopImmediatePropagation();
        const code = buffer;
        restoreField();
        reset();
        onCode(code, { startedAt, endedAt: at });
      } else {
        reset();
      }
      return;
    }
    if (continues) gaps.push(gap);
    else startRun(at);
    // GS keys have no business in a text field or the browser (F8, Ctrl+]).
    if (meaning === GS) event.preventDefault();
    buffer += meaning;
  }

  target.addEventListener("keydown", onKeyDown, { capture: true });
  return () => target.removeEventListener("keydown", onKeyDown, { capture: true });
}
