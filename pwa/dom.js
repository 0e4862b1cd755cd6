// Building the DOM from data. Everything goes through textContent, never innerHTML, so a product
// name or customer typed by a sales channel can never become markup — and through safeText, so it
// cannot reorder what is shown around it either.

// Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): "R\u202Efdp.exe"
// would show as "Rexe.pdf". Text from the server or a scan never needs them to be read correctly.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/** The text with every bidirectional override and isolate removed, so it shows as it is stored. */
export function safeText(text) {
  return String(text).replace(BIDI_CONTROLS, "");
}

/**
 * h("p.muted#hint", {role: "status"}, "text", childNode, [more, children]) → element.
 * Attributes set to false/null/undefined are left out; `true` sets a boolean attribute.
 */
export function h(tag, attrs = {}, ...children) {
  if (attrs instanceof Node || typeof attrs !== "object" || Array.isArray(attrs)) {
    children.unshift(attrs);
    attrs = {};
  }
  const [name, ...rest] = tag.split(/(?=[.#])/);
  const el = document.createElement(name);
  for (const part of rest) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : safeText(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : safeText(child));
  }
}

/** Replace what a container shows. */
export function show(container, ...children) {
  container.replaceChildren();
  append(container, children);
}

/**
 * inTurns(onError?) → run(work): runs each `work()` (async) after the one asked for before it has
 * ended, in the order asked for, never dropping one — a tap while a request runs waits its turn. A
 * failure does not stop the next; `run` returns the work's own promise, or, given `onError`, hands the
 * failure to it and resolves (a scan that failed is reported, and the next scan goes on).
 */
export function inTurns(onError = null) {
  let last = Promise.resolve();
  return (work) => {
    const mine = last.then(work);
    last = mine.catch(() => {});
    return onError ? mine.catch(onError) : mine;
  };
}
