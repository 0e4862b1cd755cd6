// The driver's round on one screen: today's route(s) with the stops in driving order, the load scan
// at the van, each stop (navigate, call, scan the parcels, proof of delivery or a failed attempt)
// and, at the end, the failed parcels scanned back in at the depot — all of it offline.
//
// Every step is an op in the device's outbox first (pwa/store.js) and every photo and signature is
// kept on the phone before anything refers to it (pwa/attachments.js); the list shows the pulled
// round with the unsent ops replayed on top (pwa/routeflow.js), so it moves the moment a step is
// saved. Uploads of the kept files resume by themselves: on start, when the network is back, after
// each sync and right after a proof is saved.

import { attachmentCounts, keepAttachment, uploadAttachments } from "../attachments.js";
import { h, inTurns, show } from "../dom.js";
import { grabFrame, resizePhoto } from "../photo.js";
import * as flow from "../routeflow.js";

const STYLES = "/static/screens/driver.css";
const GPS_TIMEOUT_MS = 10_000;
const UPLOAD_RETRY_MS = 15_000;

const STATUS_WORDS = { pending: "To deliver", delivered: "Delivered", failed: "Failed", partial: "Partly delivered" };

/**
 * The driver's home screen.
 * `data`: {view() → routeflow view, enqueue(type, args), onChange(listener) → unsubscribe, store() →
 * Promise<Store>}; `scanning`: {createScanner, feedback}; `outcomes`: the element listing what the
 * server decided differently, or null.
 */
export function driverScreen(user, { data, scanning, outcomes = null }) {
  useStyles();
  const sub = h("p.screen-sub", "Loading your route…");
  const uploads = h("p.uploads", { role: "status", "aria-live": "polite", hidden: true });
  const notice = h("p.route-notice", { role: "status", "aria-live": "polite", hidden: true });
  const listView = h("div.route-list");
  const modeView = h("div.route-mode", { hidden: true });
  const root = h("section.screen.driver", h("div.screen-head", h("h1", "Your route")), sub, uploads, outcomes, notice, listView, modeView);

  let view = { routes: [] };
  let mode = null; // {kind: "load" | "stop" | "depot" | "proof" | "failed", routeId, stopId?, scanned?}
  let scanner = null;
  let form = null; // the open proof or failed-attempt form: {dispose()}
  let disposed = false;

  async function refresh() {
    view = await data.view();
    if (disposed) return;
    const route = mode && currentRoute();
    if (mode && !route) leave();
    renderList();
    if (mode && ["load", "stop", "depot"].includes(mode.kind)) renderMode();
  }

  function currentRoute() {
    return view.routes.find((r) => r.id === mode?.routeId) ?? null;
  }

  function currentStop() {
    return currentRoute()?.stops.find((s) => s.id === mode.stopId) ?? null;
  }

  // -- the list ---------------------------------------------------------------------------------

  function renderList() {
    const { routes } = view;
    if (!routes.length) {
      sub.textContent = "No route assigned yet";
      show(listView, h("div.empty", h("p.empty-title", "No route assigned yet"), h("p", "When a supervisor gives you a route, its stops appear here in driving order.")));
      return;
    }
    const stops = routes.reduce((n, r) => n + r.stops.length, 0);
    const done = routes.reduce((n, r) => n + r.done, 0);
    sub.textContent = `${done} of ${plural(stops, "stop")} done`;
    show(listView, routes.map(routeSection));
  }

  function routeSection(route) {
    const headingId = `route-${route.id}`;
    const failed = flow.failedInVan(route);
    const toLoad = route.total - route.loaded;
    const next = flow.nextStop(route);
    return h(
      "section.route",
      { "aria-labelledby": headingId, "data-route-id": route.id },
      h(
        "div.route-head",
        h("h2", { id: headingId }, `Route ${route.code || route.id}`),
        h("span.route-day", dayText(route.day)),
      ),
      h(
        "p.route-progress-text",
        h("span.route-done", `${route.done} of ${plural(route.stops.length, "stop")} done`),
        h("span.route-loaded", `${route.loaded} of ${route.total} loaded`),
        route.back > 0 && h("span.route-back", `${route.back} back at the depot`),
      ),
      h("progress.route-progress", { max: Math.max(route.stops.length, 1), value: route.done, "aria-label": `Route ${route.code || route.id}: ${route.done} of ${route.stops.length} stops done` }),
      h(
        "div.route-actions",
        toLoad > 0 && h("button.primary.wide", { type: "button", onclick: () => enter({ kind: "load", routeId: route.id }) }, route.loaded ? `Load the van (${toLoad} left)` : "Load the van"),
        toLoad === 0 && next && h("button.primary.wide", { type: "button", onclick: () => openStop(route, next) }, `Next stop: ${next.seq} · ${next.customer}`),
        failed.length > 0 && h("button.secondary.wide", { type: "button", onclick: () => enter({ kind: "depot", routeId: route.id }) }, `Back at the depot (${failed.length})`),
      ),
      h("ol.stops", route.stops.map((stop) => stopCard(route, stop))),
    );
  }

  function stopCard(route, stop) {
    const open = flow.toDeliver(stop);
    const tel = flow.telUrl(stop.phone);
    const again = stop.status !== "pending" && open.length > 0;
    const returned = stop.packages.length === 0 || stop.packages.every((p) => p.at_depot);
    return h(
      `li.stop.is-${stop.status}`,
      { "data-stop-id": stop.id, "data-status": stop.status },
      h(
        "div.stop-top",
        h("span.stop-seq", { "aria-label": `Stop ${stop.seq}` }, String(stop.seq)),
        h("div.stop-who", h("p.stop-customer", stop.customer), h("p.stop-address", flow.addressLine(stop))),
        h(`span.chip.is-${stop.status}`, STATUS_WORDS[stop.status] ?? stop.status),
      ),
      h(
        "ul.stop-packages",
        stop.packages.map((p) =>
          h(
            "li.stop-package",
            { "data-code": p.code },
            h("span.code", p.code),
            h("span.package-state", packageWords(p)),
            p.pending && h("span.pending-mark", { title: "Saved on this phone, not yet acknowledged by the server" }, "Waiting to send"),
          ),
        ),
        stop.status === "failed" && returned && h("li.stop-package.muted", "Returned to the depot"),
      ),
      h(
        "div.stop-actions",
        h("a.secondary.nav", { href: flow.mapsUrl(stop), target: "_blank", rel: "noopener", "aria-label": `Navigate to stop ${stop.seq}` }, "Navigate"),
        tel && h("a.secondary.call", { href: tel, "aria-label": `Call ${stop.customer}` }, "Call"),
        stop.status === "pending" && open.length > 0 && h("button.primary", { type: "button", onclick: () => openStop(route, stop) }, "At the stop"),
        again && h("button.primary", { type: "button", onclick: () => openStop(route, stop) }, "Try again"),
      ),
    );
  }

  // -- modes: load, stop, depot (scanning), proof and failed attempt (forms) -----------------------

  function enter(next) {
    closeForm();
    mode = { scanned: new Set(), ...next };
    notice.hidden = true;
    listView.hidden = true;
    modeView.hidden = false;
    renderMode();
    window.scrollTo(0, 0);
  }

  function openStop(route, stop) {
    enter({ kind: "stop", routeId: route.id, stopId: stop.id });
  }

  function leave(message = null, kind = "ok") {
    closeForm();
    scanner?.closeCamera();
    mode = null;
    modeView.hidden = true;
    listView.hidden = false;
    if (message) {
      notice.textContent = message;
      notice.dataset.kind = kind;
      notice.hidden = false;
    }
    renderList();
    window.scrollTo(0, 0);
  }

  function ensureScanner() {
    scanner ??= scanning.createScanner({ onScan: (scan) => inTurn(() => handleScan(scan)) });
    return scanner;
  }

  function head(title, back = () => leave()) {
    return h("div.walk-head", h("h2.mode-title", title), h("button.secondary", { type: "button", onclick: back }, "List"));
  }

  function renderMode() {
    const route = currentRoute();
    if (!route || !mode) return;
    if (mode.kind === "load") renderLoad(route);
    else if (mode.kind === "stop") renderStop(route);
    else if (mode.kind === "depot") renderDepot(route);
  }

  function renderLoad(route) {
    const byStopDesc = [...route.stops].reverse(); // the last stop goes in first, at the back of the van
    show(
      modeView,
      head(`Load the van · Route ${route.code || route.id}`),
      h("p.load-count", { "data-testid": "loaded" }, h("span.big", `${route.loaded} of ${route.total}`), " loaded"),
      h("p.walk-prompt", route.loaded < route.total ? "Scan each package as it goes into the van" : "Everything is loaded. Drive safely."),
      ensureScanner().element,
      h(
        "ul.load-list",
        byStopDesc.flatMap((stop) => stop.packages.filter((p) => !p.at_depot).map((p) => h(`li.load-item${flow.isLoaded(p) ? ".is-loaded" : ""}`, { "data-code": p.code }, h("span.code", p.code), h("span", `Stop ${stop.seq} · ${stop.customer}`), h("span.tick", flow.isLoaded(p) ? "✓ Loaded" : "")))),
      ),
      route.loaded >= route.total && h("button.primary.wide", { type: "button", onclick: () => leave("Van loaded. Drive safely.") }, "Done loading"),
    );
  }

  function renderStop(route) {
    const stop = currentStop();
    if (!stop) return leave();
    const open = flow.toDeliver(stop);
    if (!open.length) return leave(stop.status === "delivered" ? `Stop ${stop.seq} is delivered.` : null);
    const count = open.filter((p) => mode.scanned.has(p.code)).length;
    const tel = flow.telUrl(stop.phone);
    show(
      modeView,
      head(`Stop ${stop.seq} of ${route.stops.length}`),
      h(
        "div.walk-card.stop-card",
        { "data-stop-id": stop.id },
        h("p.stop-customer.big", stop.customer),
        h("p.stop-address", flow.addressLine(stop)),
        h(
          "div.stop-actions",
          h("a.secondary.nav", { href: flow.mapsUrl(stop), target: "_blank", rel: "noopener" }, "Navigate"),
          tel && h("a.secondary.call", { href: tel }, `Call ${stop.phone}`),
        ),
        h(
          "ul.stop-packages",
          open.map((p) => h(`li.stop-package${mode.scanned.has(p.code) ? ".is-scanned" : ""}`, { "data-code": p.code }, h("span.code", p.code), h("span.package-state", mode.scanned.has(p.code) ? "✓ Scanned" : packageWords(p)))),
        ),
      ),
      h("p.walk-prompt", { role: "status", "aria-live": "polite" }, count < open.length ? `Scan the ${open.length === 1 ? "package" : "packages"}: ${count} of ${open.length} scanned` : "All scanned — take the proof of delivery"),
      ensureScanner().element,
      h(
        "div.stop-decide",
        h("button.primary.wide", { type: "button", onclick: () => openProof(route, stop) }, "Proof of delivery"),
        h("button.secondary.wide", { type: "button", onclick: () => openFailed(route, stop) }, "Failed attempt"),
      ),
    );
  }

  function renderDepot(route) {
    const failed = flow.failedInVan(route);
    const back = route.packages.filter((p) => p.at_depot);
    show(
      modeView,
      head(`Back at the depot · Route ${route.code || route.id}`),
      h("p.walk-prompt", failed.length ? `Scan each package you bring back: ${failed.length} to scan in` : "Every failed package is back at the depot."),
      ensureScanner().element,
      h(
        "ul.load-list",
        failed.map((p) => h("li.load-item", { "data-code": p.code }, h("span.code", p.code), h("span", `${p.customer} · ${flow.reasonLabel(p.reason || "failed")}`))),
        back.map((p) => h("li.load-item.is-loaded", { "data-code": p.code }, h("span.code", p.code), h("span", p.customer), h("span.tick", "✓ Back"))),
      ),
      !failed.length && h("button.primary.wide", { type: "button", onclick: () => leave("Every failed package is back at the depot.") }, "Done"),
    );
  }

  // One scan at a time, each after the last has settled: a second scan must meet the first's state.
  const inTurn = inTurns((problem) => {
    console.error("driver step failed", problem);
    scanning.feedback("error", `Not recorded: ${problem.message ?? problem}`);
  });

  async function handleScan(scan) {
    const route = mode && currentRoute();
    if (!route) return;
    // The camera's text may start with a symbology identifier ("]C0"); package codes never do.
    const code = scan.text.trim().replace(/^\][A-Za-z][0-9A-Za-z]/, "");
    if (mode.kind === "load" || mode.kind === "depot") {
      const result = mode.kind === "load" ? flow.loadScan(route, code) : flow.depotScan(route, code);
      scanning.feedback(result.feedback.kind, result.feedback.text);
      if (result.op) {
        await data.enqueue(result.op.type, result.op.args);
        await refresh();
      }
    } else if (mode.kind === "stop") {
      const stop = currentStop();
      if (!stop) return;
      const result = flow.stopScan(route, stop, code, mode.scanned);
      scanning.feedback(result.feedback.kind, result.feedback.text);
      mode.scanned = result.scanned;
      renderMode();
    } else {
      scanning.feedback("warn", "Finish this stop first: save or cancel the form.");
    }
  }

  // -- proof of delivery ------------------------------------------------------------------------

  function openProof(route, stop) {
    const open = flow.toDeliver(stop);
    const count = open.filter((p) => mode.scanned.has(p.code)).length;
    if (count < open.length) {
      scanning.feedback("error", `Scan every package first: ${count} of ${open.length} scanned`);
      return;
    }
    scanner?.closeCamera(); // one camera stream at a time: the photo needs it
    delete modeView.dataset.signature;
    const scanned = mode.scanned;
    mode = { kind: "proof", routeId: route.id, stopId: stop.id, scanned };
    const back = () => enter({ kind: "stop", routeId: route.id, stopId: stop.id, scanned });
    const recipient = h("input#pod-recipient", { type: "text", name: "recipient", autocomplete: "off", autocapitalize: "words", maxlength: 200, required: true, enterkeyhint: "done" });
    const canvas = h("canvas.signature-canvas", { "aria-label": "Signature pad: sign with a finger", role: "img" });
    const sigState = h("span.signature-state", "Sign above");
    const problem = h("p.form-problem", { role: "alert" });
    const photo = photoCapture();
    const gps = locator();
    const save = h("button.primary.wide", { type: "button", onclick: () => inTurn(() => saveProof(stop)) }, "Save delivery");
    let pad = null;
    show(
      modeView,
      head(`Proof of delivery · Stop ${stop.seq}`, back),
      h("p.pod-for", `${stop.customer} · ${plural(open.length, "package")}: ${open.map((p) => p.code).join(", ")}`),
      h("div.field", h("label", { for: recipient.id }, "Recipient's name"), recipient),
      h(
        "div.field.signature",
        h("span.label-strong", { id: "pod-signature-label" }, "Signature"),
        h("div.signature-box", canvas),
        h("div.signature-row", sigState, h("button.secondary", { type: "button", onclick: () => pad?.clear() }, "Clear")),
      ),
      h("div.field", h("span.label-strong", "Photo"), photo.element),
      gps.element,
      problem,
      save,
      h("button.secondary.wide", { type: "button", onclick: back }, "Cancel"),
    );
    form = { dispose: () => (photo.stop(), pad?.destroy()), photo, gps, recipient, problem, save, pad: () => pad };
    // The pad's library comes with the first proof of the day (precached, so offline too).
    import("../signature.js").then(({ signaturePad }) => {
      if (form?.recipient !== recipient) return;
      pad = signaturePad(canvas, { onChange: (signed) => (sigState.textContent = signed ? "Signed ✓" : "Sign above") });
      requestAnimationFrame(() => {
        pad.fit();
        modeView.dataset.signature = "ready"; // observers (tests) may draw from here on
      });
    });
    recipient.focus();
  }

  async function saveProof(stop) {
    if (!form) return;
    const pad = form.pad();
    const recipientName = form.recipient.value;
    const problem = flow.proofProblem({ recipient: recipientName, signature: Boolean(pad && !pad.isEmpty()) });
    if (problem) return refuseForm(problem);
    form.save.disabled = true;
    form.save.textContent = "Saving…";
    try {
      const { position } = await form.gps.done;
      const store = await data.store();
      const signature = await keepAttachment(store, { kind: "signature", blob: await pad.toBlob() });
      const photo = form.photo.blob ? await keepAttachment(store, { kind: "photo", blob: form.photo.blob }) : null;
      const ops = flow.deliverOps(stop, { recipient: recipientName, signature: signature.id, photo: photo?.id ?? "", position });
      for (const op of ops) await data.enqueue(op.type, op.args);
      scanning.feedback("ok", `Delivered to ${recipientName.trim()}`);
      leave(`Stop ${stop.seq} delivered to ${recipientName.trim()} at ${clock()}${position ? "" : " (no position)"}.`);
      upload();
    } catch (problem) {
      form.save.disabled = false;
      form.save.textContent = "Save delivery";
      refuseForm(problem.message ?? String(problem));
    }
  }

  // -- failed attempt ---------------------------------------------------------------------------

  function openFailed(route, stop) {
    scanner?.closeCamera();
    const scanned = mode.scanned;
    mode = { kind: "failed", routeId: route.id, stopId: stop.id, scanned };
    const back = () => enter({ kind: "stop", routeId: route.id, stopId: stop.id, scanned });
    let reason = "";
    const note = h("textarea#fail-note", { name: "note", rows: 3, maxlength: 500 });
    const noteLabel = h("label", { for: note.id }, "Note (optional)");
    const buttons = flow.FAIL_REASONS.map(([code, label]) =>
      h("button.secondary.reason", {
        type: "button", "aria-pressed": "false", "data-reason": code,
        onclick: () => {
          reason = code;
          for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.reason === code));
          noteLabel.textContent = code === "other" ? "Note (required for Other)" : "Note (optional)";
        },
      }, label),
    );
    const problem = h("p.form-problem", { role: "alert" });
    const photo = photoCapture();
    const gps = locator();
    const save = h("button.primary.wide", { type: "button", onclick: () => inTurn(() => saveFailed(stop)) }, "Save failed attempt");
    show(
      modeView,
      head(`Failed attempt · Stop ${stop.seq}`, back),
      h("p.pod-for", `${stop.customer} · ${flow.toDeliver(stop).map((p) => p.code).join(", ")}`),
      h("p.label-strong", { id: "fail-reason-label" }, "Why?"),
      h("div.reasons", { role: "group", "aria-labelledby": "fail-reason-label" }, buttons),
      h("div.field", noteLabel, note),
      h("div.field", h("span.label-strong", "Photo (optional)"), photo.element),
      gps.element,
      problem,
      save,
      h("button.secondary.wide", { type: "button", onclick: back }, "Cancel"),
    );
    form = { dispose: () => photo.stop(), photo, gps, note, problem, save, reason: () => reason };
  }

  async function saveFailed(stop) {
    if (!form) return;
    const reason = form.reason();
    const noteText = form.note.value;
    const problem = flow.failureProblem({ reason, note: noteText });
    if (problem) return refuseForm(problem);
    form.save.disabled = true;
    form.save.textContent = "Saving…";
    try {
      const { position } = await form.gps.done;
      const store = await data.store();
      const photo = form.photo.blob ? await keepAttachment(store, { kind: "photo", blob: form.photo.blob }) : null;
      const ops = flow.failedOps(stop, { reason, note: noteText, photo: photo?.id ?? "", position });
      for (const op of ops) await data.enqueue(op.type, op.args);
      scanning.feedback("warn", `Failed attempt: ${flow.reasonLabel(reason)}`);
      leave(`Stop ${stop.seq}: failed attempt (${flow.reasonLabel(reason).toLowerCase()}) at ${clock()}. Try again later or bring the parcels back to the depot.`, "warn");
      if (photo) upload();
    } catch (problem) {
      form.save.disabled = false;
      form.save.textContent = "Save failed attempt";
      refuseForm(problem.message ?? String(problem));
    }
  }

  function refuseForm(text) {
    form.problem.textContent = text;
    scanning.feedback("error", text);
    form.problem.scrollIntoView?.({ block: "center" });
  }

  function closeForm() {
    form?.dispose();
    form = null;
  }

  // -- uploads of photos and signatures ---------------------------------------------------------

  let uploadTimer = null;
  async function upload() {
    clearTimeout(uploadTimer);
    const store = await data.store();
    if (navigator.onLine) {
      const result = await uploadAttachments(store);
      // The server was busy or down: look again in a while even if nothing else happens.
      if (result.stopped === "server" && !disposed) uploadTimer = setTimeout(upload, Math.max(result.retryAfterMs, UPLOAD_RETRY_MS));
    }
    await showUploads(store);
  }

  async function showUploads(store) {
    const counts = await attachmentCounts(store);
    if (disposed) return;
    uploads.hidden = counts.pending + counts.done + counts.failed === 0;
    uploads.dataset.pending = String(counts.pending);
    const parts = [counts.pending ? `${counts.pending} to send` : "all sent"];
    if (counts.failed) parts.push(`${counts.failed} kept on this phone — tell your supervisor`);
    uploads.textContent = `Photos and signatures: ${parts.join(" · ")}`;
  }

  const onOnline = () => upload();
  window.addEventListener("online", onOnline);
  const unsubscribe = data.onChange(() => {
    refresh();
    upload();
  });
  refresh();
  upload();

  // Called by the app when another screen replaces this one: cameras off, listeners gone.
  function dispose() {
    disposed = true;
    clearTimeout(uploadTimer);
    unsubscribe();
    window.removeEventListener("online", onOnline);
    closeForm();
    scanner?.destroy?.();
  }
  return { root, title: "Your route", dispose };
}

// -- parts of the forms -------------------------------------------------------------------------------

/**
 * The photo at the door: the environment (back) camera in a preview, one tap to take the picture,
 * made small on the phone (pwa/photo.js) before it is kept. → {element, blob, stop()}
 */
function photoCapture() {
  const video = h("video.photo-video", { playsinline: true, muted: true, autoplay: true, hidden: true, "aria-label": "Camera preview for the photo" });
  video.muted = true;
  const preview = h("img.photo-preview", { alt: "The photo taken", hidden: true });
  const status = h("p.photo-status", { role: "status" }, "No photo yet.");
  const open = h("button.secondary", { type: "button", onclick: () => start() }, "Open camera");
  const take = h("button.primary", { type: "button", hidden: true, onclick: () => capture() }, "Take photo");
  let stream = null;
  let blob = null;
  let url = null;

  async function start() {
    open.disabled = true;
    status.textContent = "Opening the camera…";
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1600 }, height: { ideal: 1200 } },
      });
      video.srcObject = stream;
      video.hidden = false;
      preview.hidden = true;
      await video.play().catch(() => {});
      if (video.readyState < 2) await new Promise((resolve) => video.addEventListener("loadeddata", resolve, { once: true }));
      open.hidden = true;
      take.hidden = false;
      status.textContent = "Frame the parcel at the door, then take the photo.";
    } catch (problem) {
      stopStream();
      status.textContent = problem?.name === "NotAllowedError" ? "Camera access was refused: the delivery can be saved without a photo." : `No camera: ${problem?.message ?? problem}. The delivery can be saved without a photo.`;
    } finally {
      open.disabled = false;
    }
  }

  async function capture() {
    take.disabled = true;
    try {
      blob = await resizePhoto(grabFrame(video));
      stopStream();
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(blob);
      preview.src = url;
      preview.hidden = false;
      take.hidden = true;
      open.hidden = false;
      open.textContent = "Retake";
      status.textContent = `Photo taken ✓ (${Math.round(blob.size / 1024)} KB)`;
    } catch (problem) {
      status.textContent = problem.message ?? String(problem);
    } finally {
      take.disabled = false;
    }
  }

  function stopStream() {
    stream?.getTracks().forEach((t) => t.stop());
    stream = null;
    video.srcObject = null;
    video.hidden = true;
  }

  return {
    element: h("div.photo", video, preview, status, h("div.photo-row", open, take)),
    get blob() {
      return blob;
    },
    stop() {
      stopStream();
      if (url) URL.revokeObjectURL(url);
      url = null;
    },
  };
}

/**
 * The GPS fix, asked for as the form opens so it is there by the time the form is filled in; a fresh
 * one (maximumAge 0): a fix cached a few houses back would place the proof at the wrong door.
 * → {element, done: Promise<{position: {lat, lon, accuracy_m} | null}>}; never rejects: without a
 * fix the proof is saved all the same, and the form says so.
 */
function locator() {
  const element = h("p.gps", { role: "status", "data-state": "waiting" }, "Finding your position…");
  const done = new Promise((resolve) => {
    const without = (why) => {
      element.dataset.state = "none";
      element.textContent = `No position (${why}): saving without it.`;
      resolve({ position: null });
    };
    if (!navigator.geolocation) return without("this phone has no location service");
    navigator.geolocation.getCurrentPosition(
      (fix) => {
        const position = { lat: fix.coords.latitude, lon: fix.coords.longitude, accuracy_m: fix.coords.accuracy };
        element.dataset.state = "fixed";
        element.textContent = `Position ✓ within ${Math.round(position.accuracy_m)} m`;
        resolve({ position });
      },
      (problem) => without(problem.code === 1 ? "location access was refused" : problem.code === 3 ? "no fix within 10 seconds" : "position unavailable"),
      { enableHighAccuracy: true, timeout: GPS_TIMEOUT_MS, maximumAge: 0 },
    );
  });
  return { element, done };
}

// -- small words ------------------------------------------------------------------------------------

function packageWords(p) {
  if (p.at_depot) return "Back at the depot";
  switch (p.status) {
    case "open":
      return "At the depot";
    case "shipped":
      return "In the van";
    case "delivered":
      return p.recipient ? `Delivered to ${p.recipient}` : "Delivered";
    case "failed":
      return p.reason ? `Failed: ${flow.reasonLabel(p.reason).toLowerCase()}` : "Failed";
    default:
      return p.status;
  }
}

function dayText(day) {
  const at = new Date(`${day}T12:00:00`);
  if (Number.isNaN(at.getTime())) return String(day);
  const today = new Date();
  if (at.toDateString() === today.toDateString()) return "Today";
  return at.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short" });
}

function clock() {
  return new Date().toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
}

// A no-break space keeps "3 stops" together when a line wraps.
function plural(n, word) {
  return `${n}\u00a0${word}${n === 1 ? "" : "s"}`;
}

// The driver's styles come with the driver's screen: the shell every role loads stays small.
function useStyles() {
  if (document.querySelector(`link[href="${STYLES}"]`)) return;
  document.head.append(h("link", { rel: "stylesheet", href: STYLES }));
}
