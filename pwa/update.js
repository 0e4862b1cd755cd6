// Registers the service worker (/sw.js) and offers a new version when one is waiting.
//
// A new version never takes over by itself: it installs next to the running one and waits, and a
// banner says "New version — Reload". Tapping Reload tells the waiting worker to take over and the
// page reloads once it has (controllerchange), so the screen never changes under a picker's thumb.

import { h } from "./dom.js";

const HOUR_MS = 60 * 60 * 1000;

/**
 * registerServiceWorker({ onUpdate }) → Promise<ServiceWorkerRegistration | null>
 *
 * `onUpdate(registration)` (optional) is called, besides showing the banner, each time a new
 * version is waiting. Resolves null where service workers are unavailable (old browser, http on a
 * non-local host) or registration failed; the app then simply runs online-only.
 */
export async function registerServiceWorker({ onUpdate } = {}) {
  if (!("serviceWorker" in navigator)) return null;
  // After the page has loaded: the first install downloads the whole shell and the decoder, which
  // must not compete with the first screen.
  if (document.readyState !== "complete") await new Promise((resolve) => window.addEventListener("load", resolve, { once: true }));
  let registration;
  try {
    registration = await navigator.serviceWorker.register("/sw.js", { scope: "/", updateViaCache: "none" });
  } catch (error) {
    console.warn("service worker not registered:", error);
    return null;
  }

  const offer = () => {
    if (!registration.waiting || !navigator.serviceWorker.controller) return; // first install: nothing to replace
    showBanner(registration);
    if (onUpdate) onUpdate(registration);
  };

  offer();
  registration.addEventListener("updatefound", () => {
    const installing = registration.installing;
    if (!installing) return;
    installing.addEventListener("statechange", () => {
      if (installing.state === "installed") offer();
    });
  });

  const check = () => registration.update().catch(() => {}); // offline: try again next time
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") check();
  });
  setInterval(check, HOUR_MS);
  return registration;
}

let banner = null;
let reloading = false;

function showBanner(registration) {
  if (!banner) {
    banner = h(
      "aside.update-banner",
      { "aria-label": "App update" },
      h("p.update-text", { role: "status" }, "New version of Shipshape ready"),
      h("button.update-reload", { type: "button", onclick: () => applyUpdate(registration) }, "Reload"),
    );
    document.body.append(banner);
  }
  banner.hidden = false;
}

function applyUpdate(registration) {
  const waiting = registration.waiting;
  if (!waiting) {
    window.location.reload();
    return;
  }
  banner.querySelector("button").disabled = true;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading) return;
    reloading = true;
    window.location.reload();
  });
  waiting.postMessage({ type: "skip-waiting" });
}
