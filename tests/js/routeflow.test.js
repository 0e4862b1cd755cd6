// The driver's round on the phone: pwa/routeflow.js replays unsent load scans, deliveries, failed
// attempts and returns onto the pulled routes, and judges each scan before anything is queued.

import assert from "node:assert/strict";
import { test } from "node:test";

import * as flow from "../../pwa/routeflow.js";

const route = (id, extra = {}) => ({ id, code: `R${id}`, day: "2026-12-01", status: "planned", area: "LS", depot: "Main", ...extra });
const stop = (id, routeId, seq, extra = {}) => ({
  id, route_id: routeId, seq, status: "pending", customer: `Customer ${id}`, phone: "", line1: `${id} High St`, line2: "",
  city: "Leeds", postcode: "LS1 1AA", country: "GB", lat: null, lon: null, ...extra,
});
const pkg = (id, code, routeId, stopId, extra = {}) => ({
  id, code, status: "open", order_id: id, order_ref: `O-${id}`, customer: "x", address: "y", route_id: routeId, stop_id: stopId,
  tracking_number: "", ...extra,
});

// Route 1: stop 11 (two packages), stop 12, stop 13; route 2 (someone else's van, pulled earlier) has P-9.
const pulled = () => ({
  routes: [route(2, { day: "2026-12-02" }), route(1)],
  stops: [stop(13, 1, 3), stop(11, 1, 1), stop(12, 1, 2), stop(21, 2, 1)],
  packages: [pkg(1, "P-1", 1, 11), pkg(2, "P-2", 1, 11), pkg(3, "P-3", 1, 12), pkg(4, "P-4", 1, 13), pkg(9, "P-9", 2, 21)],
});
let seq = 0;
const op = (type, args) => ({ seq: ++seq, type, args });
const ship = (code, routeId = 1) => op("ship", { package: code, route: routeId, carrier: "own_fleet" });
const deliver = (code, recipient = "Ann") => op("deliver", { package: code, recipient, signature: "s", photo: "p" });
const failed = (code, reason = "not_home") => op("deliver_failed", { package: code, reason, note: "" });
const back = (code) => op("return_to_depot", { package: code });
const first = (view) => view.routes.find((r) => r.id === 1);

test("the pulled lists are copied, never changed", () => {
  const state = pulled();
  const before = JSON.stringify(state);
  flow.routeView(state, [ship("P-1"), deliver("P-1"), failed("P-3"), back("P-3")]);
  assert.equal(JSON.stringify(state), before);
});

test("routes come by day, stops in driving order with their packages", () => {
  const { routes } = flow.routeView(pulled(), []);
  assert.deepEqual(routes.map((r) => r.id), [1, 2]);
  const r = routes[0];
  assert.deepEqual(r.stops.map((s) => [s.id, s.seq]), [[11, 1], [12, 2], [13, 3]]);
  assert.deepEqual(r.stops[0].packages.map((p) => p.code), ["P-1", "P-2"]);
  assert.deepEqual([r.loaded, r.total, r.done], [0, 4, 0]);
  assert.equal(flow.nextStop(r).id, 11);
});

test("load scans put the route's packages in the van; one of another route is refused and nothing is queued", () => {
  let view = first(flow.routeView(pulled(), []));
  const ok = flow.loadScan(view, "p-1");
  assert.deepEqual(ok.op, { type: "ship", args: { package: "P-1", route: 1, carrier: "own_fleet" } });
  assert.equal(ok.feedback.kind, "ok");
  assert.match(ok.feedback.text, /Loaded P-1 — stop 1 \(1 of 4\)/);

  const other = flow.loadScan(view, "P-9");
  assert.equal(other.feedback.kind, "error");
  assert.ok(other.feedback.text.startsWith(flow.NOT_FOR_THIS_ROUTE), other.feedback.text);
  assert.equal(other.op, undefined);
  assert.equal(flow.loadScan(view, "NOPE").op, undefined);

  view = first(flow.routeView(pulled(), [ship("P-1")]));
  assert.deepEqual([view.loaded, view.total, view.pending, view.packages[0].pending], [1, 4, true, true]);
  const again = flow.loadScan(view, "P-1");
  assert.equal(again.feedback.kind, "warn");
  assert.equal(again.op, undefined);
});

test("a ship naming another route does not load the package on the phone (the server says other_route)", () => {
  const view = first(flow.routeView(pulled(), [ship("P-1", 2)]));
  assert.equal(view.loaded, 0);
});

test("at the door only this stop's packages count; another stop's package is refused", () => {
  const view = first(flow.routeView(pulled(), [ship("P-1"), ship("P-2"), ship("P-3")]));
  const at = view.stops[0];
  const scanned = new Set();
  let result = flow.stopScan(view, at, "P-3", scanned);
  assert.equal(result.feedback.kind, "error");
  assert.match(result.feedback.text, /stop 2 — Customer 12/);
  assert.equal(result.scanned, scanned);
  result = flow.stopScan(view, at, "P-9", scanned);
  assert.equal(result.feedback.kind, "error");
  result = flow.stopScan(view, at, "P-1", scanned);
  assert.equal(result.feedback.kind, "ok");
  assert.match(result.feedback.text, /1 of 2/);
  assert.equal(flow.allScanned(at, result.scanned), false);
  result = flow.stopScan(view, at, "P-2", result.scanned);
  assert.match(result.feedback.text, /all 2 scanned/);
  assert.equal(flow.allScanned(at, result.scanned), true);
});

test("a delivery settles the stop; one op per package carries the proof and the position", () => {
  let view = first(flow.routeView(pulled(), [ship("P-1"), ship("P-2")]));
  const ops = flow.deliverOps(view.stops[0], {
    recipient: "  Ann Lee ", signature: "sig-id", photo: "photo-id", position: { lat: 53.80012345, lon: -1.5491234, accuracy_m: 12.34 },
  });
  assert.deepEqual(ops.map((o) => [o.type, o.args.package]), [["deliver", "P-1"], ["deliver", "P-2"]]);
  assert.deepEqual(ops[0].args, {
    package: "P-1", recipient: "Ann Lee", signature: "sig-id", photo: "photo-id", lat: 53.800123, lon: -1.549123, accuracy_m: 12.3,
  });
  const noFix = flow.deliverOps(view.stops[0], { recipient: "Ann", signature: "s", position: null });
  assert.deepEqual(Object.keys(noFix[0].args), ["package", "recipient", "signature", "photo"]);

  view = first(flow.routeView(pulled(), [ship("P-1"), ship("P-2"), ...ops.map((o) => op(o.type, o.args))]));
  assert.equal(view.stops[0].status, "delivered");
  assert.equal(view.done, 1);
  assert.equal(flow.nextStop(view).id, 12);
  assert.equal(view.loaded, 2, "a delivered package still counts as loaded");
});

test("stop status follows the engine: delivered, failed, partial, pending", () => {
  const p = (status, atDepot = false) => ({ status, at_depot: atDepot });
  assert.equal(flow.stopStatus("pending", [p("delivered"), p("delivered")]), "delivered");
  assert.equal(flow.stopStatus("pending", [p("failed"), p("open", true)]), "failed");
  assert.equal(flow.stopStatus("pending", [p("delivered"), p("failed")]), "partial");
  assert.equal(flow.stopStatus("pending", [p("delivered"), p("shipped")]), "pending");
  assert.equal(flow.stopStatus("failed", []), "failed", "a stop whose packages all left keeps the server's word");
});

test("a failed stop can be tried again later in the round; a failure after a delivery changes nothing", () => {
  let view = first(flow.routeView(pulled(), [ship("P-3"), failed("P-3")]));
  const stop2 = view.stops[1];
  assert.equal(stop2.status, "failed");
  assert.equal(stop2.packages[0].reason, "not_home");
  assert.deepEqual(flow.failedInVan(view).map((p) => p.code), ["P-3"]);
  assert.deepEqual(flow.toDeliver(stop2).map((p) => p.code), ["P-3"], "a failed package can still be handed over");
  view = first(flow.routeView(pulled(), [ship("P-3"), failed("P-3"), deliver("P-3")]));
  assert.equal(view.stops[1].status, "delivered");
  view = first(flow.routeView(pulled(), [ship("P-3"), deliver("P-3"), failed("P-3")]));
  assert.equal(view.stops[1].status, "delivered");
});

test("every stop settled: the route is done on the phone before the server says so", () => {
  const ops = [ship("P-1"), ship("P-2"), ship("P-3"), ship("P-4"), deliver("P-1"), failed("P-2"), deliver("P-3"), failed("P-4", "refused")];
  const view = first(flow.routeView(pulled(), ops));
  assert.deepEqual(view.stops.map((s) => s.status), ["partial", "delivered", "failed"]);
  assert.equal(view.status, "done");
  assert.equal(view.done, 3);
  assert.equal(flow.nextStop(view), null);
});

test("back at the depot: failed packages scan in; delivered, unloaded and foreign ones are refused", () => {
  let view = first(flow.routeView(pulled(), [ship("P-1"), ship("P-4"), deliver("P-1"), failed("P-4")]));
  assert.equal(flow.depotScan(view, "P-1").feedback.kind, "error");
  assert.match(flow.depotScan(view, "P-3").feedback.text, /never loaded/);
  assert.equal(flow.depotScan(view, "P-9").op, undefined);
  const ok = flow.depotScan(view, "P-4");
  assert.deepEqual(ok.op, { type: "return_to_depot", args: { package: "P-4" } });
  view = first(flow.routeView(pulled(), [ship("P-1"), ship("P-4"), deliver("P-1"), failed("P-4"), back("P-4")]));
  assert.equal(view.back, 1);
  assert.deepEqual(flow.failedInVan(view), []);
  assert.equal(view.stops[2].status, "failed");
  assert.equal(flow.depotScan(view, "P-4").feedback.kind, "warn");
  assert.equal(view.total, 3, "a package back at the depot is not in the van any more");
  assert.equal(flow.loadScan(view, "P-4").feedback.kind, "error");
});

test("ops for packages the phone does not hold are left to the server", () => {
  const view = flow.routeView(pulled(), [deliver("P-77"), op("pick", { order_line_id: 1 })]);
  assert.equal(first(view).pending, false);
});

test("a proof needs a name and a signature; a failed attempt needs a reason, and a note for Other", () => {
  assert.match(flow.proofProblem({ recipient: " ", signature: true }), /name/);
  assert.match(flow.proofProblem({ recipient: "Ann", signature: false }), /signature/);
  assert.equal(flow.proofProblem({ recipient: "Ann", signature: true }), null);
  assert.match(flow.failureProblem({ reason: "" }), /why/);
  assert.match(flow.failureProblem({ reason: "other", note: "  " }), /note/);
  assert.equal(flow.failureProblem({ reason: "other", note: "Dog in the garden" }), null);
  assert.equal(flow.failureProblem({ reason: "not_home" }), null);
  const stop11 = first(flow.routeView(pulled(), [])).stops[0];
  const ops = flow.failedOps(stop11, { reason: "other", note: " Gate locked ", position: { lat: 1, lon: 2, accuracy_m: 5 } });
  assert.deepEqual(ops[0].args, { package: "P-1", reason: "other", note: "Gate locked", lat: 1, lon: 2, accuracy_m: 5 });
  assert.equal(flow.failedOps(stop11, { reason: "damaged", photo: "ph" })[1].args.photo, "ph");
});

test("navigation opens the maps app at the point when geocoded, else at the address; calls need a number", () => {
  const at = stop(1, 1, 1, { lat: 53.8, lon: -1.55 });
  assert.equal(flow.mapsUrl(at), "https://www.google.com/maps/dir/?api=1&destination=53.8%2C-1.55");
  const plain = stop(2, 1, 1, { line1: "2 Mill Lane", line2: "Flat 3" });
  assert.equal(flow.addressLine(plain), "2 Mill Lane, Flat 3, LS1 1AA Leeds");
  assert.equal(flow.mapsUrl(plain), `https://www.google.com/maps/dir/?api=1&destination=${encodeURIComponent("2 Mill Lane, Flat 3, LS1 1AA Leeds, GB")}`);
  assert.equal(flow.telUrl("+44 113 496 0000"), "tel:+441134960000");
  assert.equal(flow.telUrl(""), null);
  assert.equal(flow.reasonLabel("access"), "No access");
});
