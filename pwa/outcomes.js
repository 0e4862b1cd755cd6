// When the server's outcome differs from what the phone guessed (adjusted or rejected), the picker
// is told what happened and what to do with the units in hand, until they tap "Done".
// The wording comes from the result's code (sync/picking.py, packing.py, delivery.py, floor.py);
// the server's own message is always shown underneath, so an unknown code still says something true.

import { h } from "./dom.js";

function units(n, sku) {
  return `${n} × ${sku}`;
}

/**
 * describeOutcome(result, op) → {title, action, detail, tone}
 * `result` is one push result {seq, status, code, message, result}; `op` the outbox op it answers.
 * `tone` is "adjusted" or "rejected"; `action` is the one thing the user must do now.
 */
export function describeOutcome(result, op = {}) {
  const args = op.args ?? {};
  const facts = result.result ?? {};
  const sku = args.sku ?? "the item";
  const bin = args.location ?? args.from_location ?? "its bin";
  const putAway = facts.put_away ?? 0;
  const putBack = putAway > 0 ? `Put ${units(putAway, sku)} back to ${bin}.` : null;
  const tone = result.status === "rejected" ? "rejected" : "adjusted";
  const detail = result.message || "";
  const say = (title, action) => ({ title, action, detail, tone });

  switch (result.code) {
    case "order_cancelled":
      if (op.type === "ship" || op.type === "pack") {
        return say("Order cancelled", args.package ? `Do not ship ${args.package}: unpack it and return the units to stock.` : "Set the items aside and return them to stock.");
      }
      return say("Order was cancelled", putBack ?? `Put ${units(args.qty ?? 1, sku)} back to ${bin}.`);
    case "order_on_hold":
      return say("Order on hold", args.package ? `Do not ship ${args.package}: unpack it and return the units to stock.` : "Set the items aside for your supervisor.");
    case "line_cancelled":
      return say("Line was cancelled", putBack ?? `Put ${units(args.qty ?? 1, sku)} back to ${bin}.`);
    case "order_not_released":
      return say("Order is not released for picking", putBack ?? `Put ${units(args.qty ?? 1, sku)} back to ${bin}.`);
    case "over_pick":
      return say(facts.picked ? "More units than the line needed" : "Line was already filled", putBack ?? "Nothing to put back.");
    case "stock_discrepancy":
      // With units to put back, the line was filled already; the count of the bin follows by itself.
      if (putBack) return say(facts.picked ? "More units than the line needed" : "Line was already filled", putBack);
      return say(`${bin} held fewer units than the book`, `Keep the units in the tote. A count of ${bin} was ordered.`);
    case "task_reassigned":
      return say("This task was given to someone else", putBack ?? "Your pick counts. Go on to your next task.");
    case "wrong_item":
      return op.type === "pack"
        ? say("Wrong item for this order", `Set ${sku} aside; it was not packed.`)
        : say("Wrong item", `Put ${sku} back to ${bin}. Nothing was recorded.`);
    case "unknown_line":
    case "unknown_sku":
    case "unknown_location":
    case "unknown_package":
    case "unknown_order":
      return say("Not recognised by the server", "Nothing was recorded. Tell your supervisor.");
    case "malformed_args":
    case "unknown_op_type":
    case "unsupported_version":
      return say("The server could not read this scan", "Nothing was recorded. Reload the app and tell your supervisor.");
    case "not_picked":
    case "already_packed":
    case "package_of_other_order":
    case "package_sealed":
      return say("Not packed", "Set the items aside for review by your supervisor.");
    case "conflicting_delivery":
    case "already_delivered":
      return say("Kept as evidence", "Nothing to do now; your supervisor will review it.");
    default:
      if (putBack) return say(tone === "rejected" ? "Not recorded" : "Recorded with a change", putBack);
      return say(tone === "rejected" ? "Not recorded" : "Recorded with a change", detail || "Tell your supervisor.");
  }
}

/**
 * outcomeList(client) → <section class="outcome-list">: one card per adjusted or rejected scan,
 * each with a "Done" button that dismisses it. Hidden while there is nothing to show.
 */
export function outcomeList(client) {
  const list = h("ul.outcomes");
  const root = h(
    "section.outcome-list",
    { "aria-label": "Scans the server changed", "aria-live": "polite", hidden: true },
    list,
  );
  let seen = null;

  async function render() {
    const outcomes = (await client.outcomes()).sort((a, b) => a.seq - b.seq);
    list.replaceChildren(...outcomes.map((outcome) => card(client, outcome)));
    root.hidden = outcomes.length === 0;
  }

  client.subscribe((status) => {
    const key = `${status.outcomes}:${status.changes}`;
    if (key === seen) return;
    seen = key;
    render();
  });
  return root;
}

function card(client, outcome) {
  const text = describeOutcome(outcome, outcome.op);
  const done = h("button.outcome-done", {
    type: "button",
    "aria-label": `Done: ${text.title}`,
    onclick: async () => {
      done.disabled = true;
      await client.dismissOutcome(outcome.seq);
    },
  }, "Done");
  return h(
    `li.outcome.is-${text.tone}`,
    { "data-seq": outcome.seq, "data-code": outcome.code || "" },
    h("p.outcome-title", text.title),
    h("p.outcome-action", text.action),
    text.detail && text.detail !== text.action ? h("p.outcome-detail", text.detail) : null,
    done,
  );
}
