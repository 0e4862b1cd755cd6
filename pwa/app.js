// Entry point: restores the session, registers this phone as a device, starts the sync client, then
// shows each role its own work. The server decides what a role may do; the role's own module
// (pwa/roles/) decides what its user sees. Everything here works offline once the phone has signed
// in one time: the shell comes from the service worker, the work and the outbox from IndexedDB.

import { api, clearSession, loadSession, request, saveSession, whenSignedOut } from "./api.js";
import { h, show } from "./dom.js";
import { outcomeList } from "./outcomes.js";
import { feedback } from "./scan/feedback.js";
import { interpret, loadGs1Rules } from "./scan/interpret.js";
import { createScanner } from "./scan/scanner.js";
import { loadRole, roleLabel } from "./roles/index.js";
import { loginScreen } from "./screens/login.js";
import { scanScreen } from "./screens/scan.js";
import { statusBar } from "./status.js";
import { openStore } from "./store.js";
import { createSyncClient, ensureDevice } from "./sync.js";
import { registerServiceWorker } from "./update.js";

const main = document.getElementById("main");
const who = document.getElementById("who");
const logoutButton = document.getElementById("logout");
const scanLink = document.getElementById("scan-link");
const statusSlot = document.getElementById("sync-status");

let current = null; // the mounted screen: {root, title, dispose?}
let currentUser = null; // the signed-in user (also while offline with an expired token)
let role = null; // the signed-in user's role module, or null for a role with no screen
let client = null; // the sync client of the signed-in user's device
let outcomes = null; // the list of scans the server decided otherwise, one per client
let gs1Rules = null;

function start() {
  registerServiceWorker();
  // The interpreter's GS1 rules come from the server (biip's table), precached for offline use.
  gs1Rules = loadGs1Rules().catch((problem) => console.warn("GS1 rules not loaded:", problem));
  whenSignedOut(openLogin);
  logoutButton.addEventListener("click", signOut);
  window.addEventListener("hashchange", route);
  // The stored user is trusted for drawing the first screen, so the app opens without a round
  // trip — and offline; the first API call with an expired or revoked token brings the login back.
  const session = loadSession();
  const stale = session ? null : loadSession({ allowExpired: true });
  if (session) openHome(session.user);
  // The token ran out while the phone is offline: the work and the outbox are on the phone, so the
  // shift goes on; the sync client meets a 401 when the network is back and asks to sign in then.
  else if (stale && !navigator.onLine) openHome(stale.user);
  else openLogin(stale ? "Your session has ended. Please sign in again." : undefined);
}

function openLogin(notice) {
  currentUser = null;
  stopSync();
  setUser(null);
  mount(loginScreen({ notice, onSignedIn }));
}

async function onSignedIn(login) {
  saveSession({ token: login.access_token, expires_at: login.expires_at, user: login.user });
  await openHome(login.user);
}

async function openHome(user) {
  currentUser = user;
  setUser(user);
  try {
    role = await loadRole(user.role);
    await startSync(user);
  } catch (problem) {
    mount(problemScreen("This phone is not ready", problem.message));
    return;
  }
  route();
}

/** `#/scan` opens the scan test for every role; anything else is the role's home screen. */
function route() {
  const user = currentUser;
  if (!user || !client) return;
  if (location.hash === "#/scan") {
    mount(scanScreen());
    return;
  }
  mount(role ? role.home(user, roleServices()) : unknownRoleScreen(user));
}

// -- the device and its sync client ----------------------------------------------------------------

async function startSync(user) {
  if (client) return;
  const store = await openStore();
  // Registration needs the server once per user and phone; after that the stored device_id is used,
  // so an offline restart goes straight to work.
  const deviceId = await ensureDevice(store, request, user);
  client = createSyncClient({ store, deviceId, onSignedOut: () => openLogin("Your session has ended. Please sign in again.") });
  client.start();
  outcomes = outcomeList(client, role?.outcomes);
  show(statusSlot, statusBar(client));
  statusSlot.hidden = false;
}

function stopSync() {
  client?.stop();
  client = null;
  outcomes = null;
  role = null;
  show(statusSlot);
  statusSlot.hidden = true;
}

/** What a role's screen may use: its view of the device's data, the outbox and storage, the scanner, the outcomes, the connection. */
function roleServices() {
  const replay = role.view;
  return {
    data: {
      view: replay ? () => client.view(replay) : null,
      enqueue: (type, args) => client.enqueue(type, args),
      // The device's storage, for what a role keeps beside its ops (a driver's photos and signatures).
      store: () => client.store,
      // What the server decided otherwise (a screen may stop work on it) and a sync now (before printing).
      outcomes: () => client.outcomes(),
      sync: () => client.syncNow(),
      onChange: (listener) => {
        let seen = client.status.changes;
        return client.subscribe((status) => {
          if (status.changes === seen) return;
          seen = status.changes;
          listener();
        });
      },
    },
    scanning: { createScanner, feedback, interpret: (text) => interpret(text), ready: gs1Rules },
    outcomes,
    // Online-only actions (a supervisor's route planning) follow the connection the strip shows.
    network: { subscribe: (listener) => client.subscribe((status) => listener(status.online)) },
  };
}

async function signOut() {
  const waiting = client?.status.pending ?? 0;
  if (waiting && !window.confirm(`${waiting} scans are not sent yet. They stay on this phone and are sent when you sign in again. Log out?`)) {
    return;
  }
  logoutButton.disabled = true;
  try {
    await api.logout();
  } catch {
    // Offline or already expired: forgetting the token on this device is what matters.
  }
  clearSession();
  logoutButton.disabled = false;
  openLogin();
}

function mount(screen) {
  current?.dispose?.();
  current = screen;
  document.title = `${screen.title} · Shipshape`;
  show(main, screen.root);
  window.scrollTo(0, 0);
  // Screen readers start reading the new screen instead of staying on the old button.
  main.focus({ preventScroll: true });
}

function setUser(user) {
  if (user) {
    show(who, h("span.who-name", user.display_name || user.username), h("span.who-role", roleLabel(user.role)));
  } else {
    show(who);
  }
  logoutButton.hidden = !user;
  scanLink.hidden = !user;
}

function problemScreen(title, message) {
  const root = h(
    "section.screen",
    h("div.empty", { role: "alert" }, h("p.empty-title", title), h("p", message), h("button.primary", { type: "button", onclick: () => location.reload() }, "Try again")),
  );
  return { root, title };
}

function unknownRoleScreen(user) {
  const root = h(
    "section.screen",
    h("div.empty", h("p.empty-title", "Nothing to show"), h("p", `This app has no screen for the role “${user.role}” yet.`)),
  );
  return { root, title: "Shipshape" };
}

start();
