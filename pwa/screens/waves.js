// Waves, for supervisors and admins: choose allocated orders by channel, promise, zone and size, tick
// the ones to release and the pickers to give them to (several pickers: the server splits the orders
// so each walks about the same number of units), then follow the open waves and hand a wave's open
// tasks — or one task — to another picker. The server decides every one of these, so the screen is
// online-only: offline it says so and its buttons wait for the connection.

import { request } from "../api.js";
import { h, inTurns, show } from "../dom.js";

const OFFLINE = "Waves need a connection: the orders and pickers shown may be out of date.";
const STYLES = "/static/screens/waves.css";
export const SIZES = [
  ["", "Any size"],
  ["small", "Small (1–3 units)"],
  ["medium", "Medium (4–10 units)"],
  ["large", "Large (11+ units)"],
];

/** The query string of the candidate filters, leaving out the empty ones. */
export function candidateQuery(filters) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  const query = params.toString();
  return query ? `?${query}` : "";
}

/** "8 of 12 units picked · 3 tasks open" */
export function progressText(wave) {
  const open = wave.open_tasks === 0 ? "all tasks done" : `${plural(wave.open_tasks, "task")} open`;
  return `${wave.picked} of ${plural(wave.units, "unit")} picked · ${open}`;
}

/** wavesScreen({network}) → {root, title, dispose} */
export function wavesScreen({ network }) {
  addStyles();
  let online = true;
  let busy = false;
  let candidates = null; // the orders matching the filters, or null before the first answer
  let pickers = null; // active pickers, by username
  let waves = null; // open waves with their progress
  let openWave = null; // the wave shown with its tasks, or null
  const chosen = new Set(); // order ids ticked
  const chosenPickers = new Set();

  const channel = h("input#wave-channel", { type: "text", autocomplete: "off", autocapitalize: "none", spellcheck: "false" });
  const promised = h("input#wave-promised", { type: "date" });
  const zone = h("input#wave-zone", { type: "text", autocomplete: "off", autocapitalize: "characters", spellcheck: "false" });
  const size = h("select#wave-size", SIZES.map(([value, label]) => h("option", { value }, label)));
  const find = h("button.secondary", { type: "submit", "data-online": "" }, "Find orders");
  const filters = h(
    "form.wave-filters",
    { "aria-label": "Filter orders", onsubmit: (event) => { event.preventDefault(); loadCandidates(); } },
    field("wave-channel", "Channel", channel),
    field("wave-promised", "Promised before", promised),
    field("wave-zone", "Zone", zone),
    field("wave-size", "Size", size),
    find,
  );

  const offlineNote = h("p.notice", { role: "status", hidden: true }, OFFLINE);
  const problem = h("p.error", { role: "alert" });
  const message = h("div.wave-message", { role: "status" });
  const found = h("p.screen-sub", "Loading orders…");
  const list = h("ul.candidates", { "aria-label": "Orders ready for a wave" });
  const pickerBox = h("fieldset.pickers", h("legend", "Pickers"), h("p.muted", "Loading pickers…"));
  const release = h("button.primary.release", { type: "button", "data-online": "", onclick: releaseChosen }, "Release");
  const chooser = h("section.wave-choose", { "aria-labelledby": "wave-choose-title" }, h("h2#wave-choose-title", "Choose orders"), filters, found, list, pickerBox, release);

  const openTitle = h("h2#open-waves-title", "Open waves");
  const waveList = h("ol.wave-list", { "aria-labelledby": "open-waves-title" });
  const waveNote = h("p.muted", "Loading waves…");
  const openSection = h("section.open-waves", { "aria-labelledby": "open-waves-title" }, openTitle, waveNote, waveList);
  const detail = h("section.wave-detail", { hidden: true });
  const root = h("section.screen.waves-screen", h("div.screen-head", h("h1", "Waves")), offlineNote, problem, message, chooser, openSection, detail);

  /** One request at a time, in the order asked for (a tap while one runs waits its turn); the server's refusal is shown in its own words. */
  const inTurn = inTurns();
  const act = (work) => inTurn(() => actNow(work));

  async function actNow(work) {
    if (!online) return;
    busy = true;
    refreshButtons();
    problem.textContent = "";
    try {
      await work();
    } catch (error) {
      if (root.isConnected) problem.textContent = error.message;
    } finally {
      busy = false;
      if (root.isConnected) render();
    }
  }

  function currentFilters() {
    return { channel: channel.value.trim(), promised_before: promised.value, zone: zone.value.trim(), size: size.value };
  }

  function loadAll() {
    act(async () => {
      const [orders, users, open] = await Promise.all([
        request("GET", `/api/waves/candidates${candidateQuery(currentFilters())}`),
        request("GET", "/api/users"),
        request("GET", "/api/waves?status=open"),
      ]);
      candidates = orders;
      pickers = users.filter((u) => u.role === "picker" && u.active !== false);
      waves = open;
    });
  }

  function loadCandidates() {
    act(async () => {
      candidates = await request("GET", `/api/waves/candidates${candidateQuery(currentFilters())}`);
      for (const id of [...chosen]) if (!candidates.some((c) => c.id === id)) chosen.delete(id);
      show(message);
    });
  }

  function releaseChosen() {
    const orderIds = candidates.filter((c) => chosen.has(c.id)).map((c) => c.id);
    const names = pickers.filter((p) => chosenPickers.has(p.username)).map((p) => p.username);
    if (orderIds.length === 0 || names.length === 0) {
      problem.textContent = "Tick at least one order and one picker.";
      return;
    }
    act(async () => {
      const body = names.length === 1 ? { order_ids: orderIds, picker: names[0] } : { order_ids: orderIds, pickers: names };
      const answer = await request("POST", "/api/waves", body);
      const created = Array.isArray(answer) ? answer : [answer];
      chosen.clear();
      show(
        message,
        h("p", `Released ${plural(created.length, "wave")}:`),
        h("ul.released", created.map((wave) => h("li", { "data-wave-id": wave.id }, `Wave ${wave.id} to ${wave.picker}: ${waveFacts(wave.tasks)}`))),
      );
      [candidates, waves] = await Promise.all([
        request("GET", `/api/waves/candidates${candidateQuery(currentFilters())}`),
        request("GET", "/api/waves?status=open"),
      ]);
    });
  }

  function openDetail(id) {
    act(async () => {
      openWave = await request("GET", `/api/waves/${id}`);
      show(message);
    });
  }

  function reassignWave(select) {
    if (!select.value) return;
    act(async () => {
      openWave = await request("POST", `/api/waves/${openWave.id}/reassign`, { picker: select.value });
      show(message, h("p", openWave.done));
      waves = await request("GET", "/api/waves?status=open");
    });
  }

  function reassignTask(task, select) {
    if (!select.value) return;
    act(async () => {
      await request("POST", `/api/tasks/${task.id}/reassign`, { picker: select.value });
      openWave = await request("GET", `/api/waves/${openWave.id}`);
      show(message, h("p", `Task ${task.seq} (${task.sku} at ${task.location}) given to ${select.value}.`));
      waves = await request("GET", "/api/waves?status=open");
    });
  }

  // -- drawing --------------------------------------------------------------------------------

  function render() {
    offlineNote.hidden = online;
    chooser.hidden = Boolean(openWave);
    openSection.hidden = Boolean(openWave);
    detail.hidden = !openWave;
    if (openWave) renderDetail();
    else {
      renderCandidates();
      renderPickers();
      renderWaves();
    }
    refreshButtons();
  }

  function refreshButtons() {
    for (const button of root.querySelectorAll("button[data-online]")) button.disabled = !online || busy;
    const n = candidates ? candidates.filter((c) => chosen.has(c.id)).length : 0;
    release.textContent = n ? `Release ${plural(n, "order")}` : "Release";
  }

  function renderCandidates() {
    if (candidates === null) {
      found.textContent = online ? "Loading orders…" : "Orders are shown when the phone is online.";
      show(list);
      return;
    }
    found.textContent = candidates.length ? `${plural(candidates.length, "order")} ready, oldest promise first` : "No allocated orders match these filters.";
    show(list, candidates.map(candidateRow));
  }

  function candidateRow(order) {
    const box = h("input", {
      type: "checkbox",
      checked: chosen.has(order.id),
      "aria-label": `Order ${order.external_ref}`,
      onchange: () => {
        if (box.checked) chosen.add(order.id);
        else chosen.delete(order.id);
        refreshButtons();
      },
    });
    const promise = order.promised_at ? `promised ${day(order.promised_at)}` : "no promise";
    return h(
      "li",
      h(
        "label.candidate",
        { "data-order-id": order.id },
        box,
        h(
          "span.candidate-text",
          h("span.candidate-top", h("span.order-ref", order.external_ref), h("span", { class: `badge size-${order.size}` }, order.size)),
          h("span.candidate-meta", `${order.channel} · ${promise}`),
          h("span.candidate-meta", `${plural(order.units, "unit")} · ${plural(order.lines, "line")}${order.zones.length ? ` · zone ${order.zones.join(", ")}` : ""}`),
        ),
      ),
    );
  }

  function renderPickers() {
    if (pickers === null) return;
    show(
      pickerBox,
      h("legend", "Pickers"),
      pickers.length === 0
        ? h("p.muted", "No active pickers.")
        : pickers.map((p) => {
            const box = h("input", {
              type: "checkbox",
              checked: chosenPickers.has(p.username),
              onchange: () => (box.checked ? chosenPickers.add(p.username) : chosenPickers.delete(p.username)),
            });
            return h("label.picker-choice", box, h("span", personName(p)));
          }),
    );
  }

  function renderWaves() {
    if (waves === null) {
      waveNote.textContent = online ? "Loading waves…" : "Waves are shown when the phone is online.";
      show(waveList);
      return;
    }
    waveNote.textContent = waves.length ? "" : "No open waves.";
    waveNote.hidden = waves.length > 0;
    show(
      waveList,
      waves.map((wave) =>
        h(
          "li",
          h(
            "button.wave-card",
            { type: "button", "data-online": "", "data-wave-id": wave.id, onclick: () => openDetail(wave.id) },
            h("span.wave-top", h("span.wave-name", `Wave ${wave.id}`), h("span.wave-who", wave.pickers.map((p) => p.picker).join(", ") || wave.picker)),
            h("progress", { max: Math.max(wave.units, 1), value: wave.picked, "aria-label": `Wave ${wave.id} progress` }),
            h("span.wave-facts", `${plural(wave.orders, "order")} · ${progressText(wave)}`),
          ),
        ),
      ),
    );
  }

  function renderDetail() {
    const wave = openWave;
    const others = (pickers ?? []).map((p) => p.username);
    const whole = pickerSelect("wave-to", "Give open tasks to", others);
    const open = wave.tasks.filter((t) => t.status === "open");
    show(
      detail,
      h("button.secondary.back", { type: "button", onclick: () => { openWave = null; show(message); render(); } }, "← All waves"),
      h("h2", `Wave ${wave.id}`),
      h("p.wave-facts", `Released to ${wave.picker} · ${waveFacts(wave.tasks)}`),
      open.length > 0 &&
        h(
          "div.field",
          h("label", { for: "wave-to" }, "Give all open tasks to"),
          h("div.pair", whole, h("button.secondary", { type: "button", "data-online": "", onclick: () => reassignWave(whole) }, "Reassign")),
        ),
      h("ol.wave-tasks", { "aria-label": "Tasks in walking order" }, wave.tasks.map((task) => taskRow(task, others))),
    );
  }

  function taskRow(task, others) {
    const select = pickerSelect(null, `Picker for task ${task.seq}`, others.filter((name) => name !== task.picker));
    return h(
      "li.wave-task",
      { "data-task-id": task.id, "data-status": task.status },
      h("div.task-top", h("span.task-bin", task.location), h("span", { class: `badge task-${task.status}` }, task.status)),
      h("p", h("strong", task.sku), ` ${task.product_name}`),
      h("p.muted", `${task.qty_picked} of ${task.qty} picked · order ${task.order_ref} · ${task.picker}`),
      task.status === "open" &&
        h(
          "div.pair",
          select,
          h("button.secondary", { type: "button", "data-online": "", "aria-label": `Reassign task ${task.seq}`, onclick: () => reassignTask(task, select) }, "Reassign"),
        ),
    );
  }

  const unsubscribe = network.subscribe((now) => {
    if (now === online) return;
    online = now;
    if (online && candidates === null) loadAll();
    else render();
  });
  render();
  loadAll();
  return { root, title: "Waves", dispose: unsubscribe };
}

function pickerSelect(id, label, names) {
  return h(
    id ? `select#${id}` : "select",
    { "aria-label": label },
    h("option", { value: "" }, "Choose…"),
    names.map((name) => h("option", { value: name }, name)),
  );
}

function field(id, label, control) {
  return h("div.field", h("label", { for: id }, label), control);
}

function waveFacts(tasks) {
  const orders = new Set(tasks.map((t) => t.order_id)).size;
  const units = tasks.reduce((sum, t) => sum + t.qty, 0);
  return `${plural(orders, "order")} · ${plural(tasks.length, "task")} · ${plural(units, "unit")}`;
}

function personName(user) {
  return user.display_name && user.display_name !== user.username ? `${user.display_name} (${user.username})` : user.username;
}

function day(iso) {
  return new Date(iso).toLocaleDateString([], { day: "numeric", month: "short" });
}

function plural(n, word) {
  return `${n}\u00a0${word}${n === 1 ? "" : "s"}`;
}

function addStyles() {
  if (document.querySelector(`link[href="${STYLES}"]`)) return;
  document.head.append(h("link", { rel: "stylesheet", href: STYLES }));
}
