// The picker: the task list and the walk (pwa/screens/picker.js), the pulled tasks with this phone's
// unsent picks replayed on top (pwa/view.js), and what to do when the server decided a pick otherwise.

import { pickerScreen } from "../screens/picker.js";
import { taskView } from "../view.js";
import { floorHome } from "./floorwork.js";
import { receiveWording } from "../receivewords.js";

const CARTS_KEY = "shipshape.carts";

// The cart's slot → tote bindings outlive a reload; they are this phone's, never the server's.
const carts = {
  load() {
    try {
      return JSON.parse(localStorage.getItem(CARTS_KEY)) || {};
    } catch {
      return {};
    }
  },
  save(value) {
    localStorage.setItem(CARTS_KEY, JSON.stringify(value));
  },
};

/** The tasks in walking order, as the server sorts them, with the unsent picks replayed. */
export function view(pulled, ops) {
  const tasks = [...(pulled.tasks ?? [])].sort((a, b) => a.wave_id - b.wave_id || a.seq - b.seq || a.id - b.id);
  return taskView(tasks, ops);
}

function pickWording(code, { args, facts, sku, bin, putBack, units }, say) {
  const putAll = `Put ${units(args.qty ?? 1, sku)} back to ${bin}.`;
  switch (code) {
    case "order_cancelled":
      return say("Order was cancelled", putBack ?? putAll);
    case "order_on_hold":
      return say("Order on hold", "Set the items aside for your supervisor.");
    case "line_cancelled":
      return say("Line was cancelled", putBack ?? putAll);
    case "order_not_released":
      return say("Order is not released for picking", putBack ?? putAll);
    case "over_pick":
      return say(facts.picked ? "More units than the line needed" : "Line was already filled", putBack ?? "Nothing to put back.");
    case "stock_discrepancy":
      // With units to put back, the line was filled already; the count of the bin follows by itself.
      if (putBack) return say(facts.picked ? "More units than the line needed" : "Line was already filled", putBack);
      return say(`${bin} held fewer units than the book`, `Keep the units in the tote. A count of ${bin} was ordered.`);
    case "task_reassigned":
      return say("This task was given to someone else", putBack ?? "Your pick counts. Go on to your next task.");
    case "wrong_item":
      return say("Wrong item", `Put ${sku} back to ${bin}. Nothing was recorded.`);
    default:
      return null;
  }
}

/** Follow-up tasks assigned to this picker, oldest first; one answered by an unsent count is marked pending. */
export function floorTaskView(pulled, ops) {
  const answered = new Set(ops.filter((op) => op.type === "count" && op.args?.task_id).map((op) => op.args.task_id));
  return (pulled.floor_tasks ?? [])
    .filter((task) => task.status === "open")
    .map((task) => ({ ...task, pending: answered.has(task.id) }))
    .sort((a, b) => a.id - b.id);
}

function countWording(code, { args }, say) {
  switch (code) {
    case "awaits_approval":
      return say("Count waits for a supervisor", `Your count of ${args.sku} in ${args.location} differs a lot from the book; a supervisor will check it.`);
    case "not_your_task":
      return say("This count was given to someone else", "Nothing was recorded.");
    case "task_closed":
      return say("This count was done already", "Nothing was recorded.");
    default:
      return null;
  }
}

function moveWording(code, { args }, say) {
  switch (code) {
    case "stock_discrepancy":
      return say(`${args.from_location} held fewer than you moved`, `The book moved what it had. Counts of ${args.from_location} and ${args.to_location} were ordered.`);
    case "same_location":
      return say("Same bin twice", "Nothing was moved: scan the bin the units go to.");
    default:
      return null;
  }
}

export const outcomes = {
  pick: pickWording,
  pick_short: pickWording,
  count: countWording,
  receive: receiveWording,
  close_receipt: receiveWording,
  move: moveWording,
};

async function floorTasks(data) {
  const store = await data.store();
  return floorTaskView(await store.pulled(), [...(await store.settlingOps()), ...(await store.pendingOps())]);
}

export default {
  home: (user, services) =>
    floorHome(user, services, {
      hash: "#/pick",
      label: "Pick",
      make: () =>
        pickerScreen(user, {
          data: { ...services.data, tasks: services.data.view, floorTasks: () => floorTasks(services.data), carts },
          scanning: services.scanning,
          outcomes: services.outcomes,
        }),
    }),
  view,
  outcomes,
};
