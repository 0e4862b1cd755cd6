// The sync status strip, always on screen: online or not, how many scans wait to be sent, a
// progress bar while a backlog drains, when the phone last synced, and any problem in plain words.

import { h, safeText } from "./dom.js";

/** "14:02" today, "26 Nov 14:02" on another day, "never" without a sync. */
export function syncTime(iso, now = new Date()) {
  if (!iso) return "never";
  const at = new Date(iso);
  const time = at.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  if (at.toDateString() === now.toDateString()) return time;
  return `${at.toLocaleDateString("en-GB", { day: "numeric", month: "short" })} ${time}`;
}

/** "All sent", "1 to send", "3 to send". */
export function pendingText(pending) {
  return pending ? `${pending} to send` : "All sent";
}

/**
 * statusBar(client) → <div class="sync-status"> kept up to date from client.subscribe().
 * Put it in #sync-status, the last child of <body>: it is fixed to the bottom of the screen, and its
 * height is kept in --sync-h so the page reserves that much room below its content (status.css).
 */
export function statusBar(client) {
  const icon = h("span.sync-icon", { "aria-hidden": "true" });
  const net = h("span.sync-net", icon, h("span.sync-net-text"));
  const pending = h("span.sync-pending");
  const last = h("span.sync-last");
  const progress = h("progress.sync-progress", { max: 1, value: 0, "aria-label": "Sending queued scans" });
  const progressText = h("span.sync-progress-text");
  const drain = h("div.sync-drain", { hidden: true }, progress, progressText);
  const problem = h("p.sync-problem", { role: "alert", hidden: true });
  const root = h(
    "div.sync-status",
    { role: "region", "aria-label": "Sync status" },
    h("div.sync-row", { role: "status" }, net, pending, last),
    drain,
    problem,
  );

  function render(s) {
    const online = s.online && !s.revoked;
    root.classList.toggle("is-offline", !s.online);
    root.classList.toggle("is-problem", Boolean(s.revoked || s.error));
    net.lastChild.textContent = s.online ? "Online" : "Offline";
    icon.textContent = online ? "●" : "○";
    pending.textContent = pendingText(s.pending);
    pending.classList.toggle("has-pending", s.pending > 0);
    last.textContent = `synced ${syncTime(s.lastSyncAt)}`;
    // A single scan goes out in one push; the bar is for backlogs, where waiting is worth showing.
    const draining = s.draining && s.draining.total > 1 ? s.draining : null;
    drain.hidden = !draining;
    if (draining) {
      progress.max = draining.total;
      progress.value = draining.sent;
      progressText.textContent = `${draining.sent} / ${draining.total} sent`;
    }
    const message = s.revoked
      ? "This device was revoked. Your unsent scans are kept; tell your supervisor."
      : s.online ? s.error || s.notice : null;
    problem.hidden = !message;
    problem.textContent = safeText(message || "");
  }

  client.subscribe(render);
  // A backlog's progress bar or a problem makes the strip taller: the room kept for it follows.
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(() => {
      if (root.isConnected) document.documentElement.style.setProperty("--sync-h", `${root.offsetHeight}px`);
    }).observe(root);
  }
  return root;
}
