// The driver's round as the phone sees it: the routes, stops and packages the server last sent, with
// this phone's unsent load scans, deliveries, failed attempts and returns to the depot replayed on
// top — and the rules of each scan (load the van, scan at the door, scan back in at the depot).
//
// Pure functions over plain data, so the round can be checked without a browser or a server: the
// screen (pwa/screens/driver.js) feeds every scan through loadScan / stopScan / depotScan and gets
// back the feedback to give and, when something happened, the op to put in the outbox. A refused
// scan never queues anything. The server checks the same things again (`other_route`,
// `conflicting_delivery`, …); these rules only spare the driver a wrong op made offline.

export const FAIL_REASONS = [
  ["not_home", "Not home"],
  ["refused", "Refused"],
  ["address_not_found", "Address not found"],
  ["access", "No access"],
  ["damaged", "Damaged"],
  ["other", "Other"],
];

export const NOT_FOR_THIS_ROUTE = "Not for this route — leave it at the depot";

// What each op does to a package on the phone, before the server has said anything.
const SETTLED = new Set(["delivered", "failed", "returned"]);

/**
 * routeView(pulled, ops) → {routes: [route…]}, today's rounds first; inputs untouched.
 *
 * route: the pulled route plus `stops` (by seq, each with its `packages` and the stop status the
 * packages give it), `packages` (all of the route), `loaded` / `total` (packages in the van of those
 * planned), `done` (stops no longer pending), `back` (packages scanned back in at the depot) and
 * `pending` (an op of this phone touches it). A package's `at_depot` is true once it was scanned
 * back in; `pending_seqs` lists the ops that touched it.
 */
export function routeView(pulled, ops = []) {
  const packages = (pulled.packages ?? []).map((p) => ({ ...p, at_depot: false, pending: false, pending_seqs: [] }));
  const byCode = new Map(packages.map((p) => [norm(p.code), p]));
  for (const op of [...ops].sort((a, b) => a.seq - b.seq)) {
    const pkg = byCode.get(norm(op.args?.package ?? ""));
    if (!pkg) continue; // not (or no longer) on this phone's routes: the server decides alone
    if (replay(pkg, op)) {
      pkg.pending = true;
      pkg.pending_seqs.push(op.seq);
    }
  }
  const stopsOf = new Map();
  for (const stop of [...(pulled.stops ?? [])].sort((a, b) => a.route_id - b.route_id || a.seq - b.seq)) {
    const own = packages.filter((p) => p.stop_id === stop.id).sort((a, b) => a.code.localeCompare(b.code));
    const view = { ...stop, packages: own, status: stopStatus(stop.status, own), pending: own.some((p) => p.pending) };
    if (!stopsOf.has(stop.route_id)) stopsOf.set(stop.route_id, []);
    stopsOf.get(stop.route_id).push(view);
  }
  const routes = [...(pulled.routes ?? [])]
    .sort((a, b) => String(a.day).localeCompare(String(b.day)) || a.id - b.id)
    .map((route) => {
      const stops = stopsOf.get(route.id) ?? [];
      const own = packages.filter((p) => p.route_id === route.id);
      const inVan = own.filter((p) => !p.at_depot);
      return {
        ...route,
        stops,
        packages: own,
        total: inVan.length,
        loaded: inVan.filter(isLoaded).length,
        done: stops.filter((s) => s.status !== "pending").length,
        back: own.filter((p) => p.at_depot).length,
        status: stops.length && stops.every((s) => s.status !== "pending") ? "done" : route.status,
        pending: own.some((p) => p.pending),
      };
    });
  return { routes };
}

/** Apply one op to its package as the server is expected to; true when it changed something. */
function replay(pkg, op) {
  switch (op.type) {
    case "ship":
      if (pkg.status !== "open" || pkg.at_depot) return false;
      if (op.args.route !== undefined && op.args.route !== null && op.args.route !== pkg.route_id) return false; // other_route
      pkg.status = "shipped";
      return true;
    case "deliver":
      if (pkg.status === "delivered") return false; // same facts: a no-op; other facts: rejected
      pkg.status = "delivered";
      pkg.recipient = op.args.recipient;
      pkg.reason = "";
      return true;
    case "deliver_failed":
      if (pkg.status === "delivered") return false; // already_delivered
      pkg.status = "failed";
      pkg.reason = op.args.reason;
      return true;
    case "return_to_depot":
      if (pkg.status !== "failed" && pkg.status !== "shipped") return false;
      pkg.status = "open";
      pkg.at_depot = true;
      return true;
    default:
      return false;
  }
}

/** A package is in the van once loaded, and stays counted after its stop is settled. */
export function isLoaded(pkg) {
  return !pkg.at_depot && pkg.status !== "open";
}

/**
 * The stop's status from its packages, as the engine settles it: all delivered → delivered; all
 * failed (or back at the depot) → failed; settled but mixed → partial; else pending. A stop whose
 * packages all left the phone's scope keeps the server's word.
 */
export function stopStatus(pulledStatus, packages) {
  if (!packages.length) return pulledStatus;
  const outcomes = new Set(packages.map((p) => (p.at_depot ? "returned" : p.status)));
  if ([...outcomes].every((s) => s === "delivered")) return "delivered";
  if ([...outcomes].every((s) => s === "failed" || s === "returned")) return "failed";
  if ([...outcomes].every((s) => SETTLED.has(s))) return "partial";
  return "pending";
}

/** Packages still to hand over at a stop: not delivered, not back at the depot. */
export function toDeliver(stop) {
  return stop.packages.filter((p) => p.status !== "delivered" && !p.at_depot);
}

/** Packages of the route that failed and are still in the van: they go back to the depot. */
export function failedInVan(route) {
  return route.packages.filter((p) => p.status === "failed" && !p.at_depot);
}

/** The next stop to drive to: the first still pending, in order; null when the round is done. */
export function nextStop(route) {
  return route.stops.find((s) => s.status === "pending") ?? null;
}

// -- scans ------------------------------------------------------------------------------------------

/**
 * The load scan at the van: a package planned on this route goes in (a `ship` op onto the route);
 * anything else stays at the depot. → {feedback: {kind, text}, op?}
 */
export function loadScan(route, code) {
  const pkg = find(route.packages, code);
  if (!pkg) return refuse(`${NOT_FOR_THIS_ROUTE}: ${clean(code)}`);
  if (pkg.at_depot) return refuse(`${pkg.code} was scanned back in at the depot — ${NOT_FOR_THIS_ROUTE.toLowerCase()}`);
  if (isLoaded(pkg)) return { feedback: { kind: "warn", text: `${pkg.code} is already loaded (${route.loaded} of ${route.total})` } };
  const stop = route.stops.find((s) => s.id === pkg.stop_id);
  const where = stop ? ` — stop ${stop.seq}` : "";
  return {
    feedback: { kind: "ok", text: `Loaded ${pkg.code}${where} (${route.loaded + 1} of ${route.total})` },
    op: { type: "ship", args: { package: pkg.code, route: route.id, carrier: "own_fleet" } },
  };
}

/**
 * A scan at the door: the package must belong to this stop. `scanned` is the set of codes scanned at
 * this stop so far. → {feedback, scanned} (a new Set when the scan counted).
 */
export function stopScan(route, stop, code, scanned) {
  const pkg = find(stop.packages, code);
  if (!pkg) {
    const elsewhere = find(route.packages, code);
    const other = elsewhere && route.stops.find((s) => s.id === elsewhere.stop_id);
    if (other) return { ...refuse(`Wrong stop: ${elsewhere.code} is for stop ${other.seq} — ${other.customer}`), scanned };
    return { ...refuse(`${clean(code)} is not a package of this route`), scanned };
  }
  if (pkg.status === "delivered") return { feedback: { kind: "warn", text: `${pkg.code} is already delivered` }, scanned };
  const open = toDeliver(stop);
  const next = new Set(scanned).add(pkg.code);
  const count = open.filter((p) => next.has(p.code)).length;
  const text = count >= open.length ? `${pkg.code} ✓ — all ${open.length} scanned` : `${pkg.code} ✓ — ${count} of ${open.length} scanned`;
  return { feedback: { kind: "ok", text }, scanned: next };
}

/** Every package still to hand over at the stop was scanned. */
export function allScanned(stop, scanned) {
  const open = toDeliver(stop);
  return open.length > 0 && open.every((p) => scanned.has(p.code));
}

/**
 * Back at the depot: a failed (or never delivered) package of the route is scanned back in
 * (`return_to_depot`). → {feedback, op?}
 */
export function depotScan(route, code) {
  const pkg = find(route.packages, code);
  if (!pkg) return refuse(`${clean(code)} is not a package of this route`);
  if (pkg.at_depot) return { feedback: { kind: "warn", text: `${pkg.code} is already back at the depot` } };
  if (pkg.status === "delivered") return refuse(`${pkg.code} was delivered — it cannot be back here`);
  if (pkg.status === "open") return refuse(`${pkg.code} was never loaded — it is still at the depot`);
  const left = failedInVan(route).filter((p) => p.code !== pkg.code).length;
  return {
    feedback: { kind: "ok", text: `${pkg.code} back at the depot${left ? ` — ${left} more to scan in` : ""}` },
    op: { type: "return_to_depot", args: { package: pkg.code } },
  };
}

// -- proof of delivery --------------------------------------------------------------------------------

/**
 * What is missing before a delivery can be saved, in words; null when nothing is. A photo is asked
 * for, not required: a broken camera must not keep a parcel from being handed over.
 */
export function proofProblem({ recipient = "", signature = false } = {}) {
  if (!recipient.trim()) return "Write the name of the person who took the parcel.";
  if (recipient.trim().length > 200) return "The name is too long (200 characters at most).";
  if (!signature) return "Ask for a signature on the pad.";
  return null;
}

/** What is missing before a failed attempt can be saved; null when nothing is. */
export function failureProblem({ reason = "", note = "" } = {}) {
  if (!FAIL_REASONS.some(([code]) => code === reason)) return "Choose why the delivery failed.";
  if (reason === "other" && !note.trim()) return "Say what happened: a note is needed for “Other”.";
  if (note.length > 500) return "The note is too long (500 characters at most).";
  return null;
}

/**
 * One `deliver` op per package still to hand over at the stop. `proof`: {recipient, signature,
 * photo (attachment ids; "" when none), position: {lat, lon, accuracy_m} | null}.
 */
export function deliverOps(stop, { recipient, signature, photo = "", position = null }) {
  return toDeliver(stop).map((p) => ({
    type: "deliver",
    args: { package: p.code, recipient: recipient.trim(), signature, photo, ...where(position) },
  }));
}

/** One `deliver_failed` op per package still to hand over at the stop. */
export function failedOps(stop, { reason, note = "", photo = "", position = null }) {
  return toDeliver(stop).map((p) => ({
    type: "deliver_failed",
    args: { package: p.code, reason, note: note.trim(), ...(photo ? { photo } : {}), ...where(position) },
  }));
}

function where(position) {
  if (!position) return {};
  const out = { lat: round(position.lat, 6), lon: round(position.lon, 6) };
  if (Number.isFinite(position.accuracy_m)) out.accuracy_m = round(Math.min(position.accuracy_m, 100_000), 1);
  return out;
}

// -- getting there -------------------------------------------------------------------------------------

/** The stop's address on one line, as a person writes it. */
export function addressLine(stop) {
  const town = [stop.postcode, stop.city].filter(Boolean).join(" ");
  return [stop.line1, stop.line2, town].filter(Boolean).join(", ");
}

/**
 * A link that opens the phone's maps app with directions to the stop (Google Maps' cross-platform
 * URL: the app on Android and iOS, the website elsewhere). Coordinates when the address was
 * geocoded — a house number is often missing from a map, a point never is.
 */
export function mapsUrl(stop) {
  const destination = Number.isFinite(stop.lat) && Number.isFinite(stop.lon)
    ? `${stop.lat},${stop.lon}`
    : [addressLine(stop), stop.country].filter(Boolean).join(", ");
  return `https://www.google.com/maps/dir/?api=1&destination=${encodeURIComponent(destination)}`;
}

/** A tel: link for the customer's phone number, or null when there is none worth dialling. */
export function telUrl(phone) {
  const digits = String(phone ?? "").replace(/[^\d+]/g, "");
  return digits.replace(/\D/g, "").length >= 3 ? `tel:${digits}` : null;
}

export function reasonLabel(reason) {
  return FAIL_REASONS.find(([code]) => code === reason)?.[1] ?? reason;
}

function find(packages, code) {
  const wanted = norm(code);
  return packages.find((p) => norm(p.code) === wanted) ?? null;
}

function refuse(text) {
  return { feedback: { kind: "error", text } };
}

function norm(code) {
  return String(code).trim().toUpperCase();
}

function clean(code) {
  return String(code).trim();
}

function round(value, places) {
  const f = 10 ** places;
  return Math.round(value * f) / f;
}
