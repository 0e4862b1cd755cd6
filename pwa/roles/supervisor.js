// Supervisors and admins: one section per job, a tab each (#/orders, #/routes, …; the address keeps
// the section across a reload). Each section's screen is imported when first opened, so watching
// orders never loads the route planner. The pulled exceptions are kept on the phone for the
// exception queue.
//
// Adding a section: write pwa/screens/<name>.js exporting a function (services) → {root, title,
// dispose?}, and add its line below. `roles` limits a section to some of the two roles.

import { h } from "../dom.js";

export const SECTIONS = [
  { hash: "#/floor", label: "Floor", load: async () => (await import("../screens/floor.js")).floorScreen },
  { hash: "#/exceptions", label: "Exceptions", load: async () => (await import("../screens/exceptions.js")).exceptionsScreen },
  { hash: "#/orders", label: "Orders", load: async () => (await import("../screens/orders.js")).ordersScreen },
  { hash: "#/waves", label: "Waves", load: async () => (await import("../screens/waves.js")).wavesScreen },
  { hash: "#/routes", label: "Routes", load: async () => (await import("../screens/routes.js")).routesScreen },
  { hash: "#/stock", label: "Stock", load: async () => (await import("../screens/stock.js")).stockScreen },
  { hash: "#/kpis", label: "KPIs", load: async () => (await import("../screens/kpis.js")).kpisScreen },
  { hash: "#/devices", label: "Devices", load: async () => (await import("../screens/setup.js")).devicesScreen },
  { hash: "#/setup", label: "Setup", roles: ["admin"], load: async () => (await import("../screens/setup.js")).setupScreen },
];

/** The sections this user may open, the first being home. */
export function sectionsFor(role, sections = SECTIONS) {
  return sections.filter((section) => !section.roles || section.roles.includes(role));
}

/** The section the address names, or the first one. */
export function sectionFor(hash, sections) {
  return sections.find((section) => section.hash === hash) ?? sections[0];
}

function tabs(sections, current) {
  return h(
    "nav.tabs",
    { "aria-label": "Supervisor screens" },
    sections.map(({ hash, label }) => h("a.tab", { href: hash, "aria-current": hash === current.hash ? "page" : null }, label)),
  );
}

function home(user, services) {
  const sections = sectionsFor(user.role);
  const section = sectionFor(location.hash, sections);
  const slot = h("section.screen", h("div.screen-head", h("h1", section.label)));
  const bar = tabs(sections, section);
  const root = h("div", bar, slot);
  // The row scrolls sideways on a phone: bring the open section's tab into view, not the page.
  requestAnimationFrame(() => {
    const tab = bar.querySelector('[aria-current="page"]');
    if (tab) bar.scrollLeft = tab.offsetLeft - (bar.clientWidth - tab.offsetWidth) / 2;
  });
  let screen = null;
  let gone = false;
  section.load().then((make) => {
    if (gone) return;
    screen = make({ network: services.network, services, user });
    slot.replaceWith(screen.root);
  });
  return {
    root,
    title: section.label,
    dispose: () => {
      gone = true;
      screen?.dispose?.();
    },
  };
}

export default { home };
