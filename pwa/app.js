// Entry point: restores the session, then shows each role its own work. The server decides what a
// role may do; this file only decides which screen a role lands on.

import { api, clearSession, loadSession, saveSession, whenSignedOut } from "./api.js";
import { h, show } from "./dom.js";
import { loginScreen } from "./screens/login.js";
import { ordersScreen } from "./screens/orders.js";
import { pickerScreen } from "./screens/picker.js";

const main = document.getElementById("main");
const who = document.getElementById("who");
const logoutButton = document.getElementById("logout");

const ROLE_NAMES = { picker: "Picker", packer: "Packer", driver: "Driver", supervisor: "Supervisor", admin: "Admin" };

const HOME_SCREENS = {
  picker: pickerScreen,
  packer: ordersScreen,
  supervisor: ordersScreen,
  admin: ordersScreen,
  driver: driverScreen,
};

function start() {
  whenSignedOut(openLogin);
  logoutButton.addEventListener("click", signOut);
  // The stored user is trusted for drawing the first screen, so the app opens without a round
  // trip; the first API call with an expired or revoked token brings the login back.
  const session = loadSession();
  if (session) openHome(session.user);
  else openLogin();
}

function openLogin(notice) {
  setUser(null);
  mount(loginScreen({ notice, onSignedIn }));
}

function onSignedIn(login) {
  saveSession({ token: login.access_token, expires_at: login.expires_at, user: login.user });
  openHome(login.user);
}

function openHome(user) {
  setUser(user);
  const screen = HOME_SCREENS[user.role] ?? unknownRoleScreen;
  mount(screen(user));
}

async function signOut() {
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

function mount({ root, title }) {
  document.title = `${title} · Shipshape`;
  show(main, root);
  window.scrollTo(0, 0);
  // Screen readers start reading the new screen instead of staying on the old button.
  main.focus({ preventScroll: true });
}

function setUser(user) {
  if (user) {
    show(who, h("span.who-name", user.display_name || user.username), h("span.who-role", ROLE_NAMES[user.role] ?? user.role));
  } else {
    show(who);
  }
  logoutButton.hidden = !user;
}

// Drivers have no route API yet; an honest empty state beats a fake list.
function driverScreen() {
  const root = h(
    "section.screen",
    h("div.screen-head", h("h1", "Your route")),
    h(
      "div.empty",
      h("p.empty-title", "No route assigned yet"),
      h("p", "Delivery routes are not part of this version of Shipshape. When routes arrive, your stops will be listed here in driving order."),
    ),
  );
  return { root, title: "Your route" };
}

function unknownRoleScreen(user) {
  const root = h(
    "section.screen",
    h("div.empty", h("p.empty-title", "Nothing to show"), h("p", `This app has no screen for the role “${user.role}” yet.`)),
  );
  return { root, title: "Shipshape" };
}

start();
