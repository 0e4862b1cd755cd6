// Shipshape's service worker: a classic script, served at /sw.js with two lines in front of this
// file (server/web/precache.py):
//   self.__PRECACHE = [{url, revision}, …];   every file of the app shell, revision = its hash
//   self.__VERSION = "…";                     the hash of that list and of this file
//
// Strategy:
// - install: download the whole shell into the cache "shipshape-shell-<version>". A file whose
//   revision is unchanged is copied from the previous version's cache instead of downloaded (the
//   decoder alone is a megabyte). No automatic skipWaiting: the page shows "New version — Reload"
//   and the worker takes over only when the user taps it, so a screen is never swapped mid-pick.
// - activate: delete every other version's cache, take control of open pages.
// - navigations to "/": cache first. The shell is versioned with the files it loads, so the cached
//   HTML always matches the cached modules; a network-first HTML could pair a new page with old
//   modules. Offline and online reloads open equally fast, and a new version still arrives: each
//   navigation makes the browser check /sw.js (served no-cache), which brings the new list.
// - precached URLs (query string ignored): cache first, network if somehow missing.
// - /api/ and /print/: network only, never cached; the app's data lives in IndexedDB.
// - everything else: network.
"use strict";

const PRECACHE = self.__PRECACHE || [];
const VERSION = self.__VERSION || "unversioned";
const CACHE_PREFIX = "shipshape-shell-";
const CACHE_NAME = CACHE_PREFIX + VERSION;
// The list itself, stored in the cache under this key, so the next version knows which files it
// may copy instead of downloading.
const LIST_KEY = "/__precache-list.json";
const SHELL = "/";
const SYNC_TAG = "shipshape-push";

const PRECACHED = new Set(PRECACHE.map((entry) => entry.url));

self.addEventListener("install", (event) => {
  event.waitUntil(install());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(activate());
});

self.addEventListener("message", (event) => {
  const data = event.data;
  if (data === "skip-waiting" || (data && data.type === "skip-waiting")) self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/print/")) return;
  if (request.mode === "navigate") {
    if (url.pathname === SHELL) event.respondWith(cacheFirst(request, SHELL));
    return;
  }
  if (PRECACHED.has(url.pathname)) event.respondWith(cacheFirst(request, url.pathname));
});

// Background Sync, where the browser has it: wake the page's sync client, which does the pushing
// (and also pushes on its own triggers; Safari has no Background Sync at all).
self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(tellClients({ type: "sync-requested" }));
});

async function install() {
  const cache = await caches.open(CACHE_NAME);
  const reusable = await previousCopies();
  await Promise.all(
    PRECACHE.map(async ({ url, revision }) => {
      const old = reusable.get(`${url} ${revision}`);
      if (old) {
        const response = await old.match(url);
        if (response) return cache.put(url, response);
      }
      // "reload" skips the HTTP cache: the bytes must be the ones the revision was computed from.
      const response = await fetch(new Request(url, { cache: "reload", credentials: "same-origin" }));
      if (!response.ok) throw new Error(`precache: ${url} answered ${response.status}`);
      return cache.put(url, response);
    }),
  );
  // Written last: a cache holding the list is complete.
  await cache.put(LIST_KEY, new Response(JSON.stringify(PRECACHE), { headers: { "content-type": "application/json" } }));
}

/** "url revision" → the older cache holding exactly that file. */
async function previousCopies() {
  const copies = new Map();
  for (const name of await caches.keys()) {
    if (!name.startsWith(CACHE_PREFIX) || name === CACHE_NAME) continue;
    const cache = await caches.open(name);
    const list = await cache.match(LIST_KEY);
    if (!list) continue;
    try {
      for (const { url, revision } of await list.json()) copies.set(`${url} ${revision}`, cache);
    } catch {
      // A damaged list only means downloading again.
    }
  }
  return copies;
}

async function activate() {
  for (const name of await caches.keys()) {
    if (name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME) await caches.delete(name);
  }
  await self.clients.claim();
}

async function cacheFirst(request, key) {
  const cache = await caches.open(CACHE_NAME);
  const cached = await cache.match(key, { ignoreSearch: true, ignoreVary: true });
  return cached || fetch(request);
}

async function tellClients(message) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) client.postMessage(message);
}
