// The own fleet's routes of a day, for supervisors and admins: plan them from the sealed packages
// waiting at the depot, then put a route's stops in order, move a stop to another van and give a
// route to a driver. Every change is the server's to make (it checks the plan against what the
// drivers already loaded), so these are online actions: offline the buttons wait for a connection.

import { request } from "../api.js";
import { h, show } from "../dom.js";

// Routes are planned, out (the first package loaded) or done; their stops pending until settled.
const STATUS_NAMES = {
  planned: "Planned", out: "Out", done: "Done", pending: "Pending", delivered: "Delivered", failed: "Failed", partial: "Partly delivered",
};
const OFFLINE = "Route planning needs a connection.";

/** Today as the day picker and the API spell it (the phone's own calendar day). */
export function localDay(now = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The ids in their new order with the one at `index` moved by `delta` places; null past either end. */
export function shifted(ids, index, delta) {
  const to = index + delta;
  if (index < 0 || index >= ids.length || to < 0 || to >= ids.length) return null;
  const order = [...ids];
  [order[index], order[to]] = [order[to], order[index]];
  return order;
}

/** "3 stops · 4 packages · 12.3 km" (the km left out when the server could not estimate it). */
export function routeFacts(route) {
  const packages = route.stops.reduce((sum, stop) => sum + stop.packages.length, 0);
  const parts = [plural(route.stops.length, "stop"), plural(packages, "package")];
  if (route.km !== null && route.km !== undefined) parts.push(`${route.km.toFixed(1)}\u00a0km`);
  return parts.join(" · ");
}

/** How a route is named on screen: its area, and its number, since one area can fill two vans. */
export function routeName(route) {
  return `${route.area} · route ${route.id}`;
}

/**
 * routesScreen({network}) → {root, title, dispose}. `network.subscribe(listener)` calls
 * listener(online) now and whenever the connection changes, and returns an unsubscribe function.
 */
export function routesScreen({ network }) {
  let online = true;
  let day = localDay();
  let routes = null; // the day's routes as last read, or null before the first answer
  let drivers = null; // active drivers by username, read when a route is first opened
  let open = null; // the route shown in detail, or null for the day's list
  let busy = false;

  const dayInput = h("input#routes-day", { type: "date", value: day, onchange: () => {
    if (!dayInput.value) return;
    day = dayInput.value;
    open = null;
    planResult.hidden = true;
    load();
  } });
  const planButton = h("button.primary", { type: "button", onclick: plan }, "Plan routes");
  const offlineNote = h("p.notice", { role: "status", hidden: true }, OFFLINE);
  const message = h("p.route-message", { role: "status" });
  const problem = h("p.error", { role: "alert" });
  const planResult = h("section.plan-result", { "aria-label": "Planning result", hidden: true });

  // The list keeps its place from the start: a one-line summary now, the cards under it once the
  // answer is in, so nothing above them moves when they arrive.
  const summary = h("p.screen-sub", "Loading routes…");
  const list = h("ol.routes", { "aria-label": "Routes of the day" });
  const listView = h(
    "div",
    h("div.plan-row", h("div.field", h("label", { for: "routes-day" }, "Day"), dayInput), planButton),
    summary,
    planResult,
    list,
  );
  const detail = h("section.route-detail", { hidden: true });

  const root = h(
    "section.screen.routes-screen",
    h("div.screen-head", h("h1", "Routes")),
    offlineNote,
    problem,
    message,
    listView,
    detail,
  );

  function actionsAllowed() {
    return online && !busy;
  }

  /** One request at a time: the buttons wait, and the server's refusal is shown as it words it. */
  async function act(work) {
    if (!actionsAllowed()) return;
    busy = true;
    refreshButtons();
    problem.textContent = "";
    message.textContent = "";
    try {
      await work();
    } catch (error) {
      if (root.isConnected) problem.textContent = error.message;
    } finally {
      busy = false;
      if (root.isConnected) render();
    }
  }

  function load() {
    if (!online) {
      render();
      return;
    }
    act(async () => {
      const asked = day;
      const answer = await request("GET", `/api/routes?day=${encodeURIComponent(asked)}`);
      if (asked === day) routes = answer;
    });
  }

  function plan() {
    act(async () => {
      const result = await request("POST", "/api/routes/plan", { day });
      routes = await request("GET", `/api/routes?day=${encodeURIComponent(day)}`);
      open = null;
      show(
        planResult,
        h("p.plan-message", result.message),
        result.unplanned.length > 0 && h("h2", "Not planned"),
        result.unplanned.length > 0 && h("ul.unplanned", result.unplanned.map((u) =>
          h("li", h("strong", `${u.area}: ${u.packages.join(", ")}`), h("span", u.message)))),
      );
      planResult.hidden = false;
    });
  }

  function openRoute(id) {
    act(async () => {
      const [route, users] = await Promise.all([
        request("GET", `/api/routes/${id}`),
        drivers ? null : request("GET", "/api/users"),
      ]);
      if (users) drivers = users.filter((u) => u.role === "driver" && u.active !== false);
      open = route;
    });
  }

  /** The route the server answered with replaces ours, in the detail and in the day's list. */
  function keep(route) {
    if (routes) routes = routes.map((r) => (r.id === route.id ? route : r));
    if (open && open.id === route.id) open = route;
  }

  function reorder(index, delta) {
    const order = shifted(open.stops.map((s) => s.id), index, delta);
    if (!order) return;
    act(async () => keep(await request("POST", `/api/routes/${open.id}/order`, { stops: order })));
  }

  function moveStop(stop, select) {
    const target = Number(select.value);
    if (!target) return;
    act(async () => {
      const into = await request("POST", `/api/stops/${stop.id}/move`, { route: target });
      keep(into);
      keep(await request("GET", `/api/routes/${open.id}`));
      message.textContent = `Stop ${stop.seq} moved to ${routeName(into)}.`;
    });
  }

  function assign(select) {
    if (!select.value) return;
    act(async () => {
      keep(await request("POST", `/api/routes/${open.id}/driver`, { driver: select.value }));
      message.textContent = `${routeName(open)} given to ${open.driver}.`;
    });
  }

  // -- drawing --------------------------------------------------------------------------------

  function render() {
    offlineNote.hidden = online;
    listView.hidden = Boolean(open);
    detail.hidden = !open;
    if (open) renderDetail();
    else renderList();
    refreshButtons();
  }

  function refreshButtons() {
    // A stop already first (or last) keeps its arrow disabled whatever the connection.
    for (const button of root.querySelectorAll("button[data-online]")) button.disabled = !actionsAllowed() || button.hasAttribute("data-edge");
    planButton.disabled = !actionsAllowed();
  }

  function renderList() {
    if (routes === null) {
      summary.textContent = !online ? "Routes are shown when the phone is online." : busy ? "Loading routes…" : "Could not load the routes.";
      list.hidden = true;
      return;
    }
    const stops = routes.reduce((sum, r) => sum + r.stops.length, 0);
    summary.textContent = routes.length ? `${plural(routes.length, "route")} · ${plural(stops, "stop")}` : "No routes on this day yet.";
    list.hidden = routes.length === 0;
    show(list, routes.map((route) => h("li", h(
      "button.route-card",
      { type: "button", "data-route-id": route.id, "data-online": "", onclick: () => openRoute(route.id) },
      h("span.route-top", h("span.route-name", routeName(route)), statusBadge(route.status)),
      h("span.route-driver", route.driver ? `Driver: ${route.driver}` : "No driver"),
      h("span.route-facts", routeFacts(route)),
    ))));
  }

  function renderDetail() {
    const route = open;
    const others = (routes ?? []).filter((r) => r.id !== route.id && r.status !== "done");
    const current = route.driver ?? "";
    const driverSelect = h(
      "select#route-driver",
      h("option", { value: "" }, "Choose…"),
      (drivers ?? []).map((d) => h("option", { value: d.username, selected: d.username === current }, driverName(d))),
    );
    show(
      detail,
      h("button.secondary.back", { type: "button", onclick: () => { open = null; message.textContent = ""; render(); } }, "← All routes"),
      h("div.route-head", h("h2", routeName(route)), statusBadge(route.status)),
      h("p.route-facts", routeFacts(route)),
      h("p.route-driver", route.driver ? `Driver: ${route.driver}` : "No driver"),
      h(
        "div.field.route-assign",
        h("label", { for: "route-driver" }, "Driver"),
        h("div.pair", driverSelect, h("button.secondary", { type: "button", "data-online": "", onclick: () => assign(driverSelect) }, "Assign driver")),
      ),
      route.stops.length === 0
        ? h("p.muted", "This route has no stops left.")
        : h("ol.stops", { "aria-label": "Stops in driving order" }, route.stops.map((stop, i) => stopRow(route, stop, i, others))),
    );
  }

  function stopRow(route, stop, index, others) {
    const a = stop.address;
    const n = stop.seq;
    const target = h(
      "select",
      { "aria-label": `Route for stop ${n}` },
      h("option", { value: "" }, "Move to…"),
      others.map((r) => h("option", { value: r.id }, routeName(r))),
    );
    return h(
      "li.stop",
      { "data-stop-id": stop.id },
      h(
        "div.stop-top",
        h("span.stop-seq", String(n)),
        h(
          "div.stop-where",
          h("span.stop-customer", stop.customer),
          h("span", [a.line1, a.line2].filter(Boolean).join(", ")),
          h("span", `${a.postcode} ${a.city}`),
        ),
        h(
          "div.stop-order",
          h("button.secondary.step", { type: "button", "data-online": "", "aria-label": `Move stop ${n} up`, "data-edge": index === 0, onclick: () => reorder(index, -1) }, "↑"),
          h("button.secondary.step", { type: "button", "data-online": "", "aria-label": `Move stop ${n} down`, "data-edge": index === route.stops.length - 1, onclick: () => reorder(index, 1) }, "↓"),
        ),
      ),
      h("p.stop-packages", statusBadge(stop.status), ` ${plural(stop.packages.length, "package")}: ${stop.packages.map((p) => p.code).join(", ")}`),
      others.length > 0 && h(
        "div.pair",
        target,
        h("button.secondary", { type: "button", "data-online": "", "aria-label": `Move stop ${n} to the chosen route`, onclick: () => moveStop(stop, target) }, "Move"),
      ),
    );
  }

  function statusBadge(status) {
    return h("span", { class: `badge route-${status}` }, STATUS_NAMES[status] ?? status);
  }

  // The sync client reports every change of its status; only the connection matters here, and a
  // redraw for anything else would close a select the supervisor has open.
  const unsubscribe = network.subscribe((now) => {
    if (now === online) return;
    online = now;
    // Back online with nothing shown yet: the list the phone could not fetch comes now.
    if (online && routes === null) load();
    else render();
  });
  load();
  return { root, title: "Routes", dispose: unsubscribe };
}

/** "Dan Driver (dan)", or just "dan" when the name adds nothing. */
function driverName(user) {
  return user.display_name && user.display_name !== user.username ? `${user.display_name} (${user.username})` : user.username;
}

function plural(n, word) {
  return `${n}\u00a0${word}${n === 1 ? "" : "s"}`;
}
