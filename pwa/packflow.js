// The pack bench, by scans: find the order (its tote or its ORD- code), scan each item into the open
// package, seal it (type and weight), start the next; at the dock, hand sealed packages to a carrier.
//
// Pure functions over plain data, like pwa/pickflow.js: the screen feeds them the pulled orders with
// this phone's unsent ops replayed on top (benchView) and gets back the op to queue, or the reason
// the scan was refused. A refused scan queues nothing: the units in hand are set aside, not packed.

import { matchesProduct } from "./pickflow.js";

const STOPPED = new Set(["cancelled", "on_hold"]);
const MAX_GRAMS = 100_000; // the seal op's limit (sync/ops.py)

/**
 * benchView(orders, ops) → copies of the pulled orders (oldest promise first) with the pending
 * pack / seal / ship ops replayed as the server would apply them; whatever the server would
 * refuse is left out. Packages and lines an op touched get `pending: true`.
 */
export function benchView(orders = [], ops = []) {
  const view = orders.map((order) => ({
    ...order,
    lines: order.lines.map((line) => ({ ...line, pending: false })),
    packages: order.packages.map((p) => ({ ...p, items: { ...p.items }, pending: false })),
  }));
  const lineOwner = new Map(view.flatMap((order) => order.lines.map((line) => [line.id, order])));
  const packageOf = (code) => {
    for (const order of view) {
      const found = order.packages.find((p) => p.code === code);
      if (found) return [order, found];
    }
    return [null, null];
  };
  for (const op of [...ops].sort((a, b) => a.seq - b.seq)) {
    const args = op.args ?? {};
    if (op.type === "pack") {
      const order = lineOwner.get(args.order_line_id);
      if (!order || STOPPED.has(order.status)) continue;
      const line = order.lines.find((l) => l.id === args.order_line_id);
      if (line.packed + args.qty > line.qty_picked) continue;
      const [owner, found] = packageOf(args.package);
      if (owner && (owner !== order || isSealed(found))) continue;
      let pkg = found;
      if (!pkg) {
        pkg = { code: args.package, status: "open", sealed: false, package_type: "", weight_g: 0, tracking_number: "", items: {}, pending: true };
        order.packages.push(pkg);
      }
      pkg.items[line.id] = (pkg.items[line.id] ?? 0) + args.qty;
      pkg.pending = line.pending = true;
      line.packed += args.qty;
      if (order.status === "picked" && liveLines(order).every((l) => l.packed >= l.qty)) order.status = "packed";
    } else if (op.type === "seal") {
      const [order, pkg] = packageOf(args.package);
      if (!pkg || isSealed(pkg) || STOPPED.has(order.status) || unitsIn(pkg) === 0) continue;
      Object.assign(pkg, { sealed: true, package_type: args.package_type, weight_g: args.weight_g, pending: true });
    } else if (op.type === "ship") {
      const [order, pkg] = packageOf(args.package);
      if (!pkg || STOPPED.has(order.status) || pkg.status !== "open") continue;
      Object.assign(pkg, { status: "shipped", sealed: true, carrier: args.carrier, pending: true });
      if (order.status === "packed" && order.packages.every((p) => p.status !== "open")) order.status = "shipped";
    }
  }
  const far = "9999";
  return view.sort((a, b) => (a.promised_at ?? far).localeCompare(b.promised_at ?? far) || a.created_at.localeCompare(b.created_at) || a.id - b.id);
}

export function isStopped(order) {
  return STOPPED.has(order.status);
}

/** Lines still to be shipped (a cancelled line is never packed). */
export function liveLines(order) {
  return order.lines.filter((line) => line.status !== "cancelled");
}

/** Units of the line picked but not yet in a package. */
export function toGo(line) {
  return Math.max(0, line.qty_picked - line.packed);
}

export function unitsIn(pkg) {
  return Object.values(pkg.items).reduce((sum, n) => sum + n, 0);
}

function isSealed(pkg) {
  return pkg.sealed || pkg.status !== "open";
}

/** Every picked unit is in a package and every package is sealed. */
export function isFinished(order) {
  return liveLines(order).every((line) => toGo(line) === 0) && order.packages.length > 0 && order.packages.every(isSealed);
}

/** `PK-<order id>-<n>` with n one past every number the order's packages (pending ones too) use. */
export function nextPackageCode(order) {
  const prefix = `PK-${order.id}-`;
  const used = order.packages.map((p) => (p.code.startsWith(prefix) ? Number(p.code.slice(prefix.length)) || 0 : 0));
  let n = Math.max(order.packages.length, ...used) + 1;
  while (order.packages.some((p) => p.code === `${prefix}${n}`)) n += 1;
  return `${prefix}${n}`;
}

/** The package items go into now: the order's unsealed one, else a new one (not yet created). */
export function openPackage(order) {
  const open = order.packages.findLast((p) => !isSealed(p));
  if (open) return { ...open, number: order.packages.indexOf(open) + 1, fresh: false };
  return { code: nextPackageCode(order), items: {}, sealed: false, status: "open", number: order.packages.length + 1, fresh: true };
}

/** The order a tote or ORD- code names among the orders at the bench, or null. */
export function orderForScan(orders, scan) {
  if (scan.kind === "order_like") return orders.find((o) => o.id === scan.order_id) ?? null;
  const code = String(scan.code ?? scan.text).trim().toUpperCase();
  return orders.find((o) => o.totes.some((tote) => tote.toUpperCase() === code)) ?? null;
}

/**
 * An item scanned into `order`'s open package, `count` units at once (the typed quantity, or a GS1
 * count on the label). Returns {op, feedback} or {feedback} alone when refused (error tone).
 * `orders` are the other orders at the bench, to say where a stray item belongs.
 */
export function packScan(orders, order, scan, { count = 1, products = null } = {}) {
  if (isStopped(order)) return refuse(`Order ${order.external_ref} is ${words(order.status)}: do not pack it`);
  if (!scan.valid) return refuse(`Can't read that code: ${scan.error}`);
  const units = scan.count > 0 ? scan.count : count;
  const lines = liveLines(order).filter((line) => matchesProduct(scan, line, products));
  if (!lines.length) {
    const owner = orders.find((o) => o.id !== order.id && !isStopped(o) && liveLines(o).some((l) => toGo(l) > 0 && matchesProduct(scan, l, products)));
    if (owner) return refuse(`${scan.text} belongs to order ${owner.external_ref} — set it aside`);
    return refuse(`Wrong item ${scan.text} — not on order ${order.external_ref}. Set it aside`);
  }
  const line = lines.find((l) => toGo(l) >= units) ?? lines.find((l) => toGo(l) > 0);
  if (!line) return refuse(`One too many: every ${lines[0].sku} of ${order.external_ref} is packed. Set it aside`);
  if (units > toGo(line)) return refuse(`Too many: only ${toGo(line)} × ${line.sku} left to pack, not ${units}`);
  const pkg = openPackage(order);
  const op = { type: "pack", args: { order_line_id: line.id, sku: line.sku, qty: units, package: pkg.code } };
  const left = toGo(line) - units;
  return { op, feedback: { kind: "ok", text: `${units} × ${line.sku} into ${pkg.code}${left ? ` — ${left} to go` : " ✓"}` } };
}

/** A typed weight in grams or kilograms → {grams} or {error}; a comma works as the decimal mark. */
export function parseWeight(text, unit = "g") {
  const value = Number(String(text).trim().replace(",", "."));
  if (!String(text).trim() || !Number.isFinite(value)) return { error: "Enter the weight from the scale" };
  const grams = Math.round(unit === "kg" ? value * 1000 : value);
  if (grams < 1) return { error: "The weight must be more than 0" };
  if (grams > MAX_GRAMS) return { error: `At most ${MAX_GRAMS / 1000} kg a package` };
  return { grams };
}

/** Close the open package as `typeCode` weighing `weight` ({grams} from parseWeight). */
export function sealScan(order, types, typeCode, weight) {
  if (isStopped(order)) return refuse(`Order ${order.external_ref} is ${words(order.status)}: do not seal it`);
  const pkg = openPackage(order);
  if (pkg.fresh || unitsIn(pkg) === 0) return refuse(`${pkg.code} is empty — scan items into it first`);
  const type = types.find((t) => t.code === typeCode);
  if (!type) return refuse("Choose the package type");
  if (weight.error) return refuse(weight.error);
  const op = { type: "seal", args: { package: pkg.code, package_type: type.code, weight_g: weight.grams } };
  if (type.max_weight_g && weight.grams > type.max_weight_g) {
    return { op, feedback: { kind: "warn", text: `${pkg.code} sealed — heavier than a ${type.name} should carry (${type.max_weight_g} g)` } };
  }
  return { op, feedback: { kind: "ok", text: `${pkg.code} sealed: ${type.name}, ${weight.grams} g` } };
}

/** At the dock: a sealed package handed to `carrier` → a ship op; anything else is refused. */
export function shipScan(orders, scan, carrier) {
  if (!carrier) return refuse("Choose the carrier first");
  const code = String(scan.text).trim().toUpperCase();
  for (const order of orders) {
    const pkg = order.packages.find((p) => p.code.toUpperCase() === code);
    if (!pkg) continue;
    if (isStopped(order)) return refuse(`Order ${order.external_ref} is ${words(order.status)} — do not ship ${pkg.code}`);
    if (pkg.status !== "open") return { feedback: { kind: "warn", text: `${pkg.code} was already handed over` } };
    if (!pkg.sealed) return refuse(`${pkg.code} is not sealed — seal it at the bench first`);
    return { op: { type: "ship", args: { package: pkg.code, carrier } }, feedback: { kind: "ok", text: `${pkg.code} → ${carrier}` } };
  }
  return refuse(`Unknown package ${scan.text} — not from this bench`);
}

/** "late", "due today 17:00", "due tomorrow 09:00", "due 3 Dec 12:00", or "" without a promise. */
export function promiseText(iso, now = new Date()) {
  if (!iso) return "";
  const at = new Date(iso);
  if (at < now) return "late";
  const time = `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
  const day = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const days = Math.round((new Date(at.getFullYear(), at.getMonth(), at.getDate()) - day) / 86_400_000);
  if (days === 0) return `due today ${time}`;
  if (days === 1) return `due tomorrow ${time}`;
  return `due ${at.getDate()} ${at.toLocaleString("en-GB", { month: "short" })} ${time}`;
}

function words(status) {
  return status === "on_hold" ? "on hold" : status;
}

function refuse(text) {
  return { feedback: { kind: "error", text } };
}
