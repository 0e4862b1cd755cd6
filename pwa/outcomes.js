// When the server's outcome differs from what the phone guessed (adjusted or rejected), the user is
// told what happened and what to do with the units in hand, until they tap "Done".
// The wording for a role's own ops comes from its module (pwa/roles/); the codes any op can meet are
// worded here. The server's own message is always shown underneath, so an unknown code still says
// something true.

import { h } from "./dom.js";

/**
 * describeOutcome(result, op, wording?) → {title, action, detail, tone}
 * `result` is one push result {seq, status, code, message, result}; `op` the outbox op it answers;
 * `wording` the signed-in role's {op type: (code, facts, say) → text | null}.
 * `tone` is "adjusted" or "rejected"; `action` is the one thing the user must do now.
 */
export function describeOutcome(result, op = {}, wording = {}) {
  const args = op.args ?? {};
  const facts = result.result ?? {};
  const sku = args.sku ?? "the item";
  const bin = args.location ?? args.from_location ?? "its bin";
  const putAway = facts.put_away ?? 0;
  const putBack = putAway > 0 ? `Put ${units(putAway, sku)} back to ${bin}.` : null;
  const tone = result.status === "rejected" ? "rejected" : "adjusted";
  const detail = result.message || "";
  const say = (title, action) => ({ title, action, detail, tone });

  const own = Object.hasOwn(wording, op.type) ? wording[op.type](result.code, { args, facts, sku, bin, putBack, units }, say) : null;
  if (own) return own;
  switch (result.code) {
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
    default:
      if (putBack) return say(tone === "rejected" ? "Not recorded" : "Recorded with a change", putBack);
      return say(tone === "rejected" ? "Not recorded" : "Recorded with a change", detail || "Tell your supervisor.");
  }
}

function units(n, sku) {
  return `${n} × ${sku}`;
}

/**
 * outcomeList(client, wording?) → <section class="outcome-list">: one card per adjusted or rejected
 * scan, each with a "Done" button that dismisses it. Hidden while there is nothing to show.
 */
export function outcomeList(client, wording = {}) {
  const list = h("ul.outcomes");
  const root = h(
    "section.outcome-list",
    { "aria-label": "Scans the server changed", "aria-live": "polite", hidden: true },
    list,
  );
  let seen = null;

  async function render() {
    const outcomes = (await client.outcomes()).sort((a, b) => a.seq - b.seq);
    list.replaceChildren(...outcomes.map((outcome) => card(client, outcome, wording)));
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

function card(client, outcome, wording) {
  const text = describeOutcome(outcome, outcome.op, wording);
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
