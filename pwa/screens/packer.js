// The packer's station on one screen: the orders waiting at the bench, the packing of one order
// (scan each item into the open package, seal it with its type and weight, start the next), printing
// the slip and the labels, and the dock, where sealed packages are handed to a carrier.
// Every pack, seal and hand-over goes to the outbox first; the screen shows the pulled orders with
// those ops replayed (pwa/packflow.js), so it moves the moment a scan lands, with or without network.

import { h, show } from "../dom.js";
import * as flow from "../packflow.js";
import { bookShipment, printDocument } from "../printing.js";

const STOPS_KEY = "shipshape.pack-stops"; // order id → {ref, status, acked}: a stop card outlives a reload
const PREFS_KEY = "shipshape.pack-prefs"; // the weight unit and the dock's carrier, this phone's habits
const CARRIERS = ["DHL", "UPS", "DPD", "GLS", "PostNL"];

/**
 * The packer's home screen. `data`: {view() → {orders, types}, enqueue(type, args), onChange(listener),
 * outcomes() → adjusted/rejected results, sync()}; `scanning`: {createScanner, feedback, interpret, ready};
 * `outcomes`: the element listing what the server decided otherwise.
 */
export function packerScreen(user, { data, scanning, outcomes = null }) {
  let bench = { orders: [], types: [] };
  let mode = "bench"; // or "dock"
  let current = null; // id of the order being packed
  let count = 1; // units each item scan packs
  let typeCode = "";
  let justSealed = null; // the package code sealed last, until the next one is started
  let printNote = "";
  let weightText = ""; // kept across redraws: a sync landing while the packer types must not eat it
  const prefs = stored(PREFS_KEY, { unit: "g", carrier: "" });
  let stops = stored(STOPS_KEY, {});
  const products = new Map();

  const counter = h("span.pack-count", { "aria-label": "Orders to pack" });
  const stopSlot = h("div.pack-stops");
  const body = h("div.pack-body");
  const tabs = h("div.pack-tabs", { role: "group", "aria-label": "Where you work" });
  const root = h("section.screen.packer", h("div.screen-head", h("h1", "Pack ", counter), tabs), outcomes, stopSlot, body);
  const scanner = scanning.createScanner({ onScan: (scan) => inTurn(() => handleScan(scan)) });

  async function refresh() {
    bench = await data.view();
    await noteStops();
    await scanning.ready;
    for (const order of bench.orders) indexBarcodes(order.lines);
    render();
  }

  // An order cancelled or held while at the bench: from the pull (its status), or from an op the
  // server refused for that reason. Either way a card stops the packer until acknowledged.
  async function noteStops() {
    const seen = bench.orders.filter(flow.isStopped).map((order) => [order, order.status]);
    for (const outcome of (await data.outcomes?.()) ?? []) {
      const status = { order_cancelled: "cancelled", order_on_hold: "on_hold" }[outcome.code];
      const order = status && orderOfOp(outcome.op);
      if (order) seen.push([order, status]);
    }
    for (const [order, status] of seen) {
      if (stops[order.id]?.status === status) continue;
      stops = { ...stops, [order.id]: { ref: order.external_ref, status, acked: false } };
    }
    // An acknowledged stop is forgotten once its order has left the phone's bench.
    stops = Object.fromEntries(Object.entries(stops).filter(([id, stop]) => !stop.acked || bench.orders.some((o) => o.id === Number(id))));
    localStorage.setItem(STOPS_KEY, JSON.stringify(stops));
    // Scans for a stopped order are refused, whatever the pull still says.
    for (const order of bench.orders) if (stops[order.id] && !stops[order.id].acked) order.status = stops[order.id].status;
  }

  function orderOfOp(op = {}) {
    const { order_line_id: lineId, package: code } = op.args ?? {};
    return bench.orders.find((o) => o.lines.some((l) => l.id === lineId) || o.packages.some((p) => p.code === code));
  }

  function indexBarcodes(lines) {
    for (const code of lines.flatMap((line) => line.barcodes)) {
      if (products.has(code)) continue;
      try {
        const gtin = scanning.interpret(code).gtin;
        if (gtin) products.set(code, gtin);
      } catch {
        // rules not loaded: exact matches still work
      }
    }
  }

  const atBench = () => bench.orders.filter((o) => !flow.isStopped(o) && o.status !== "shipped");
  const currentOrder = () => bench.orders.find((o) => o.id === current) ?? null;

  // One scan (or button) at a time, each after the last has been stored.
  let turn = Promise.resolve();
  function inTurn(work) {
    turn = turn.then(work).catch((problem) => {
      console.error("pack step failed", problem);
      scanning.feedback("error", `Not recorded: ${problem.message ?? problem}`);
    });
    return turn;
  }

  async function handleScan(scan) {
    let meaning;
    try {
      meaning = scanning.interpret(scan.text);
    } catch {
      meaning = { text: scan.text.trim(), kind: "unknown", valid: true };
    }
    if (mode === "dock") return settle(flow.shipScan(bench.orders, meaning, prefs.carrier));
    const named = meaning.kind === "tote" || meaning.kind === "order_like" ? flow.orderForScan(bench.orders, meaning) : null;
    if (named && flow.isStopped(named)) return settle({ feedback: { kind: "error", text: `Order ${named.external_ref} is stopped — do not pack it` } });
    if (named) {
      open(named.id);
      return scanning.feedback("ok", `${named.external_ref} — scan each item`);
    }
    const order = currentOrder();
    if (!order) {
      const what = meaning.kind === "tote" || meaning.kind === "order_like" ? `${meaning.text} is not waiting to be packed` : "Scan a tote or the order code (ORD-…) first";
      return scanning.feedback("error", what);
    }
    const result = flow.packScan(atBench(), order, meaning, { count, products });
    if (result.op) {
      count = 1;
      justSealed = null;
    }
    await settle(result);
  }

  async function settle(result) {
    scanning.feedback(result.feedback.kind, result.feedback.text);
    if (!result.op) return;
    await data.enqueue(result.op.type, result.op.args);
    if (result.op.type === "seal") justSealed = result.op.args.package;
    await refresh();
  }

  function open(id) {
    current = id;
    justSealed = null;
    weightText = "";
    count = 1;
    typeCode = "";
    printNote = "";
    render();
    window.scrollTo(0, 0);
  }

  // -- drawing ------------------------------------------------------------------------------------

  function render() {
    const waiting = atBench().filter((o) => o.status === "picked");
    counter.textContent = String(waiting.length);
    show(
      tabs,
      ["bench", "dock"].map((name) =>
        h("button.secondary", { type: "button", "aria-pressed": String(mode === name), onclick: () => { mode = name; render(); } }, name === "bench" ? "Bench" : "Dock"),
      ),
    );
    show(stopSlot, Object.entries(stops).filter(([, stop]) => !stop.acked).map(([id, stop]) => stopCard(Number(id), stop)));
    const order = currentOrder();
    const focused = document.activeElement?.id;
    if (mode === "dock") show(body, dockView());
    else if (order && !flow.isStopped(order)) show(body, packingView(order));
    else show(body, homeView(waiting));
    // A redraw from a sync must not take the field from under the packer's thumb.
    if (focused && focused !== document.activeElement?.id) document.getElementById(focused)?.focus({ preventScroll: true });
  }

  function stopCard(id, stop) {
    const held = stop.status === "on_hold";
    return h(
      "div.stop-card",
      { role: "alert", "data-order-id": id },
      h("p.stop-title", held ? `Order ${stop.ref} is on hold — do not ship.` : `Order ${stop.ref} was cancelled — do not ship.`),
      h("p", held ? "Set its items aside for your supervisor." : "Unpack the items and return them to stock."),
      h("button.primary.wide", {
        type: "button",
        onclick: () => {
          stops = { ...stops, [id]: { ...stop, acked: true } };
          localStorage.setItem(STOPS_KEY, JSON.stringify(stops));
          if (current === id) current = null;
          render();
        },
      }, held ? "Set aside — OK" : "Unpacked — OK"),
    );
  }

  function homeView(waiting) {
    const orders = atBench();
    return [
      h("p.screen-sub", orders.length ? `${plural(waiting.length, "order")} to pack · scan a tote or an order code` : "Nothing waiting at the bench."),
      scanner.element,
      orders.length
        ? h("ol.pack-orders", orders.map(orderRow))
        : h("div.empty", h("p.empty-title", "No orders to pack"), h("p", "Picked orders appear here, the earliest promise first.")),
    ];
  }

  function orderRow(order) {
    const promise = flow.promiseText(order.promised_at);
    const units = flow.liveLines(order).reduce((sum, line) => sum + line.qty_picked, 0);
    return h(
      "li",
      h(
        "button.pack-order",
        { type: "button", "data-order-id": order.id, onclick: () => open(order.id) },
        h("span.pack-order-top", h("span.order-ref", order.external_ref), promise && h(`span.badge${promise === "late" ? ".late" : ""}`, promise)),
        h("span.order-customer", order.customer),
        h("span.muted", `${totes(order.totes)} · ${plural(units, "unit")}${order.status === "packed" ? " · packed" : ""}`),
      ),
    );
  }

  function packingView(order) {
    const pkg = flow.openPackage(order);
    const inIt = flow.unitsIn(pkg);
    const left = flow.liveLines(order).reduce((sum, line) => sum + flow.toGo(line), 0);
    const finished = flow.isFinished(order);
    const sealed = order.packages.filter((p) => p.sealed || p.status !== "open");
    const maxCount = Math.max(1, ...flow.liveLines(order).map(flow.toGo));
    const countInput = h("input.count-input#pack-count", {
      type: "number", inputmode: "numeric", min: 1, max: maxCount, value: count, "aria-label": "Units per scan",
      oninput: () => { count = Math.max(1, Math.min(maxCount, Math.floor(Number(countInput.value)) || 1)); },
      onchange: () => { countInput.value = count; },
    });
    const step = (delta) => { count = Math.max(1, Math.min(maxCount, count + delta)); countInput.value = count; };
    let packageCard;
    if (justSealed && !finished) {
      packageCard = h("div.package-card.sealed", h("span.label", "Sealed"), h("span.package-code", justSealed),
        left > 0 && h("button.primary.wide", { type: "button", onclick: () => { justSealed = null; render(); } }, "New package"));
    } else if (!finished) {
      packageCard = h("div.package-card", { "data-package": pkg.code },
        h("span.label", `Package ${pkg.number} · open`), h("span.package-code", pkg.code),
        h("span.muted", inIt ? `${plural(inIt, "unit")} in it` : "Empty — scan the first item"));
    }
    return [
      h("div.walk-head", h("button.secondary", { type: "button", onclick: () => { current = null; render(); } }, "Orders"),
        h("span.walk-progress", `${order.external_ref} · ${order.customer}`)),
      packageCard,
      finished
        ? h("div.empty.pack-done", { role: "status" }, h("p.empty-title", `${order.external_ref} is packed`), h("p", `${plural(order.packages.length, "package")}, all sealed. Print the labels, then take them to the dock.`))
        : h("p.walk-prompt", { role: "status" }, left ? `Scan each item · ${plural(left, "unit")} to go` : "Everything is in — seal the package"),
      !finished && scanner.element,
      !finished && left > 0 && h("div.count", h("span.label", "Units per scan ×"),
        h("button.secondary.step", { type: "button", onclick: () => step(-1), "aria-label": "One less" }, "−"),
        countInput,
        h("button.secondary.step", { type: "button", onclick: () => step(1), "aria-label": "One more" }, "+")),
      h("ol.pack-lines", flow.liveLines(order).map(lineRow)),
      !finished && inIt > 0 && sealForm(order, pkg),
      printArea(order, sealed),
    ];
  }

  function lineRow(line) {
    const go = flow.toGo(line);
    return h(`li.pack-line${go ? "" : ".done"}`, { "data-line-id": line.id },
      h("span.sku", line.sku), h("span.product", line.name),
      h("span.pack-line-qty", `picked ${line.qty_picked} · packed ${line.packed} · `, h("strong", `${go} to go`)));
  }

  function sealForm(order, pkg) {
    const weight = h("input#pack-weight", {
      type: "text", inputmode: "decimal", autocomplete: "off", enterkeyhint: "done", value: weightText, "aria-label": `Weight in ${prefs.unit}`,
      oninput: () => { weightText = weight.value; },
    });
    const seal = () => inTurn(async () => {
      const result = flow.sealScan(order, bench.types, typeCode, flow.parseWeight(weightText, prefs.unit));
      if (result.op) [typeCode, weightText] = ["", ""];
      await settle(result);
    });
    return h(
      "section.seal",
      { "aria-label": `Close ${pkg.code}` },
      h("h2", `Close ${pkg.code}`),
      bench.types.length
        ? h("div.package-types", bench.types.map((type) =>
          h("button.secondary.package-type", { type: "button", "data-code": type.code, "aria-pressed": String(type.code === typeCode), onclick: () => { typeCode = type.code; render(); } },
            h("strong", type.name), h("span.muted", dims(type)))))
        : h("p.error", "No package types yet: ask an admin to add them."),
      h("div.weight", h("label", { for: "pack-weight" }, "Weight"), weight,
        ["g", "kg"].map((unit) => h("button.secondary.unit", { type: "button", "aria-pressed": String(prefs.unit === unit), onclick: () => { prefs.unit = unit; savePrefs(); render(); } }, unit))),
      h("button.primary.wide", { type: "button", onclick: seal }, "Seal package"),
    );
  }

  function printArea(order, sealed) {
    const online = navigator.onLine !== false;
    const button = (text, name, work) => h("button.secondary.wide", { type: "button", disabled: !online, "data-print": name, onclick: () => print(name, work) }, online ? text : "Printing needs a connection");
    return h(
      "section.print",
      { "aria-label": "Printing" },
      h("h2", "Print"),
      button("Print packing slip", `packing-slip-${order.id}`, () => printDocument(`/print/orders/${order.id}/packing-slip`, `packing-slip-${order.id}`)),
      sealed.map((pkg) => button(`Print label ${pkg.code}`, `label-${pkg.code}`, () => printLabel(pkg))),
      h("p.print-note", { role: "status" }, printNote),
    );
  }

  async function printLabel(pkg) {
    // A seal still in the outbox is not on the server yet: send it first.
    await data.sync?.();
    if (!pkg.tracking_number) await bookShipment(pkg.code);
    await printDocument(`/print/packages/${encodeURIComponent(pkg.code)}/label`, `label-${pkg.code}`);
  }

  async function print(name, work) {
    printNote = `Printing ${name}…`;
    render();
    try {
      await work();
      printNote = `Sent ${name} to the printer`;
    } catch (problem) {
      printNote = problem.message;
      scanning.feedback("warn", problem.message);
    }
    render();
  }

  function dockView() {
    const ready = bench.orders.flatMap((o) => o.packages.filter((p) => p.sealed && p.status === "open" && !flow.isStopped(o)));
    const gone = bench.orders.flatMap((o) => o.packages.filter((p) => p.status === "shipped"));
    const carrier = h("input#dock-carrier", { type: "text", list: "dock-carriers", value: prefs.carrier, maxlength: 32, autocomplete: "off", "aria-label": "Carrier",
      onchange: () => { prefs.carrier = carrier.value.trim(); savePrefs(); render(); } });
    return [
      h("p.screen-sub", "Hand sealed packages to a carrier: choose the carrier, then scan each package."),
      h("div.field", h("label", { for: "dock-carrier" }, "Carrier"), carrier, h("datalist#dock-carriers", CARRIERS.map((name) => h("option", { value: name })))),
      h("p.walk-prompt", { role: "status" }, prefs.carrier ? `Scan each package for ${prefs.carrier}` : "Choose the carrier first"),
      scanner.element,
      h("h2", `Ready · ${ready.length}`),
      h("ul.dock-list", ready.map((p) => h("li", p.code))),
      gone.length > 0 && h("h2", `Handed over · ${gone.length}`),
      h("ul.dock-list.done", gone.map((p) => h("li", `${p.code} → ${p.carrier ?? "carrier"}`))),
    ];
  }

  function savePrefs() {
    localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
  }

  const redraw = () => render();
  window.addEventListener("online", redraw);
  window.addEventListener("offline", redraw);
  const unsubscribe = data.onChange(() => refresh());
  refresh();
  function dispose() {
    unsubscribe();
    window.removeEventListener("online", redraw);
    window.removeEventListener("offline", redraw);
    scanner.destroy?.();
  }
  return { root, title: "Pack", dispose };
}

// The pull names the cart slots an order was picked into ("1") or the totes themselves ("TOTE-7").
function totes(names) {
  if (!names.length) return "No tote";
  return names.map((name) => (/^\d+$/.test(name) ? `Slot ${name}` : name)).join(", ");
}

function dims(type) {
  const size = type.length_mm ? `${type.length_mm / 10}×${type.width_mm / 10}×${type.height_mm / 10} cm` : "";
  const max = type.max_weight_g ? `max ${type.max_weight_g / 1000} kg` : "";
  return [size, max].filter(Boolean).join(" · ");
}

function stored(key, fallback) {
  try {
    return { ...fallback, ...JSON.parse(localStorage.getItem(key)) };
  } catch {
    return fallback;
  }
}

// A no-break space keeps "3 units" together when a line wraps.
function plural(n, word) {
  return `${n}\u00a0${word}${n === 1 ? "" : "s"}`;
}
