// Returns on the supervisor's order detail (pwa/screens/orders.js): the order's RMAs with what came
// back and what was refunded, "Start a return" (reason, units per line, the value that may be
// refunded), and on each RMA "Record refund" (amount, method, reference), its printable slip and
// "Close". Online only, like the rest of the detail: the server has the last word on every number.

import { request } from "../api.js";
import { h, show } from "../dom.js";
import { printDocument } from "../printing.js";

export const REASONS = [
  ["damaged", "Damaged"],
  ["wrong_item", "Wrong item sent"],
  ["not_as_described", "Not as described"],
  ["no_longer_needed", "No longer needed"],
  ["late", "Arrived late"],
  ["other", "Other"],
];
const METHODS = [
  ["original_payment", "Original payment"],
  ["store_credit", "Store credit"],
  ["bank_transfer", "Bank transfer"],
  ["cash", "Cash"],
];
const STATUS_WORDS = { requested: "Requested", receiving: "Receiving", inspected: "Received", refunded: "Refunded", closed: "Closed" };

/** "12.50" → 1250 cents, or null when it is not an amount. */
export function parseAmount(text) {
  const match = /^\s*(\d{1,8})(?:[.,](\d{1,2}))?\s*$/.exec(String(text));
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? "0").padEnd(2, "0"));
}

export function money(cents, currency) {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")} ${currency}`;
}

/**
 * The order's returns as an element that loads itself; `order` as GET /api/orders/{id} answers it.
 * `onChange()` is called after each action the server took (the order's timeline has a new step).
 */
export function returnsPanel(order, { onChange = () => {} } = {}) {
  const root = h("section.order-returns", { "aria-label": "Returns" });
  let rmas = [];
  let starting = false;
  let note = "";
  let problem = "";

  async function load() {
    const list = await request("GET", `/api/rmas?order_id=${order.id}`);
    rmas = await Promise.all(list.map((r) => request("GET", `/api/rmas/${r.id}`)));
    render();
  }

  async function act(work) {
    problem = "";
    try {
      note = await work();
      await load();
      await onChange();
    } catch (error) {
      problem = error.message;
      note = "";
      render();
    }
  }

  function render() {
    show(
      root,
      h("h3", "Returns"),
      h("div.wave-message.order-done", { role: "status" }, note),
      h("p.error", { role: "alert" }, problem),
      rmas.map(rmaCard),
      starting ? startForm() : h("button.secondary.wide", { type: "button", onclick: () => { starting = true; render(); } }, "Start a return"),
    );
  }

  function startForm() {
    const reason = h("select#rma-reason", { "aria-label": "Reason" }, h("option", { value: "" }, "Choose the reason…"), REASONS.map(([value, label]) => h("option", { value }, label)));
    const qty = new Map();
    const rows = order.lines.filter((l) => l.qty_picked > 0).map((line) => {
      const input = h("input", { type: "number", inputmode: "numeric", min: "0", max: String(line.qty_picked), value: "0", id: `rma-qty-${line.id}`, "aria-label": `Units of ${line.sku} coming back` });
      qty.set(line.id, input);
      return h("div.field", h("label", { for: `rma-qty-${line.id}` }, `${line.sku} · ${line.name} (sent ${line.qty_picked})`), input);
    });
    const value = h("input#rma-value", { type: "text", inputmode: "decimal", autocomplete: "off", placeholder: "0.00" });
    const text = h("input#rma-note", { type: "text", maxlength: "500", autocomplete: "off" });
    const submit = () => {
      const lines = [...qty].map(([id, input]) => ({ order_line_id: id, qty: Math.floor(Number(input.value)) || 0 })).filter((l) => l.qty > 0);
      const cents = value.value.trim() ? parseAmount(value.value) : 0;
      if (!reason.value) return complain("Choose the customer's reason.");
      if (!lines.length) return complain("Say how many units of which line come back.");
      if (cents === null) return complain("The refundable value is an amount like 12.50.");
      act(async () => {
        const made = await request("POST", `/api/orders/${order.id}/rmas`, { reason: reason.value, note: text.value.trim(), lines, value_cents: cents });
        starting = false;
        return made.done;
      });
    };
    return h("div.rma-start", { role: "group", "aria-label": "Start a return" },
      h("div.field", h("label", { for: "rma-reason" }, "Reason"), reason),
      rows,
      h("div.field", h("label", { for: "rma-value" }, "Value that may be refunded (EUR)"), value),
      h("div.field", h("label", { for: "rma-note" }, "Note"), text),
      h("div.pair",
        h("button.primary", { type: "button", onclick: submit }, "Open the return"),
        h("button.secondary", { type: "button", onclick: () => { starting = false; render(); } }, "Not now")));
  }

  function complain(text) {
    problem = text;
    note = "";
    render();
  }

  function rmaCard(rma) {
    const open = rma.status !== "closed";
    const left = rma.value_cents - rma.refunded_cents;
    return h("div.rma-card", { "data-rma": rma.code },
      h("div.detail-head", h("strong", rma.code), h("span.badge", STATUS_WORDS[rma.status] ?? rma.status)),
      h("p.detail-facts", `${(REASONS.find(([v]) => v === rma.reason) ?? [0, rma.reason])[1]}${rma.note ? ` · ${rma.note}` : ""}`),
      h("ul.detail-lines", rma.lines.map((l) => h("li", `${l.sku}: ${l.qty_received} of ${l.qty_expected} back · ${l.qty_restocked} restocked · ${l.qty_scrapped} scrapped`))),
      h("p", `Refunded ${money(rma.refunded_cents, rma.currency)} of ${money(rma.value_cents, rma.currency)}`),
      rma.refunds.length > 0 && h("ul.detail-lines", rma.refunds.map((f) => h("li", `${money(f.amount_cents, f.currency)} · ${(METHODS.find(([v]) => v === f.method) ?? [0, f.method])[1]}${f.reference ? ` · ${f.reference}` : ""}`))),
      open && left > 0 && rma.status !== "requested" && refundForm(rma, left),
      h("div.pair",
        h("button.secondary", { type: "button", onclick: () => printDocument(`/print/rmas/${rma.id}/slip`, `rma-${rma.code}`).catch((e) => complain(e.message)) }, "Print slip"),
        open && h("button.secondary", { type: "button", onclick: () => act(async () => (await request("POST", `/api/rmas/${rma.id}/close`, {})).done) }, "Close")));
  }

  function refundForm(rma, left) {
    const id = `refund-${rma.id}`;
    const amount = h("input", { id: `${id}-amount`, type: "text", inputmode: "decimal", autocomplete: "off", value: money(left, rma.currency).split(" ")[0] });
    const method = h("select", { id: `${id}-method`, "aria-label": "Method" }, METHODS.map(([value, label]) => h("option", { value }, label)));
    const reference = h("input", { id: `${id}-reference`, type: "text", maxlength: "64", autocomplete: "off" });
    const record = () => {
      const cents = parseAmount(amount.value);
      if (!cents) return complain("The refund is an amount like 12.50, more than 0.");
      act(async () => (await request("POST", `/api/rmas/${rma.id}/refunds`, { amount_cents: cents, method: method.value, reference: reference.value.trim() })).done);
    };
    return h("div.rma-refund", { role: "group", "aria-label": `Record refund on ${rma.code}` },
      h("div.field", h("label", { for: `${id}-amount` }, `Amount (${rma.currency}, up to ${money(left, rma.currency)})`), amount),
      h("div.field", h("label", { for: `${id}-method` }, "Method"), method),
      h("div.field", h("label", { for: `${id}-reference` }, "Reference"), reference),
      h("button.primary.wide", { type: "button", onclick: record }, "Record refund"));
  }

  load().catch((error) => complain(error.message));
  return root;
}
