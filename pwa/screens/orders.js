// Orders at a glance for packers, supervisors and admins: how many orders sit in each status (big
// tiles, tap one to filter) and the newest orders below. Tapping an order opens its detail: lines,
// the bins holding its stock, totes, packages, the timeline, and the supervisor's actions (hold,
// release hold, mark paid, cancel) with the server's answer shown as it words it. The detail and its
// actions need the server, so offline the screen says so and the action buttons wait.

import { api, request } from "../api.js";
import { h, inTurns, show } from "../dom.js";
import { returnsPanel } from "./rmas.js";

const STYLES = "/static/screens/waves.css";
const OFFLINE = "Order details and actions need a connection.";
const STAFF = new Set(["supervisor", "admin"]);
// Statuses an order can be held in (the server refuses the rest, naming the status).
const HOLDABLE = new Set(["new", "backordered", "partially_allocated", "allocated"]);
const FINAL = new Set(["shipped", "delivered", "cancelled"]);
// Orders a customer can send units back from (pwa/screens/rmas.js).
const RETURNABLE = new Set(["shipped", "delivered"]);

// The API's largest page; the counts say so when there are more orders than this.
const FETCH_LIMIT = 1000;
const LIST_LENGTH = 25;

// In the order an order moves through the warehouse, so the tiles read like the floor.
const STATUSES = [
  ["new", "New"],
  ["on_hold", "On hold"],
  ["backordered", "Backordered"],
  ["partially_allocated", "Part allocated"],
  ["allocated", "Allocated"],
  ["awaiting_supplier", "With supplier"],
  ["released", "Released"],
  ["picking", "Picking"],
  ["picked", "Picked"],
  ["packed", "Packed"],
  ["shipped", "Shipped"],
  ["delivered", "Delivered"],
  ["cancelled", "Cancelled"],
];
const STATUS_NAMES = Object.fromEntries(STATUSES);
// Orders that wait on a person (payment, stock) rather than on the flow.
const NEEDS_ATTENTION = new Set(["on_hold", "backordered", "partially_allocated"]);

/** The actions a supervisor may take on an order as it is now (the server has the last word). */
export function orderActions(order) {
  const actions = [];
  if (HOLDABLE.has(order.status)) actions.push("hold");
  if (order.status === "on_hold" && order.hold === "supervisor") actions.push("release-hold");
  if (order.payment_status === "pending" && order.status === "on_hold") actions.push("pay");
  if (!FINAL.has(order.status)) actions.push("cancel");
  return actions;
}

/** "A-01 ×5 · A-03 ×2" */
export function allocationText(line) {
  return line.allocation.map((a) => `${a.location}${a.lot ? ` (lot ${a.lot})` : ""} ×${a.qty}`).join(" · ");
}

/** The orders overview screen; `user` decides whether the detail offers actions. */
export function ordersScreen({ network, user } = {}) {
  let orders = [];
  let selected = null; // a status, or null for all
  let online = true;
  let busy = false;
  let open = null; // {order, steps} of the order shown in detail, or null
  let confirming = false; // the cancel button was tapped once
  const mayAct = STAFF.has(user?.role);
  addStyles();

  const summary = h("p.screen-sub", "Loading orders…");
  // Tiles and list stay out of the layout until the orders are in, then appear together: a list
  // heading drawn early would be pushed down by the tiles arriving above it (a layout shift).
  const tiles = h("div.tiles", { role: "group", "aria-label": "Orders by status", hidden: true });
  const listTitle = h("h2#orders-list-title", "Newest orders");
  const list = h("ol.orders");
  const listNote = h("p.muted.list-note");
  const listSection = h("section.list-section", { "aria-labelledby": "orders-list-title", hidden: true }, listTitle, list, listNote);
  const refresh = h("button.secondary", { type: "button", onclick: load }, "Refresh");
  const overview = h("div", summary, tiles, listSection);
  const detail = h("section.order-detail", { hidden: true });
  const offlineNote = h("p.notice", { role: "status", hidden: true }, OFFLINE);
  const root = h("section.screen", h("div.screen-head", h("h1", "Orders"), refresh), offlineNote, overview, detail);

  async function load() {
    refresh.disabled = true;
    try {
      orders = await api.orders(FETCH_LIMIT);
      if (!root.isConnected) return;
      render();
    } catch (problem) {
      if (!root.isConnected) return;
      summary.textContent = "Could not load orders.";
      show(tiles);
      show(list);
      show(listNote, h("span.error", { role: "alert" }, problem.message));
      listSection.hidden = false;
    } finally {
      refresh.disabled = false;
    }
  }

  function render() {
    const counts = new Map();
    for (const order of orders) counts.set(order.status, (counts.get(order.status) ?? 0) + 1);
    if (selected && !counts.has(selected)) selected = null;
    tiles.hidden = false;
    listSection.hidden = false;

    const capped = orders.length >= FETCH_LIMIT ? ` (newest ${FETCH_LIMIT})` : "";
    summary.textContent = `${plural(orders.length, "order")}${capped}`;

    // Empty statuses are left out: on a small screen every tile has to earn its place.
    const shown = STATUSES.filter(([status]) => counts.has(status));
    show(
      tiles,
      tile(null, "All orders", orders.length),
      shown.map(([status, name]) => tile(status, name, counts.get(status))),
    );

    const matching = selected ? orders.filter((order) => order.status === selected) : orders;
    listTitle.textContent = selected ? `Newest · ${STATUS_NAMES[selected]}` : "Newest orders";
    if (matching.length === 0) {
      show(list);
      show(listNote, "No orders yet. Orders from every sales channel appear here as they arrive.");
      return;
    }
    show(list, matching.slice(0, LIST_LENGTH).map((order) => orderRow(order, () => openOrder(order.id))));
    show(listNote, matching.length > LIST_LENGTH ? `Showing the newest ${LIST_LENGTH} of ${matching.length}.` : "");
  }

  function tile(status, name, count) {
    const classes = ["tile"];
    if (status && NEEDS_ATTENTION.has(status)) classes.push("attention");
    return h(
      "button",
      {
        type: "button",
        class: classes.join(" "),
        "data-status": status ?? "all",
        "aria-pressed": String(selected === status),
        onclick: () => {
          selected = status;
          render();
        },
      },
      h("span.tile-count", String(count)),
      h("span.tile-name", name),
    );
  }

  // -- the order detail -------------------------------------------------------------------------

  /** One request at a time, in the order asked for (a tap while one runs waits its turn); a refusal is shown in the server's words. */
  const inTurn = inTurns();
  const act = (work) => inTurn(() => actNow(work));

  async function actNow(work) {
    if (!online) return;
    busy = true;
    refreshButtons();
    try {
      await work();
    } catch (error) {
      if (root.isConnected && open) {
        open.problem = error.message;
        open.done = "";
      }
    } finally {
      busy = false;
      if (root.isConnected) renderDetail();
    }
  }

  function openOrder(id) {
    if (!online) {
      show(listNote, h("span.error", { role: "alert" }, OFFLINE));
      return;
    }
    open = { order: null, steps: [], done: "", problem: "" };
    confirming = false;
    overview.hidden = true;
    detail.hidden = false;
    show(detail, h("p.screen-sub", "Loading the order…"));
    act(async () => {
      const [order, steps] = await Promise.all([request("GET", `/api/orders/${id}`), request("GET", `/api/orders/${id}/timeline`)]);
      open.order = order;
      open.steps = steps;
    });
  }

  function closeOrder() {
    open = null;
    detail.hidden = true;
    overview.hidden = false;
    load();
  }

  function perform(action, body) {
    const id = open.order.id;
    confirming = false;
    act(async () => {
      open.problem = "";
      const order = await request("POST", `/api/orders/${id}/${action}`, body);
      open.order = order;
      open.done = order.done;
      open.steps = await request("GET", `/api/orders/${id}/timeline`);
    });
  }

  function refreshButtons() {
    for (const button of detail.querySelectorAll("button[data-online]")) button.disabled = !online || busy;
    offlineNote.hidden = online;
  }

  function renderDetail() {
    if (!open) return;
    const order = open.order;
    if (!order) {
      show(detail, backButton(), h("p.error", { role: "alert" }, open.problem || "Could not load the order."));
      refreshButtons();
      return;
    }
    const facts = [order.channel, order.customer.name, order.promised_at ? `promised ${when(order.promised_at)}` : null].filter(Boolean).join(" · ");
    show(
      detail,
      backButton(),
      h("div.detail-head", h("h2", order.external_ref), h("span", { class: `badge status-${order.status}` }, STATUS_NAMES[order.status] ?? order.status)),
      h("p.detail-facts", facts),
      order.status === "on_hold" &&
        h("p.notice", order.hold === "payment" ? "On hold: waiting for payment." : `On hold: ${order.hold_reason}`),
      h("div.wave-message.order-done", { role: "status" }, open.done),
      h("p.error", { role: "alert" }, open.problem),
      mayAct && actionsFor(order),
      h("h3", "Lines"),
      h("ul.detail-lines", order.lines.map(lineRow)),
      order.packages.length > 0 && h("h3", "Packages"),
      order.packages.length > 0 && h("ul.detail-packages", order.packages.map(packageRow)),
      mayAct && RETURNABLE.has(order.status) && returnsPanel(order, { onChange: refreshTimeline }),
      h("h3", "Timeline"),
      h("ol.detail-timeline", timelineItems(open.steps)),
    );
    refreshButtons();
  }

  // A return's step (an RMA opened, a refund) lands on the timeline without redrawing the detail.
  async function refreshTimeline() {
    if (!open?.order) return;
    open.steps = await request("GET", `/api/orders/${open.order.id}/timeline`);
    const list = detail.querySelector(".detail-timeline");
    if (list) show(list, timelineItems(open.steps));
  }

  function backButton() {
    return h("button.secondary.back", { type: "button", onclick: closeOrder }, "← All orders");
  }

  function actionsFor(order) {
    const allowed = orderActions(order);
    if (allowed.length === 0) return null;
    const reason = h("input#hold-reason", { type: "text", maxlength: "500", autocomplete: "off" });
    const button = (label, onclick, extra = "") => h(`button.secondary${extra}`, { type: "button", "data-online": "", onclick }, label);
    return h(
      "div.detail-actions",
      allowed.includes("hold") &&
        h(
          "div.field",
          h("label", { for: "hold-reason" }, "Reason to hold"),
          h(
            "div.pair",
            reason,
            button("Hold", () => {
              if (!reason.value.trim()) {
                open.problem = "Say why the order is held: the reason goes on its timeline.";
                open.done = "";
                renderDetail();
                return;
              }
              perform("hold", { reason: reason.value.trim() });
            }),
          ),
        ),
      allowed.includes("release-hold") && button("Release hold", () => perform("release-hold")),
      allowed.includes("pay") && button("Mark paid", () => perform("pay")),
      allowed.includes("cancel") &&
        (confirming
          ? h(
              "div.confirm",
              { role: "group", "aria-label": "Confirm cancelling" },
              h("span", `Cancel order ${order.external_ref}? Its stock is freed and picked units go back.`),
              h(
                "div.pair",
                button("Yes, cancel it", () => perform("cancel", { reason: "cancelled by a supervisor" }), ".danger"),
                button("Keep it", () => {
                  confirming = false;
                  renderDetail();
                }),
              ),
            )
          : button(
              "Cancel order",
              () => {
                confirming = true;
                renderDetail();
              },
              ".danger",
            )),
    );
  }

  const unsubscribe = network?.subscribe?.((now) => {
    if (now === online) return;
    online = now;
    refreshButtons();
  });
  load();
  return { root, title: "Orders", dispose: unsubscribe };
}

function lineRow(line) {
  const held = allocationText(line);
  return h(
    "li",
    { "data-line": line.line_no },
    h("div.order-top", h("strong", line.sku), h("span.badge", line.status.replace("_", " "))),
    h("p", line.name),
    h("p.muted", `${line.qty} ordered · ${line.qty_allocated} reserved · ${line.qty_picked} picked`),
    held && h("p.allocation", `Reserved in ${held}`),
    line.totes.length > 0 && h("p.totes", `Totes: ${line.totes.join(", ")}`),
  );
}

function packageRow(pkg) {
  const weight = pkg.weight_g ? ` · ${(pkg.weight_g / 1000).toFixed(2)}\u00a0kg` : "";
  const tracking = pkg.tracking_number ? ` · ${pkg.carrier} ${pkg.tracking_number}` : "";
  return h(
    "li",
    h("div.order-top", h("strong.order-ref", pkg.code), h("span.badge", pkg.sealed ? pkg.status : "open, not sealed")),
    h("p.muted", `${pkg.package_type || "no box yet"}${weight}${tracking}`),
  );
}

function timelineItems(steps) {
  return steps.map((step) => h("li", h("time", { datetime: step.at }, when(step.at)), h("span", step.label)));
}

function orderRow(order, onOpen) {
  return h(
    "li.order",
    { "data-order-id": order.id },
    h(
      "button.order-open",
      { type: "button", onclick: onOpen },
      h(
        "span.order-top",
        h("span.order-ref", order.external_ref),
        h("span", { class: `badge status-${order.status}` }, STATUS_NAMES[order.status] ?? order.status),
      ),
      h(
        "span.order-mid",
        h("span.order-customer", order.customer),
        h("time.order-time", { datetime: order.created_at }, when(order.created_at)),
      ),
      h(
        "span.order-meta",
        `${plural(order.lines, "line")} · ${plural(order.units, "unit")} · ${order.channel}`,
        order.payment_status === "pending" && h("span.badge.pending", "Payment pending"),
      ),
    ),
  );
}

function addStyles() {
  if (document.querySelector(`link[href="${STYLES}"]`)) return;
  document.head.append(h("link", { rel: "stylesheet", href: STYLES }));
}

function when(iso) {
  const at = new Date(iso);
  const today = new Date().toDateString() === at.toDateString();
  return today
    ? at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : at.toLocaleDateString([], { day: "numeric", month: "short" });
}

// A no-break space keeps "6 units" together when a line wraps.
function plural(n, word) {
  return `${n}\u00a0${word}${n === 1 ? "" : "s"}`;
}
