// The picker's shift on one screen: the task list (waves, lines in walking order, progress) and the
// walk itself — go to the bin, scan it, scan the item, scan the tote — with the network there or not.
// Every pick goes to the device's outbox first (pwa/store.js); the list shows the pulled state with
// the pending picks replayed on top (pwa/view.js), so it moves the moment a scan lands.

import { h, show } from "../dom.js";
import * as flow from "../pickflow.js";

/**
 * The picker's home screen.
 * `data`: {tasks() → view tasks, floorTasks?() → follow-up tasks assigned to this picker, enqueue(type, args),
 *   onChange(listener) → unsubscribe, carts: {load(), save(carts)}};
 * `scanning`: {createScanner, feedback, interpret} (pwa/scan/); `outcomes`: an element listing
 * what the server decided differently from this device, or null.
 */
export function pickerScreen(user, { data, scanning, outcomes = null }) {
  const summary = h("p.screen-sub", "Loading your picks…");
  // Tapping an open line starts the walk there (the picker may know a better order than the path).
  const body = h("div.waves", {
    onclick: (event) => {
      const card = event.target.closest("li.task:not(.done)");
      if (card) walk(Number(card.dataset.taskId));
    },
  });
  const start = h("button.primary.wide", { type: "button", onclick: () => walk() }, "Start picking");
  // Follow-up work a supervisor (or a pick of this phone) gave this picker: counts, units to put back.
  const followUps = h("section.follow-ups", { "aria-label": "Tasks for you", hidden: true });
  const listView = h("div.pick-list", followUps, summary, start, body);
  const walkView = h("div.walk", { hidden: true });
  const countView = h("div.count-walk", { hidden: true });
  const root = h("section.screen", h("div.screen-head", h("h1", "Your picks")), outcomes, listView, walkView, countView);

  let tasks = [];
  const products = new Map(); // barcode as printed → GTIN-14, for matching GTIN-bearing scans
  let walking = null; // {state, taskId} while on the walk
  let lastLocation = null;
  let scanner = null;
  // The cart's slot → tote bindings, per wave: slot 1 of the next wave is a new tote.
  let carts = data.carts.load();
  const cartOf = (task) => (carts[task.wave_id] ??= {});

  let floorTasks = [];
  let counting = null; // {task, step: "location" | "item" | "qty", sku} while counting a bin

  async function refresh() {
    tasks = await data.tasks();
    floorTasks = data.floorTasks ? await data.floorTasks() : [];
    await scanning.ready;
    indexBarcodes(products, [...tasks, ...floorTasks], scanning.interpret);
    renderFollowUps();
    renderList();
    if (walking) renderWalk();
  }

  function renderFollowUps() {
    followUps.hidden = floorTasks.length === 0;
    show(
      followUps,
      h("h2", "Tasks for you"),
      h("ul.follow-up-list", floorTasks.map((task) => followUpCard(task, startCount))),
    );
  }

  // -- a count a supervisor asked for: scan the bin, scan the item, type what is there ------------

  function ensureScanner() {
    if (!scanner) {
      scanner = scanning.createScanner({ onScan: (scan) => inTurn(() => (counting ? handleCountScan(scan) : handleScan(scan))) });
      scanner.element.addEventListener("scanner-camera-ready", () => toTheWalk());
    }
  }

  function startCount(task) {
    if (walking) stopWalk();
    counting = { task, step: "location", sku: task.sku };
    listView.hidden = true;
    countView.hidden = false;
    ensureScanner();
    renderCount();
  }

  function stopCount() {
    counting = null;
    countView.hidden = true;
    listView.hidden = false;
    scanner?.closeCamera?.();
    renderList();
  }

  function handleCountScan(scan) {
    const { task } = counting;
    let meaning;
    try {
      meaning = scanning.interpret(scan.text);
    } catch {
      meaning = { text: scan.text.trim(), kind: "unknown", valid: true };
    }
    const text = meaning.text ?? scan.text.trim();
    if (counting.step === "location") {
      if (text !== task.location) {
        scanning.feedback("error", `Wrong bin: this count is for ${task.location}`);
        return;
      }
      scanning.feedback("ok", `${task.location}: now scan the item`);
      counting.step = "item";
    } else if (counting.step === "item") {
      const matches = task.sku
        ? text === task.sku || (task.barcodes ?? []).includes(text) || (meaning.gtin && (task.barcodes ?? []).some((b) => products.get(b) === meaning.gtin))
        : true;
      if (!matches) {
        scanning.feedback("error", `Wrong item: count ${task.sku} only`);
        return;
      }
      counting.sku = task.sku ?? text;
      scanning.feedback("ok", `${counting.sku}: type how many are in the bin`);
      counting.step = "qty";
    } else {
      return;
    }
    renderCount();
  }

  async function confirmBinCount(counted) {
    const { task, sku } = counting;
    await data.enqueue("count", { location: task.location, sku, counted, task_id: task.id });
    scanning.feedback("ok", `Counted ${counted} × ${sku} in ${task.location}`);
    stopCount();
    refresh();
  }

  function renderCount() {
    const { task, step } = counting;
    const prompts = {
      location: `Go to ${task.location} and scan the bin`,
      item: task.sku ? `Scan ${task.sku}` : "Scan an item in the bin",
      qty: `How many ${counting.sku} are in ${task.location}?`,
    };
    const counter = h("input.count-input", { id: "bin-count", type: "number", inputmode: "numeric", min: 0, value: 0, "aria-label": "Units in the bin" });
    show(
      countView,
      h("div.walk-head", h("span.walk-progress", `Count task · ${task.location}`), h("button.secondary", { type: "button", onclick: stopCount }, "List")),
      h(
        "div.walk-card",
        { "data-floor-task-id": task.id, "data-step": step },
        h("div.task-where", h("span.label", "Count bin"), h("span.location.big", task.location)),
        h("p.product", task.product_name || "Every item in the bin"),
        task.sku && h("div.task-meta", h("span.sku", task.sku)),
      ),
      h("p.walk-prompt", { role: "status", "aria-live": "polite" }, prompts[step]),
      scanner.element,
      step === "qty" &&
        h(
          "div.count",
          counter,
          h("button.primary", { type: "button", onclick: () => inTurn(() => confirmBinCount(Math.max(0, Number(counter.value) || 0))) }, "Confirm count"),
        ),
    );
  }

  function renderList() {
    const open = flow.openTasks(tasks);
    const waves = groupByWave(tasks);
    start.hidden = open.length === 0;
    start.textContent = walking ? "Back to picking" : "Start picking";
    const finished = finishedWaves(tasks, open, carts);
    if (tasks.length === 0) {
      summary.textContent = finished ? "All lines picked. Well done." : "Nothing to pick right now.";
      show(body, finished ? toPackBench(finished) : h("div.empty", h("p.empty-title", "No picks assigned"), h("p", "When a supervisor releases a wave to you, its lines appear here in walking order.")));
      return;
    }
    const units = open.reduce((sum, task) => sum + flow.remaining(task), 0);
    summary.textContent = open.length
      ? `${plural(open.length, "line")} to pick · ${plural(units, "unit")} · ${plural(waves.length, "wave")}`
      : "All lines picked. Well done.";
    const seen = rememberWaveTasks(waves);
    show(body, finished && toPackBench(finished), waves.map((wave) => waveSection(wave, seen[wave.id])));
  }

  // -- the walk ---------------------------------------------------------------------------------

  function walk(taskId = null) {
    if (counting) stopCount();
    const open = flow.openTasks(tasks);
    const task = (taskId && open.find((t) => t.id === taskId)) || open[0];
    if (!task) {
      stopWalk();
      return;
    }
    walking = { taskId: task.id, state: flow.begin(task, lastLocation) };
    listView.hidden = true;
    walkView.hidden = false;
    ensureScanner();
    renderWalk();
  }

  function stopWalk() {
    walking = null;
    walkView.hidden = true;
    listView.hidden = false;
    scanner?.closeCamera?.();
    renderList();
  }

  function currentTask() {
    return walking && tasks.find((t) => t.id === walking.taskId);
  }

  // One scan (or button) at a time, each after the last has settled: a picker who scans the next
  // bin while the last pick is still being stored must not meet the previous line's state.
  let turn = Promise.resolve();
  function inTurn(work) {
    turn = turn.then(work).catch((problem) => {
      console.error("pick step failed", problem);
      scanning.feedback("error", `Not recorded: ${problem.message ?? problem}`);
    });
    return turn;
  }

  async function handleScan(scan) {
    const task = currentTask();
    if (!task) return;
    let meaning;
    try {
      meaning = scanning.interpret(scan.text);
    } catch {
      meaning = { text: scan.text.trim(), kind: "unknown", valid: true };
    }
    const result = flow.onScan(walking.state, task, { ...meaning, source: scan.source }, cartOf(task), products);
    if (!result.feedback) {
      // The camera still sees the label of the step just done: not a scan, no tone. Observers
      // (tests) learn that the read arrived and was let go.
      root.dispatchEvent(new CustomEvent("scan-ignored", { detail: { text: meaning.text, step: walking.state.step } }));
      return;
    }
    await settle(task, result);
  }

  async function settle(task, result) {
    scanning.feedback(result.feedback.kind, result.feedback.text);
    walking.state = result.state;
    if (result.cart !== cartOf(task)) {
      // Only waves still on the list keep a cart; a finished wave's totes are free again.
      const waves = new Set(tasks.map((t) => String(t.wave_id)));
      carts = Object.fromEntries(Object.entries({ ...carts, [task.wave_id]: result.cart }).filter(([wave]) => waves.has(wave)));
      data.carts.save(carts);
    }
    if (result.ops) {
      lastLocation = task.location;
      // In order: the units in hand are picked before the rest is reported short.
      for (const op of result.ops) await data.enqueue(op.type, op.args);
      tasks = await data.tasks();
      const next = flow.openTasks(tasks).find((t) => t.id === task.id) ?? flow.openTasks(tasks)[0];
      if (!next) {
        stopWalk(); // the list says where the totes go; the pick's own feedback has been given
        return;
      }
      walking = { taskId: next.id, state: flow.begin(next, lastLocation, result.state.previous) };
      renderWalk();
      toTheWalk();
      return;
    }
    renderWalk();
  }

  // The next bin, big, at the top; with the camera open, the prompt and the scanner instead, so the
  // feedback line and the code field stay on a small screen.
  function toTheWalk() {
    if (scanner?.isCameraOpen) walkView.querySelector(".walk-prompt")?.scrollIntoView({ block: "start" });
    else window.scrollTo(0, 0);
  }

  function renderWalk() {
    const task = currentTask();
    if (!task || !flow.isOpen(task)) {
      walk(); // the line was filled or cancelled by a sync: go on with the next one
      return;
    }
    const open = flow.openTasks(tasks);
    const { state } = walking;
    const cart = cartOf(task);
    const need = flow.remaining(task);
    const counter = h("input.count-input", {
      id: "pick-count", type: "number", inputmode: "numeric", min: 0, max: need, value: state.counted,
      "aria-label": "Units counted",
      oninput: () => showShortfall(),
    });
    // The short form offers the rest: what the line needs beyond the units counted so far.
    const missing = h("output.short-missing", { id: "short-qty", "aria-live": "polite" });
    // A count typed but not yet confirmed is in hand all the same.
    const withTypedCount = () => (walking.state.step === "item" ? flow.setCount(walking.state, task, Number(counter.value)) : walking.state);
    const showShortfall = () => {
      const now = withTypedCount();
      const rest = flow.shortfall(now, task);
      const held = now.step === "location" ? 0 : now.counted;
      missing.textContent = held ? `${rest} (${held} in hand ${held === 1 ? "goes" : "go"} into the tote)` : String(rest);
    };
    showShortfall();
    const step = (delta) => {
      walking.state = flow.setCount(walking.state, task, walking.state.counted + delta);
      renderWalk();
    };
    const confirmCount = () =>
      inTurn(async () => {
        if (currentTask()?.id !== task.id) return; // the line moved on while this waited its turn
        walking.state = flow.setCount(walking.state, task, Number(counter.value));
        await settle(task, flow.confirm(walking.state, task, cartOf(task)));
      });
    show(
      walkView,
      h(
        "div.walk-head",
        h("span.walk-progress", `${plural(open.length, "line")} left · Wave ${task.wave_id} · ${task.order_ref}`),
        h("button.secondary", { type: "button", onclick: stopWalk }, "List"),
      ),
      h(
        "div.walk-card",
        { "data-task-id": task.id, "data-step": state.step },
        h("div.task-where", h("span.label", "Location"), h("span.location.big", task.location)),
        h("p.product", task.product_name),
        h("div.task-meta", h("span.sku", task.sku), task.lot && h("span.lot", `Lot ${task.lot}`), task.tote && h("span.tote", `Slot ${task.tote}${cart[task.tote] ? ` · ${cart[task.tote]}` : ""}`)),
        h("div.walk-qty", h("span.label", "Pick"), h("span.qty", String(need)), task.qty_picked > 0 && h("span.qty-of", `of ${task.qty}`)),
      ),
      h("p.walk-prompt", { role: "status", "aria-live": "polite" }, flow.prompt(state, task, cart)),
      scanner.element,
      state.step === "item" &&
        h(
          "div.count",
          h("button.secondary.step", { type: "button", onclick: () => step(-1), "aria-label": "One less" }, "−"),
          counter,
          h("button.secondary.step", { type: "button", onclick: () => step(1), "aria-label": "One more" }, "+"),
          h("button.primary", { type: "button", onclick: confirmCount }, "Confirm count"),
        ),
      // Once reported, the short waits for the tote scan: the form has nothing more to offer.
      !state.short && h("details.short", h("summary", "Short pick…"), shortForm(task, missing, withTypedCount)),
    );
  }

  function shortForm(task, missing, withTypedCount) {
    return h(
      "div.short-form",
      h("p", h("span.label", "Units missing "), missing),
      h("p.muted", "Why?"),
      h(
        "div.reasons",
        flow.SHORT_REASONS.map(([reason, label]) =>
          h("button.secondary", {
            type: "button",
            onclick: () =>
              inTurn(async () => {
                if (currentTask()?.id !== task.id) return; // the line moved on while this waited its turn
                walking.state = withTypedCount();
                await settle(task, flow.reportShort(walking.state, task, cartOf(task), reason));
              }),
          }, label),
        ),
      ),
    );
  }

  const unsubscribe = data.onChange(() => refresh());
  refresh();
  // Called by the app when another screen replaces this one (sign-out): the camera goes off.
  function dispose() {
    unsubscribe();
    scanner?.destroy?.();
  }
  return { root, title: "Your picks", dispose };
}

/** One follow-up task in words: "Count bin A-01-03 (TEE-RED)", "Put 2 × TEE-RED back from tote T-7 to its bin". */
export function followUpText(task) {
  if (task.kind === "cycle_count") return `Count bin ${task.location}${task.sku ? ` (${task.sku})` : ""}`;
  if (task.kind === "put_away") {
    const from = task.tote ? `from tote ${task.tote}` : "from your tote";
    return `Put ${task.qty} × ${task.sku} back ${from} to its bin`;
  }
  return task.note || task.kind.replace("_", " ");
}

function followUpCard(task, startCount) {
  return h(
    "li.follow-up",
    { "data-floor-task-id": task.id, "data-kind": task.kind },
    h("p.follow-up-what", followUpText(task)),
    task.note && h("p.muted", task.note),
    task.pending
      ? h("span.pending-mark", "Count waiting to send")
      : task.kind === "cycle_count" && task.location && h("button.primary", { type: "button", onclick: () => startCount(task) }, "Count now"),
  );
}

/** Add the GTIN of every barcode not yet in `index` (each printed code is interpreted once). */
function indexBarcodes(index, tasks, interpret) {
  for (const task of tasks) {
    for (const code of task.barcodes || []) {
      if (index.has(code)) continue;
      try {
        const meaning = interpret(code);
        if (meaning.gtin) index.set(code, meaning.gtin);
      } catch {
        // rules not loaded yet: exact matches still work
      }
    }
  }
}

function groupByWave(tasks) {
  const waves = new Map();
  for (const task of [...tasks].sort((a, b) => a.wave_id - b.wave_id || a.location_seq - b.location_seq || a.seq - b.seq)) {
    if (!waves.has(task.wave_id)) waves.set(task.wave_id, []);
    waves.get(task.wave_id).push(task);
  }
  return [...waves].map(([id, waveTasks]) => ({ id, tasks: waveTasks }));
}

// The end of a wave: every line picked (sent or not), or the wave gone from the pull after its last
// pick was acknowledged. The picker is told where the totes go, until the next wave arrives.
const FINISHED_KEY = "shipshape.finished-waves";

function finishedWaves(tasks, open, carts) {
  if (open.length > 0) {
    localStorage.removeItem(FINISHED_KEY);
    return null;
  }
  let finished = stored(FINISHED_KEY, null);
  // Waves seen before and now done or gone: those are the ones just finished.
  const seen = stored(SEEN_KEY, {});
  const waveIds = [...new Set([...Object.keys(seen), ...tasks.map((t) => String(t.wave_id))])];
  if (waveIds.length) {
    const totes = new Set(finished?.totes ?? []);
    for (const id of waveIds) for (const code of Object.values(carts[id] ?? {})) totes.add(code);
    const waves = new Set([...(finished?.waves ?? []), ...waveIds].map(Number));
    finished = { waves: [...waves].sort((a, b) => a - b), totes: [...totes] };
    localStorage.setItem(FINISHED_KEY, JSON.stringify(finished));
  }
  return finished;
}

function stored(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key)) || fallback;
  } catch {
    return fallback;
  }
}

function toPackBench({ waves, totes }) {
  const what = waves.length === 1 ? `Wave ${waves[0]} is picked` : `Waves ${waves.join(", ")} are picked`;
  const which = totes.length ? `${totes.length === 1 ? "Tote" : "Totes"} ${totes.join(", ")}` : "The picked items";
  return h(
    "div.empty.wave-done",
    { role: "status" },
    h("p.empty-title", "Take the totes to the pack bench"),
    h("p", `${what}. ${which} go to the pack bench.`),
    h("p.muted", "When a supervisor releases a wave to you, its lines appear here in walking order."),
  );
}

// The pull carries open tasks only: a line picked and synced leaves the list. To show a wave's
// progress the phone remembers every task id it has seen per wave (a wave's lines are fixed when
// it is released), so "done" = seen − still open.
const SEEN_KEY = "shipshape.wave-tasks";

function rememberWaveTasks(waves) {
  let seen;
  try {
    seen = JSON.parse(localStorage.getItem(SEEN_KEY)) || {};
  } catch {
    seen = {};
  }
  const now = {};
  for (const wave of waves) {
    const ids = new Set(seen[wave.id] || []);
    for (const task of wave.tasks) ids.add(task.id);
    now[wave.id] = [...ids];
  }
  localStorage.setItem(SEEN_KEY, JSON.stringify(now)); // waves that left the list are forgotten
  return now;
}

function waveSection(wave, seenIds = []) {
  const total = Math.max(seenIds.length, wave.tasks.length);
  const picked = total - wave.tasks.filter((task) => flow.isOpen(task)).length;
  const headingId = `wave-${wave.id}`;
  return h(
    "section.wave",
    { "aria-labelledby": headingId },
    h("div.wave-head", h("h2", { id: headingId }, `Wave ${wave.id}`), h("span.wave-progress-text", `${picked} / ${total} lines picked`)),
    h("progress.wave-progress", { max: total, value: picked, "aria-label": `Wave ${wave.id}: ${picked} of ${total} lines picked` }),
    h("ol.tasks", wave.tasks.map(taskCard)),
  );
}

function taskCard(task) {
  const need = flow.remaining(task);
  const state = task.status === "short" ? "li.task.done.short" : flow.isOpen(task) ? "li.task" : "li.task.done";
  return h(
    state,
    { "data-task-id": task.id },
    h(
      "div.task-top",
      h("div.task-where", h("span.label", `#${task.seq} · Location`), h("span.location", task.location)),
      h("div.task-qty", h("span.label", "Pick"), h("span.qty", String(need)), task.qty_picked > 0 && h("span.qty-of", `of ${task.qty}`)),
    ),
    h("p.product", task.product_name),
    h(
      "div.task-meta",
      h("span.sku", task.sku),
      task.lot && h("span.lot", `Lot ${task.lot}`),
      task.tote && h("span.tote", h("span.tote-label", "Slot"), ` ${task.tote}`),
      task.status === "short" && h("span.lot", "Short"),
      task.pending && h("span.pending-mark", { title: "Picked on this phone, not yet acknowledged by the server" }, "Waiting to send"),
    ),
  );
}

// A no-break space keeps "18 units" together when the summary wraps.
function plural(n, word) {
  return `${n}\u00a0${word}${n === 1 ? "" : "s"}`;
}
