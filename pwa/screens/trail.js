// A bin's audit trail for the supervisor's Stock section: every change of units in the bin, newest
// first — SKU and lot, the change, what the book held after, the op that did it, who and when — from
// GET /api/locations/{code}/history, twenty at a time.

import { request } from "../api.js";
import { h } from "../dom.js";

const OPS = {
  pick: "Picked",
  pick_short: "Short pick",
  receive: "Received",
  count: "Counted",
  move: "Moved",
  adjust_stock: "Adjusted",
  approve_stock_change: "Approved change",
  return_receive: "Returned",
};

/** <section> that loads and shows the trail of bin `code`, with an "Older" button while there is more. */
export function binTrail(code, limit = 20) {
  const list = h("ol.trail-list", { "aria-label": `Trail of ${code}` });
  const more = h("button.secondary.wide", { type: "button", hidden: true }, "Older");
  const note = h("p.muted", "Loading the trail…");
  let before = null;

  async function load() {
    more.disabled = true;
    try {
      const page = await request("GET", `/api/locations/${encodeURIComponent(code)}/history?limit=${limit}${before ? `&before=${before}` : ""}`);
      list.append(...page.movements.map(row));
      before = page.next_before;
      note.textContent = list.childElementCount ? "" : "Nothing has changed in this bin yet.";
      note.hidden = !note.textContent;
      more.hidden = before === null;
    } catch (error) {
      note.textContent = error.message;
    } finally {
      more.disabled = false;
    }
  }

  more.addEventListener("click", load);
  load();
  return h("section.bin-trail", { "aria-label": `What happened in ${code}` }, h("h3", "Trail"), note, list, more);
}

function row(m) {
  const change = m.delta > 0 ? `+${m.delta}` : String(m.delta);
  const when = new Date(m.at).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "short" });
  return h(
    "li.trail-row",
    { "data-op": m.op_type },
    h("span.trail-main", h("strong", `${change} ${m.sku}`), m.lot && ` · lot ${m.lot}`, ` → ${m.on_hand_after} on the book`),
    h("span.trail-how", [OPS[m.op_type] ?? m.op_type, m.code && `(${m.code.replace(/_/g, " ")})`, m.actor && `by ${m.actor}`, when].filter(Boolean).join(" · ")),
  );
}
