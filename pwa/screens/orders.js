// Orders at a glance for packers, supervisors and admins: how many orders sit in each status (big
// tiles, tap one to filter) and the newest orders below.

import { api } from "../api.js";
import { h, show } from "../dom.js";

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

/** The orders overview screen. */
export function ordersScreen() {
  let orders = [];
  let selected = null; // a status, or null for all

  const summary = h("p.screen-sub", "Loading orders…");
  // Tiles and list stay out of the layout until the orders are in, then appear together: a list
  // heading drawn early would be pushed down by the tiles arriving above it (a layout shift).
  const tiles = h("div.tiles", { role: "group", "aria-label": "Orders by status", hidden: true });
  const listTitle = h("h2#orders-list-title", "Newest orders");
  const list = h("ol.orders");
  const listNote = h("p.muted.list-note");
  const listSection = h("section.list-section", { "aria-labelledby": "orders-list-title", hidden: true }, listTitle, list, listNote);
  const refresh = h("button.secondary", { type: "button", onclick: load }, "Refresh");
  const root = h("section.screen", h("div.screen-head", h("h1", "Orders"), refresh), summary, tiles, listSection);

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
    show(list, matching.slice(0, LIST_LENGTH).map(orderRow));
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

  load();
  return { root, title: "Orders" };
}

function orderRow(order) {
  return h(
    "li.order",
    { "data-order-id": order.id },
    h(
      "div.order-top",
      h("span.order-ref", order.external_ref),
      h("span", { class: `badge status-${order.status}` }, STATUS_NAMES[order.status] ?? order.status),
    ),
    h(
      "div.order-mid",
      h("span.order-customer", order.customer),
      h("time.order-time", { datetime: order.created_at }, when(order.created_at)),
    ),
    h(
      "p.order-meta",
      `${plural(order.lines, "line")} · ${plural(order.units, "unit")} · ${order.channel}`,
      order.payment_status === "pending" && h("span.badge.pending", "Payment pending"),
    ),
  );
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
