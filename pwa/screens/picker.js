// The picker's pick list: one card per task, grouped by wave, in the walking order the server gave.
// The location is the biggest thing on the card because it is what the picker walks to next.

import { api } from "../api.js";
import { h, show } from "../dom.js";

/** The picker's home screen. */
export function pickerScreen() {
  const summary = h("p.screen-sub", "Loading your picks…");
  const body = h("div.waves", { "aria-live": "polite" });
  const refresh = h("button.secondary", { type: "button", onclick: load }, "Refresh");
  const root = h(
    "section.screen",
    h("div.screen-head", h("h1", "Your picks"), refresh),
    summary,
    body,
  );

  async function load() {
    refresh.disabled = true;
    body.setAttribute("aria-busy", "true");
    try {
      const tasks = await api.myTasks();
      if (!root.isConnected) return; // the picker signed out while this was loading
      render(tasks);
    } catch (problem) {
      if (!root.isConnected) return;
      summary.textContent = "Could not load your picks.";
      show(body, h("p.error.panel", { role: "alert" }, problem.message));
    } finally {
      refresh.disabled = false;
      body.removeAttribute("aria-busy");
    }
  }

  function render(tasks) {
    if (tasks.length === 0) {
      summary.textContent = "Nothing to pick right now.";
      show(
        body,
        h("div.empty", h("p.empty-title", "No picks assigned"), h("p", "When a supervisor releases a wave to you, its lines appear here in walking order.")),
      );
      return;
    }
    const waves = groupByWave(tasks);
    const units = tasks.reduce((sum, task) => sum + task.qty - task.qty_picked, 0);
    summary.textContent = `${plural(tasks.length, "line")} · ${plural(units, "unit")} · ${plural(waves.length, "wave")}`;
    show(body, waves.map(waveSection));
  }

  load();
  return { root, title: "Your picks" };
}

function groupByWave(tasks) {
  const waves = new Map();
  for (const task of tasks) {
    if (!waves.has(task.wave_id)) waves.set(task.wave_id, []);
    waves.get(task.wave_id).push(task);
  }
  return [...waves].map(([id, waveTasks]) => ({ id, tasks: waveTasks }));
}

function waveSection(wave) {
  // /api/tasks/mine lists open tasks only, so "picked" counts lines filled but not yet closed;
  // whole-wave progress arrives with the sync pull, which carries every task of the wave.
  const picked = wave.tasks.filter(isPicked).length;
  const total = wave.tasks.length;
  const headingId = `wave-${wave.id}`;
  return h(
    "section.wave",
    { "aria-labelledby": headingId },
    h(
      "div.wave-head",
      h("h2", { id: headingId }, `Wave ${wave.id}`),
      h("span.wave-progress-text", `${picked} / ${total} lines picked`),
    ),
    h("progress.wave-progress", { max: total, value: picked, "aria-label": `Wave ${wave.id}: ${picked} of ${total} lines picked` }),
    h("ol.tasks", wave.tasks.map(taskCard)),
  );
}

function taskCard(task) {
  const remaining = task.qty - task.qty_picked;
  return h(
    isPicked(task) ? "li.task.done" : "li.task",
    { "data-task-id": task.id },
    h(
      "div.task-top",
      h("div.task-where", h("span.label", `#${task.seq} · Location`), h("span.location", task.location)),
      h(
        "div.task-qty",
        h("span.label", "Pick"),
        h("span.qty", String(remaining)),
        task.qty_picked > 0 && h("span.qty-of", `of ${task.qty}`),
      ),
    ),
    h("p.product", task.product_name),
    h(
      "div.task-meta",
      h("span.sku", task.sku),
      task.lot && h("span.lot", `Lot ${task.lot}`),
      task.tote && h("span.tote", h("span.tote-label", "Tote"), ` ${task.tote}`),
    ),
  );
}

function isPicked(task) {
  return task.status !== "open" || task.qty_picked >= task.qty;
}

// A no-break space keeps "18 units" together when the summary wraps.
function plural(n, word) {
  return `${n}\u00a0${word}${n === 1 ? "" : "s"}`;
}
