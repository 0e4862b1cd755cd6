// Buying, for supervisors and admins: what to order per supplier (backorders and products below their
// reorder point, less what is already on order), a purchase order made from it, approved and sent (the
// document opens to print, the e-mail downloads for the mail client), the supplier's date, and for a
// drop-ship the tracking number that ships the customer's order. Every step is the server's to
// decide, so this is an online screen: offline it says so and its buttons wait for the connection.

import { loadSession, request } from "../api.js";
import { h, inTurns, show } from "../dom.js";
import { printDocument } from "../printing.js";

const OFFLINE = "Buying needs a connection: what is shown may be out of date.";
const STYLES = "/static/screens/purchasing.css";
export const PO_STATUS_NAMES = {
  draft: "Draft", approved: "Approved", sent: "Sent", receiving: "Receiving", received: "Received", closed: "Closed", cancelled: "Cancelled",
};
const FILTERS = [["open", "Open"], ["draft", "Drafts"], ["approved", "Approved"], ["sent", "Sent"], ["closed", "Closed"], ["cancelled", "Cancelled"], ["", "All"]];

/** "3 for waiting orders + 10 to restock" — why a proposal line asks for its quantity. */
export function proposalReason(line) {
  const parts = [];
  if (line.for_backorders) parts.push(`${line.for_backorders} for waiting orders`);
  if (line.for_stock) parts.push(`${line.for_stock} to restock`);
  return parts.join(" + ");
}

/** "Drop-ship · 2 units · expected 2026-12-08" */
export function poFacts(po) {
  const parts = [po.kind === "drop_ship" ? `Drop-ship for ${po.order_ref ?? "an order"}` : "Stock", plural(po.units, "unit")];
  if (po.tracking_number) parts.push(`tracking ${po.tracking_number}`);
  else if (po.expected_at) parts.push(`expected ${po.expected_at}`);
  return parts.join(" · ");
}

/** purchasingScreen({network}) → {root, title, dispose} */
export function purchasingScreen({ network }) {
  addStyles();
  let online = true;
  let busy = false;
  let view = "proposals"; // proposals | orders
  let proposals = null; // {proposals, without_supplier} as last read
  let filter = "open";
  let orders = null; // purchase orders of the filter, as last read
  let open = null; // the purchase order shown in detail

  const offlineNote = h("p.notice", { role: "status", hidden: true }, OFFLINE);
  const problem = h("p.error", { role: "alert" });
  const message = h("p.buy-message", { role: "status" });
  const toProposals = h("button.secondary", { type: "button", onclick: () => switchTo("proposals") }, "To order");
  const toOrders = h("button.secondary", { type: "button", onclick: () => switchTo("orders") }, "Purchase orders");
  const body = h("div.buy-body");
  const root = h(
    "section.screen.buy-screen",
    h("div.screen-head", h("h1", "Buying")),
    offlineNote,
    h("div.buy-tabs", { role: "group", "aria-label": "Buying views" }, toProposals, toOrders),
    problem,
    message,
    body,
  );

  /** One request at a time, in the order asked for (a tap while one runs waits its turn); the server's refusal is shown as it words it. */
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

  function switchTo(next) {
    view = next;
    open = null;
    message.textContent = "";
    load();
  }

  function load() {
    if (!online) return render();
    act(async () => {
      if (view === "proposals") proposals = await request("GET", "/api/purchase-orders/proposals");
      else orders = await request("GET", `/api/purchase-orders${filter ? `?status=${filter}` : ""}`);
    });
  }

  function createPo(proposal) {
    act(async () => {
      const po = await request("POST", "/api/purchase-orders", {
        supplier: proposal.supplier,
        lines: proposal.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
      });
      message.textContent = po.done;
      view = "orders";
      open = po;
      proposals = null;
    });
  }

  function openPo(id) {
    act(async () => {
      open = await request("GET", `/api/purchase-orders/${id}`);
      message.textContent = "";
    });
  }

  function poAction(action, payload, after) {
    act(async () => {
      const po = await request("POST", `/api/purchase-orders/${open.id}/${action}`, payload);
      open = po;
      orders = null;
      message.textContent = po.done;
      if (after) await after(po);
    });
  }

  async function showDocument(po) {
    await printDocument(`/api/purchase-orders/${po.id}/document`, `purchase order ${po.code}`);
  }

  function downloadEmail(po) {
    act(async () => {
      const token = loadSession({ allowExpired: true })?.token;
      const response = await fetch(`/api/purchase-orders/${po.id}/document.eml`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      if (!response.ok) throw new Error(`The server could not make the e-mail (HTTP ${response.status})`);
      const url = URL.createObjectURL(await response.blob());
      const link = h("a", { href: url, download: `${po.code}.eml`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      message.textContent = `${po.code}.eml downloaded: open it in your mail client and send it to ${po.supplier_email || po.supplier_name}.`;
    });
  }

  // -- drawing --------------------------------------------------------------------------------

  function render() {
    offlineNote.hidden = online;
    toProposals.setAttribute("aria-pressed", String(view === "proposals"));
    toOrders.setAttribute("aria-pressed", String(view === "orders"));
    if (open) renderDetail();
    else if (view === "proposals") renderProposals();
    else renderOrders();
    refreshButtons();
  }

  function refreshButtons() {
    for (const button of root.querySelectorAll("button")) button.disabled = !online || busy;
  }

  function renderProposals() {
    if (proposals === null) {
      show(body, h("p.screen-sub", online ? "Loading what to order…" : "Shown when the phone is online."));
      return;
    }
    const cards = proposals.proposals.map((p) => h(
      "li.buy-card",
      { "data-supplier": p.supplier },
      h("div.buy-top", h("strong", p.name), h("span.muted", `${plural(p.units, "unit")} · ${p.lead_time_days}\u00a0days lead time`)),
      h("ul.buy-lines", p.lines.map((l) => h("li", h("span.code", l.sku), h("span.buy-qty", `${l.qty}`), h("span.muted", proposalReason(l))))),
      h("button.primary", { type: "button", onclick: () => createPo(p) }, `Create PO for ${p.name}`),
    ));
    show(
      body,
      cards.length === 0 ? h("p.screen-sub", "Nothing to order: no backorders and no product below its reorder point.") : h("ul.buy-list", cards),
      proposals.without_supplier.length > 0 && h(
        "p.notice",
        `No supplier set for ${proposals.without_supplier.map((l) => `${l.sku} (${l.qty})`).join(", ")}: set one in the product to order it.`,
      ),
    );
  }

  function renderOrders() {
    const select = h(
      "select#buy-filter",
      { onchange: () => { filter = select.value; orders = null; load(); } },
      FILTERS.map(([value, label]) => h("option", { value, selected: value === filter }, label)),
    );
    const list = orders === null
      ? h("p.screen-sub", online ? "Loading purchase orders…" : "Shown when the phone is online.")
      : orders.length === 0
        ? h("p.screen-sub", "No purchase orders here.")
        : h("ul.buy-list", orders.map((po) => h("li", h(
          "button.buy-card.buy-po",
          { type: "button", "data-po": po.code, onclick: () => openPo(po.id) },
          h("span.buy-top", h("strong", `${po.code} · ${po.supplier_name}`), statusBadge(po.status)),
          h("span.muted", poFacts(po)),
        ))));
    show(body, h("div.field", h("label", { for: "buy-filter" }, "Show"), select), list);
  }

  function renderDetail() {
    const po = open;
    const dateInput = h("input#buy-date", { type: "date", value: po.expected_at ?? "" });
    const actions = [];
    if (po.status === "draft") {
      actions.push(h("button.primary", { type: "button", onclick: () => poAction("approve") }, "Approve"));
    }
    if (po.status === "approved") {
      actions.push(h("div.field", h("label", { for: "buy-date" }, "Expected (empty: lead time)"), dateInput));
      actions.push(h("button.primary", {
        type: "button",
        onclick: () => poAction("send", dateInput.value ? { expected_at: dateInput.value } : undefined, showDocument),
      }, "Send"));
    }
    if (po.status === "sent" || po.status === "receiving") {
      actions.push(h(
        "div.buy-row",
        h("div.field", h("label", { for: "buy-date" }, po.kind === "drop_ship" ? "Supplier ships on" : "Supplier delivers on"), dateInput),
        h("button.secondary", { type: "button", onclick: () => dateInput.value && poAction("expected", { expected_at: dateInput.value }) }, "Set date"),
      ));
    }
    if (po.kind === "drop_ship" && (po.status === "approved" || po.status === "sent")) {
      const carrier = h("input#buy-carrier", { type: "text", autocomplete: "off", placeholder: "e.g. DHL" });
      const number = h("input#buy-tracking", { type: "text", autocomplete: "off", autocapitalize: "characters" });
      actions.push(h(
        "fieldset.buy-tracking",
        h("legend", "Supplier shipped it"),
        h("div.field", h("label", { for: "buy-carrier" }, "Carrier"), carrier),
        h("div.field", h("label", { for: "buy-tracking" }, "Tracking number"), number),
        h("button.primary", {
          type: "button",
          onclick: () => {
            if (!carrier.value.trim() || !number.value.trim()) {
              problem.textContent = "Enter the carrier and the tracking number.";
              return;
            }
            poAction("tracking", { carrier: carrier.value.trim(), tracking_number: number.value.trim() });
          },
        }, "Enter tracking"),
      ));
    }
    actions.push(h(
      "div.buy-row",
      h("button.secondary", { type: "button", onclick: () => act(() => showDocument(po)) }, "Open document"),
      h("button.secondary", { type: "button", onclick: () => downloadEmail(po) }, "Download e-mail"),
    ));
    if (["draft", "approved", "sent"].includes(po.status) && po.kind === "stock") {
      actions.push(h("button.secondary.buy-cancel", { type: "button", onclick: () => poAction("cancel", {}) }, "Cancel PO"));
    }
    show(
      body,
      h("button.secondary.back", { type: "button", onclick: () => { open = null; message.textContent = ""; load(); } }, "← Purchase orders"),
      h("div.buy-top", h("h2", po.code), statusBadge(po.status)),
      h("p", `${po.supplier_name}${po.supplier_email ? ` · ${po.supplier_email}` : ""}`),
      h("p.muted", poFacts(po)),
      po.kind === "drop_ship" && po.ship_to && h("p", `Ships to ${po.ship_to}`),
      h("ul.buy-lines", { "aria-label": "Lines" }, po.lines.map((l) => h("li", h("span.code", l.sku), h("span.buy-qty", `${l.qty_ordered}`), h("span", l.name)))),
      h("div.buy-actions", actions),
    );
  }

  function statusBadge(status) {
    return h("span", { class: `badge po-${status}` }, PO_STATUS_NAMES[status] ?? status);
  }

  const unsubscribe = network.subscribe((now) => {
    if (now === online) return;
    online = now;
    if (online && ((view === "proposals" && proposals === null) || (view === "orders" && orders === null && !open))) load();
    else render();
  });
  load();
  return { root, title: "Buying", dispose: unsubscribe };
}

function plural(n, word) {
  return `${n}\u00a0${word}${n === 1 ? "" : "s"}`;
}

function addStyles() {
  if (document.querySelector(`link[href="${STYLES}"]`)) return;
  document.head.append(h("link", { rel: "stylesheet", href: STYLES }));
}
