// The exception queue for supervisors and admins: every scan the server recorded otherwise than the
// phone meant (adjusted or rejected), short picks, counts and receipts waiting for approval, failed
// deliveries — newest first, each with who, when, the evidence and the actions that close it. Every
// action is an op in the ledger (the server's to decide), so this is an online screen: offline, the
// buttons wait for a connection. New items arrive within a second while the screen is visible.

import { request } from "../api.js";
import { h, show } from "../dom.js";

const OFFLINE = "The exception queue needs a connection.";
const POLL_MS = 1000; // new items only (a cursor): cheap enough to ask every second
const REFRESH_MS = 10_000; // the whole list (items resolved elsewhere leave it)

const TITLES = {
  over_pick: "Picked more than the line needed",
  stock_discrepancy: "Bin held less than the book",
  count_difference: "Count differs from the book",
  awaits_approval: "Stock change waits for approval",
  order_cancelled: "Picked for a cancelled order",
  line_cancelled: "Picked for a cancelled line",
  order_not_released: "Picked for an order not released",
  task_reassigned: "Picked a task given to someone else",
};
const KINDS = {
  short_pick: "Short pick",
  failed_delivery: "Failed delivery",
  stock_discrepancy: "Stock discrepancy",
  rejected_op: "Scan not recorded",
  conflict: "Scan recorded with a change",
};

/** A queue item's headline in plain words. */
export function headline(item) {
  if (item.kind === "short_pick") return `Short pick at ${item.location ?? "a bin"}`;
  if (item.kind === "failed_delivery") return "Delivery failed";
  return TITLES[item.code] ?? KINDS[item.kind] ?? item.code.replaceAll("_", " ");
}

/** Who was involved: the people the engine named, else whoever sent the op, with their device. */
export function who(item) {
  const actor = item.people || item.evidence?.actor || "the server";
  return item.device_id ? `${actor} · phone ${item.device_id.slice(0, 8)}` : actor;
}

/** The evidence as lines of text: what was scanned, what the book said, what the driver recorded. */
export function evidenceLines(item) {
  const e = item.evidence;
  if (!e) return [];
  const a = e.args ?? {};
  const lines = [];
  switch (e.op) {
    case "pick":
      lines.push(`Picked ${a.qty} × ${a.sku} from ${a.location}${a.tote ? ` into tote ${a.tote}` : ""} (line ${a.order_line_id})`);
      if (e.result?.put_away) lines.push(`${e.result.put_away} to put back`);
      break;
    case "pick_short":
      lines.push(`Reported ${a.qty_short} × ${a.sku} missing at ${a.location} (${a.reason ?? "empty"})`);
      break;
    case "count":
      lines.push(`Counted ${a.counted} × ${a.sku} in ${a.location}`);
      if (e.book !== null && e.book !== undefined) lines.push(`Book ${e.book} · counted ${e.counted}`);
      break;
    case "receive":
      lines.push(`Received ${a.qty} × ${a.sku} into ${a.location}`);
      break;
    case "deliver_failed":
      lines.push(`Package ${a.package}: ${String(a.reason ?? "").replaceAll("_", " ")}${a.note ? ` — ${a.note}` : ""}`);
      if (a.photo) lines.push(`Photo ${a.photo}`);
      break;
    case "deliver":
      lines.push(`Package ${a.package} to ${a.recipient}`);
      if (a.photo) lines.push(`Photo ${a.photo}`);
      break;
    default:
      lines.push(`${e.op}: ${Object.entries(a).map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ")}`);
  }
  if (e.device_at) lines.push(`Scanned ${clock(e.device_at)} · synced ${clock(e.committed_at)}`);
  return lines;
}

function clock(iso) {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? String(iso) : at.toLocaleString([], { dateStyle: "short", timeStyle: "medium" });
}

/** What a follow-up floor task asks for, in words. */
export function taskText(task) {
  const whose = task.assignee ? ` · for ${task.assignee}` : "";
  if (task.kind === "cycle_count") return `Count ${task.location}${task.sku ? ` (${task.sku})` : ""}${whose}`;
  if (task.kind === "put_away") return `Put ${task.qty} × ${task.sku} back${task.tote ? ` from tote ${task.tote}` : ""}${whose}`;
  if (task.kind === "approve_count") return `Count of ${task.qty} × ${task.sku} in ${task.location} waits for approval`;
  if (task.kind === "approve_receipt") return `Receipt of ${task.qty} × ${task.sku} into ${task.location} waits for approval`;
  return `${task.kind.replaceAll("_", " ")}${whose}`;
}

/** exceptionsScreen({network}) → {root, title, dispose}. */
export function exceptionsScreen({ network }) {
  let online = true;
  let status = "open";
  let items = null; // newest first, as last read
  let users = null;
  let pollTimer = null;
  let lastFull = 0;
  let polling = false;

  const summary = h("p.screen-sub", { role: "status" }, "Loading exceptions…");
  const offlineNote = h("p.notice", { role: "status", hidden: true }, OFFLINE);
  const problem = h("p.error", { role: "alert" });
  const filter = h(
    "select#exceptions-status",
    { onchange: () => { status = filter.value; items = null; load(); } },
    h("option", { value: "open" }, "Open"),
    h("option", { value: "resolved" }, "Resolved"),
  );
  const list = h("ol.exceptions", { "aria-label": "Exceptions, newest first" });
  const root = h(
    "section.screen",
    h("div.screen-head", h("h1", "Exceptions")),
    h("div.field.inline", h("label", { for: "exceptions-status" }, "Show"), filter),
    offlineNote,
    summary,
    problem,
    list,
  );

  const newest = () => (items?.length ? items[0].id : 0);

  async function load() {
    problem.textContent = "";
    try {
      const [answer, people] = await Promise.all([
        request("GET", `/api/exceptions?status=${status}&limit=200`),
        users ? null : request("GET", "/api/users").catch(() => []),
      ]);
      if (people) users = people.filter((u) => u.active !== false);
      items = answer;
      lastFull = Date.now();
      render();
    } catch (error) {
      problem.textContent = error.message;
      if (items === null) summary.textContent = "Could not load the exceptions.";
    }
  }

  // While visible: new items every second (by cursor), the whole list every ten seconds unless the
  // supervisor is in the middle of an action on a card.
  async function poll() {
    if (polling || !online || document.visibilityState !== "visible" || items === null) return;
    polling = true;
    try {
      const busy = list.querySelector("details[open]") || list.contains(document.activeElement);
      if (Date.now() - lastFull >= REFRESH_MS && !busy) {
        await load();
      } else if (status === "open") {
        const fresh = await request("GET", `/api/exceptions?status=open&after_id=${newest()}&limit=200`);
        if (fresh.length) {
          items = [...fresh, ...items];
          for (const item of [...fresh].reverse()) list.prepend(card(item));
          renderSummary();
        }
      }
    } catch {
      // the next tick tries again; the strip shows the connection
    } finally {
      polling = false;
    }
  }

  function renderSummary() {
    const n = items.length;
    summary.textContent = status === "open"
      ? (n ? `${n} open ${n === 1 ? "exception" : "exceptions"}` : "Nothing needs you right now.")
      : `${n} resolved`;
  }

  function render() {
    renderSummary();
    show(list, items.map(card));
    setOnline(online);
  }

  function setOnline(now) {
    offlineNote.hidden = now;
    for (const button of list.querySelectorAll("button")) button.disabled = !now;
  }

  function card(item) {
    const message = h("p.action-message", { role: "status" });
    const evidence = evidenceLines(item);
    return h(
      "li.exception",
      { "data-exception-id": item.id, "data-kind": item.kind, "data-code": item.code },
      h("div.exception-head", h("h2.exception-title", headline(item)), h("span.badge", KINDS[item.kind] ?? item.kind)),
      h("p.exception-message", item.message),
      h("p.exception-who", h("span.label", "Who "), who(item), h("span.label", " · When "), h("time", { datetime: item.created_at }, clock(item.created_at))),
      item.order_ref && h("p.muted", `Order ${item.order_ref} · ${String(item.order_status ?? "").replaceAll("_", " ")}`),
      evidence.length > 0 && h("ul.evidence", { "aria-label": "Evidence" }, evidence.map((line) => h("li", line))),
      item.floor_tasks.length > 0 && h("ul.follow-ups", { "aria-label": "Follow-up tasks" }, item.floor_tasks.map((t) => h("li", { "data-status": t.status }, `${taskText(t)}${t.status === "open" ? "" : " — done"}`))),
      item.status === "resolved" &&
        h("p.resolution", `Resolved by ${item.resolved_by ?? "someone"}${item.resolved_at ? ` at ${clock(item.resolved_at)}` : ""}: ${item.resolution || "resolved"}`),
      item.actions.length > 0 && h("div.actions", item.actions.map((action) => actionForm(item, action, message))),
      message,
    );
  }

  function actionForm(item, action, message) {
    const done = async (work) => {
      if (!online) return;
      for (const button of list.querySelectorAll(`li[data-exception-id="${item.id}"] button`)) button.disabled = true;
      message.textContent = "";
      try {
        const answer = await work();
        message.textContent = answer.message ?? "Done.";
        await load();
        // The card may be gone (resolved): say what happened at the top too.
        summary.textContent = `${answer.message ?? "Done."} ${summary.textContent}`;
      } catch (error) {
        message.textContent = error.message;
        message.classList.add("error");
        for (const button of list.querySelectorAll(`li[data-exception-id="${item.id}"] button`)) button.disabled = !online;
      }
    };
    const id = `ex-${item.id}-${action}`;
    switch (action) {
      case "approve": {
        const task = item.floor_tasks.find((t) => t.kind === "approve_count" || t.kind === "approve_receipt");
        const qty = h("input", { id: `${id}-qty`, type: "number", inputmode: "numeric", min: 0, value: task.qty });
        const decide = (decision) =>
          done(() => request("POST", `/api/floor-tasks/${task.id}/decide`, { decision, qty: Number(qty.value), exception_id: item.id }));
        return details("Approve or correct", h("div.field", h("label", { for: `${id}-qty` }, "Quantity"), qty),
          h("div.button-row", h("button.primary", { type: "button", onclick: () => decide("approve") }, "Approve"), h("button.secondary", { type: "button", onclick: () => decide("refuse") }, "Refuse")));
      }
      case "count": {
        const select = peopleSelect(`${id}-who`, ["picker", "supervisor", "admin"], (item.people || "").split(", ")[0] || item.evidence?.actor);
        return details("Count task", h("div.field", h("label", { for: `${id}-who` }, "Who counts"), select),
          h("button.primary", { type: "button", onclick: () => done(() => request("POST", "/api/count-tasks", {
            location: item.location, sku: item.sku ?? undefined, assignee: select.value || undefined, exception_id: item.id,
          })) }, `Count ${item.location}`));
      }
      case "reassign": {
        const tasks = h("select", { id: `${id}-task` }, item.pick_tasks.map((t) => h("option", { value: t.id }, `Task ${t.id} · ${t.location} · ${t.picker}`)));
        const select = peopleSelect(`${id}-who`, ["picker"], null);
        return details("Reassign", h("div.field", h("label", { for: `${id}-task` }, "Task"), tasks), h("div.field", h("label", { for: `${id}-who` }, "To"), select),
          h("button.primary", { type: "button", onclick: () => done(() => request("POST", `/api/tasks/${tasks.value}/reassign`, { picker: select.value, exception_id: item.id })) }, "Reassign"));
      }
      case "re_release":
        return details("Re-release order", h("p.muted", "Reserve what the order lacks; on the floor, new pick tasks for its picker."),
          h("button.primary", { type: "button", onclick: () => done(() => request("POST", `/api/orders/${item.order_id}/re-release`, { exception_id: item.id })) }, "Re-release"));
      case "resolve": {
        const comment = h("input", { id: `${id}-comment`, type: "text", maxlength: 500, autocomplete: "off" });
        return details("Resolve", h("div.field", h("label", { for: `${id}-comment` }, "Comment"), comment),
          h("button.primary", { type: "button", onclick: () => done(async () => {
            await request("POST", `/api/exceptions/${item.id}/resolve`, { comment: comment.value });
            return { message: `Resolved: ${comment.value || "no comment"}.` };
          }) }, "Resolve"));
      }
      default:
        return null;
    }
  }

  function details(label, ...body) {
    return h("details.action", h("summary", label), h("div.action-body", ...body));
  }

  function peopleSelect(id, roles, preferred) {
    const fit = (users ?? []).filter((u) => roles.includes(u.role));
    const select = h("select", { id }, roles.includes("supervisor") && h("option", { value: "" }, "Anyone"),
      fit.map((u) => h("option", { value: u.username, selected: u.username === preferred }, u.display_name && u.display_name !== u.username ? `${u.display_name} (${u.username})` : u.username)));
    return select;
  }

  const unsubscribe = network.subscribe((now) => {
    if (now === online) return;
    online = now;
    if (online && items === null) load();
    else setOnline(online);
  });
  load();
  pollTimer = setInterval(poll, POLL_MS);
  return {
    root,
    title: "Exceptions",
    dispose: () => {
      clearInterval(pollTimer);
      unsubscribe();
    },
  };
}
