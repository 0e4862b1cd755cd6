// The picker's walk, by scans alone: go to the location and scan it, scan the item (once per unit,
// or once and enter a count), scan the cart's tote for that order, and the pick is queued.
//
// Pure functions over plain data, so the rules can be checked without a camera: the screen feeds
// every scan through `onScan` with its offline interpretation (pwa/scan/interpret.js) and gets back
// the next state, the feedback to give (ok / warn / error, in words) and, when a line is done, the op
// to put in the outbox. A wrong scan never changes the line.
//
// A camera keeps seeing the label it just read: the code that finished the previous step (the bin
// once the item is asked for, the item once the tote is) is ignored when the camera reads it again,
// silently — it is the picker's hand still over the label, not a mistake.

export const SHORT_REASONS = [
  ["empty", "Bin empty"],
  ["damaged", "Damaged"],
  ["not_found", "Not found"],
  ["wrong_item", "Wrong item in bin"],
];

/** Units the line still needs, as the device sees it (pulled state with pending ops replayed). */
export function remaining(task) {
  return Math.max(0, task.qty - task.qty_picked);
}

export function isOpen(task) {
  return task.status === "open" && remaining(task) > 0;
}

/** Open tasks in walking order: the server's sequence follows the bins' path. */
export function openTasks(tasks) {
  return tasks.filter(isOpen).sort((a, b) => a.location_seq - b.location_seq || a.seq - b.seq || a.id - b.id);
}

/**
 * Where the walk starts for `task`; at the same bin as the last pick the location is already confirmed.
 * `previousCode` is the code that finished the last line (its tote), still in front of the camera.
 */
export function begin(task, previousLocation = null, previousCode = null) {
  const here = previousLocation !== null && sameCode(previousLocation, task.location);
  return { taskId: task.id, step: here ? "item" : "location", counted: 0, lot: task.lot || "", previous: previousCode, lastItem: null, short: null };
}

export function prompt(state, task, cart) {
  if (state.step === "location") return `Go to ${task.location} and scan the location`;
  if (state.step === "item") {
    const need = remaining(task);
    return state.counted === 0 ? `Scan ${task.sku}` : `Scan the next unit — ${state.counted} of ${need}`;
  }
  const tote = cart[task.tote];
  const then = state.short ? ` — then ${state.short.qty} short` : "";
  return tote ? `Put ${state.counted} in tote ${tote} (slot ${task.tote}) and scan it${then}` : `Scan an empty tote for slot ${task.tote}${then}`;
}

/**
 * One scan during the walk. `scan` is the interpreter's meaning ({text, kind, valid, gtin, lot, count, …})
 * plus where it came from (`source`: "camera", "wedge", "manual").
 * Returns {state, cart, feedback: {kind, text} | null, ops?}; `ops` ([{type, args}, …], in the order
 * they go to the outbox) when the line is done. feedback is null for a scan that is ignored.
 */
export function onScan(state, task, scan, cart, products) {
  if (scan.source === "camera" && state.previous && sameCode(scan.text, state.previous)) {
    return { state, cart, feedback: null };
  }
  if (!scan.valid) {
    return refuse(state, cart, `Can't read that code: ${scan.error}`);
  }
  if (state.step === "location") {
    if (sameCode(scan.text, task.location)) {
      return { state: { ...state, step: "item", previous: scan.text }, cart, feedback: { kind: "ok", text: `${task.location} ✓ — scan ${task.sku}` } };
    }
    const what = matchesProduct(scan, task, products) ? `that is the item; first scan the location ${task.location}` : `Wrong location ${scan.text}: go to ${task.location}`;
    return refuse(state, cart, what);
  }
  if (state.step === "item") {
    if (sameCode(scan.text, task.location)) {
      return { state, cart, feedback: { kind: "warn", text: `Location already scanned — scan ${task.sku}` } };
    }
    if (!matchesProduct(scan, task, products)) {
      return refuse(state, cart, `Wrong item ${scan.text}: this line needs ${task.sku} (${task.product_name})`);
    }
    if (task.lot && scan.lot && scan.lot !== task.lot) {
      return refuse(state, cart, `Wrong lot ${scan.lot}: take lot ${task.lot}`);
    }
    const units = scan.count && scan.count > 0 ? scan.count : 1;
    const counted = state.counted + units;
    const need = remaining(task);
    if (counted > need) {
      return refuse(state, cart, `Too many: the line needs ${need}, you have ${state.counted}`);
    }
    const next = { ...state, counted, lastItem: scan.text };
    if (counted < need) {
      return { state: next, cart, feedback: { kind: "ok", text: `${counted} of ${need} — scan the next unit` } };
    }
    return confirm(next, task, cart);
  }
  // step "tote": the cart slot of this order.
  if (scan.kind !== "tote") {
    return refuse(state, cart, `Scan a tote label (TOTE-…) for slot ${task.tote}`);
  }
  const code = scan.code || scan.text.toUpperCase();
  const bound = cart[task.tote];
  if (bound && bound !== code) {
    return refuse(state, cart, `Wrong tote ${code}: slot ${task.tote} is ${bound}`);
  }
  const otherSlot = Object.keys(cart).find((slot) => cart[slot] === code && slot !== task.tote);
  if (otherSlot) {
    return refuse(state, cart, `${code} is already slot ${otherSlot} — scan another tote for slot ${task.tote}`);
  }
  const nextCart = bound ? cart : { ...cart, [task.tote]: code };
  return done({ ...state, previous: scan.text }, task, nextCart, code);
}

/** The picker typed or stepped a count and pressed Confirm: that many units go into the tote. */
export function setCount(state, task, counted) {
  const need = remaining(task);
  return { ...state, counted: Math.max(0, Math.min(need, Math.floor(counted) || 0)) };
}

/** Counted units are ready: ask for the tote when the line has a cart slot, else queue the pick. */
export function confirm(state, task, cart) {
  if (state.counted <= 0) return refuse(state, cart, `Scan ${task.sku} first`);
  if (task.tote) {
    const bound = cart[task.tote];
    const where = bound ? `tote ${bound} (slot ${task.tote})` : `an empty tote for slot ${task.tote}`;
    return { state: { ...state, step: "tote", previous: itemCode(state) }, cart, feedback: { kind: "ok", text: `${state.counted} counted — scan ${where}` } };
  }
  return done(state, task, cart, "");
}

/** Units a short pick reports missing: what the line still needs beyond the units in hand. */
export function shortfall(state, task) {
  return Math.max(0, remaining(task) - inHand(state));
}

function inHand(state) {
  return state.step === "location" ? 0 : state.counted;
}

/**
 * The bin cannot give the rest: the units in hand are picked (into the tote, scanned first as for
 * any pick) and only the rest is reported short. Same result shape as onScan.
 */
export function reportShort(state, task, cart, reason) {
  const counted = inHand(state);
  const missing = shortfall(state, task);
  if (missing <= 0) {
    return refuse(state, cart, `Nothing is short: all ${counted} are counted — ${task.tote ? "scan the tote" : "confirm the count"}`);
  }
  const short = { reason, qty: missing };
  if (counted === 0) {
    return { state: { ...state, step: "done" }, cart, ops: [shortOp(task, reason, missing)], feedback: { kind: "warn", text: `Short ${missing} × ${task.sku}: ${reasonLabel(reason)}` } };
  }
  if (!task.tote) return done({ ...state, short }, task, cart, "");
  const bound = cart[task.tote];
  const where = bound ? `tote ${bound}` : `an empty tote for slot ${task.tote}`;
  return {
    state: { ...state, step: "tote", previous: itemCode(state), short },
    cart,
    feedback: { kind: "warn", text: `${missing} short (${reasonLabel(reason)}) — put the ${counted} in hand in ${where} and scan it` },
  };
}

// Once the tote is asked for, the item's label is the one the camera may still be looking at.
function itemCode(state) {
  return state.lastItem ?? state.previous;
}

function reasonLabel(reason) {
  return (SHORT_REASONS.find(([code]) => code === reason)?.[1] ?? reason).toLowerCase();
}

/** The short-pick op for what the bin could not give. */
export function shortOp(task, reason, qtyShort) {
  return {
    type: "pick_short",
    args: { order_line_id: task.order_line_id, location: task.location, sku: task.sku, qty_short: qtyShort, reason, lot: task.lot || "" },
  };
}

// The pick, and after it the short pick of the rest when the bin ran out: both or neither leave here.
function done(state, task, cart, tote) {
  const ops = [{
    type: "pick",
    args: { order_line_id: task.order_line_id, location: task.location, sku: task.sku, qty: state.counted, lot: task.lot || "", tote },
  }];
  const into = tote ? ` into ${tote}` : "";
  let text = `Picked ${state.counted} × ${task.sku}${into}`;
  if (state.short) {
    ops.push(shortOp(task, state.short.reason, state.short.qty));
    text += ` · ${state.short.qty} short: ${reasonLabel(state.short.reason)}`;
  }
  return { state: { ...state, step: "done" }, cart, ops, feedback: { kind: state.short ? "warn" : "ok", text } };
}

function refuse(state, cart, text) {
  return { state, cart, feedback: { kind: "error", text } };
}

function sameCode(a, b) {
  return String(a).trim().toUpperCase() === String(b).trim().toUpperCase();
}

/**
 * Does the scan name this task's product? By SKU, by one of its barcodes as printed, or by GTIN
 * (any length: an EAN-13 on the box and the GTIN-14 inside a GS1-128 are the same product).
 * `products` maps a barcode as printed to its GTIN-14 (interpreted once per task list).
 */
export function matchesProduct(scan, task, products) {
  if (sameCode(scan.text, task.sku)) return true;
  for (const code of task.barcodes || []) {
    if (code === scan.text || code === scan.code) return true;
    const gtin = products?.get(code);
    if (gtin && scan.gtin && gtin === scan.gtin) return true;
  }
  return false;
}
