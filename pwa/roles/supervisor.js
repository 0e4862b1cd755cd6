// Supervisors and admins: one section per job, a tab each (#/orders, #/routes, …; the address keeps
// the section across a reload). Each section's screen is imported when first opened, so watching
// orders never loads the route planner. The pulled exceptions are kept on the phone for the
// exception queue.
//
// Adding a section: write pwa/screens/<name>.js exporting a function (services) → {root, title,
// dispose?}, and add its line below. `roles` limits a section to some of the two roles.

import { tabbedHome } from "../sections.js";

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
  { hash: "#/buying", label: "Buying", load: async () => (await import("../screens/purchasing.js")).purchasingScreen },
];

/** The sections this user may open, the first being home. */
export function sectionsFor(role, sections = SECTIONS) {
  return sections.filter((section) => !section.roles || section.roles.includes(role));
}

function home(user, services) {
  return tabbedHome(sectionsFor(user.role), { network: services.network, services, user }, "Supervisor screens");
}

export default { home };
