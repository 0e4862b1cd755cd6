// What the picker sees: the tasks the server last sent, with the ops this device has not had
// acknowledged yet replayed on top — the device's best guess until the next pull says otherwise.
// Pure functions over plain data, so the guess can be tested without a browser or a server.

/**
 * taskView(tasks, pendingOps) → new task objects (inputs untouched), in the given order.
 *
 * - pick: fills the line's open tasks, the scanned bin first (as the server does); a task whose
 *   quantity is reached becomes "picked"; units beyond what the line needs are counted in
 *   `surplus` on the task at the scanned bin (the server will send them to put-away).
 * - pick_short: the open task(s) of that line at that bin become "short", with `qty_short` and
 *   `short_reason`.
 * Every task an op touched gets `pending: true` and the op's seq in `pending_seqs`.
 */
export function taskView(tasks, pendingOps = []) {
  const view = tasks.map((task) => ({ ...task, pending: false, pending_seqs: [], surplus: 0 }));
  const ops = [...pendingOps].sort((a, b) => a.seq - b.seq);
  for (const op of ops) {
    if (op.type === "pick") replayPick(view, op);
    else if (op.type === "pick_short") replayShort(view, op);
  }
  return view;
}

function sameLot(task, lot) {
  return (task.lot || "") === (lot || "");
}

function touch(task, op) {
  task.pending = true;
  task.pending_seqs.push(op.seq);
}

function replayPick(view, op) {
  const { order_line_id: lineId, location, lot, qty } = op.args;
  const ofLine = view.filter((t) => t.order_line_id === lineId);
  if (!ofLine.length) return; // not (or no longer) in this device's scope: nothing to guess
  const atBin = (t) => t.location === location && sameLot(t, lot);
  const lineQty = ofLine[0].line_qty;
  const linePicked = ofLine[0].line_qty_picked;
  const fill = Math.max(0, Math.min(qty, lineQty - linePicked));
  let left = fill;
  const order = [...ofLine].sort((a, b) => Number(atBin(b)) - Number(atBin(a)) || a.seq - b.seq);
  for (const task of order) {
    if (left <= 0) break;
    if (task.status !== "open") continue;
    const step = Math.min(left, task.qty - task.qty_picked);
    if (step <= 0) continue;
    task.qty_picked += step;
    left -= step;
    if (task.qty_picked >= task.qty) task.status = "picked";
    touch(task, op);
  }
  const filled = linePicked + fill >= lineQty;
  for (const task of ofLine) {
    task.line_qty_picked = linePicked + fill;
    if (filled) {
      task.line_status = "picked";
      if (task.status === "open") task.status = "picked";
    }
  }
  const surplus = qty - fill;
  if (surplus > 0) {
    const task = ofLine.find(atBin) ?? order[0];
    task.surplus += surplus;
    if (!task.pending_seqs.includes(op.seq)) touch(task, op);
  }
}

function replayShort(view, op) {
  const { order_line_id: lineId, location, lot, qty_short: qtyShort, reason } = op.args;
  for (const task of view) {
    if (task.order_line_id !== lineId || task.location !== location || task.status !== "open") continue;
    if (lot && !sameLot(task, lot)) continue;
    task.status = "short";
    task.qty_short = qtyShort;
    task.short_reason = reason || "empty";
    touch(task, op);
  }
}
