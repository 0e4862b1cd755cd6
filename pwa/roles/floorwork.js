// Floor work beside a picker's walk and a packer's bench: goods in, counts, moves, returns. One
// section per job, a tab each, the role's own home first; each section's screen is imported when
// first opened, so a packer who never receives never loads the receiving screen.
//
// Adding a section: write pwa/screens/<name>.js exporting a function (ctx) → {root, title,
// dispose?}, ctx = {network, services, user} as for the supervisor's sections, and add its line
// below with the floor roles that may open it.

import { tabbedHome } from "../sections.js";

export const FLOOR_SECTIONS = [
  { hash: "#/receive", label: "Goods in", roles: ["picker", "packer"], load: async () => (await import("../screens/receive.js")).receiveScreen },
  { hash: "#/returns", label: "Returns", roles: ["packer"], load: async () => (await import("../screens/returns.js")).returnsScreen },
  { hash: "#/count", label: "Count", roles: ["picker"], load: async () => (await import("../screens/count.js")).countScreen },
  { hash: "#/move", label: "Move", roles: ["picker"], load: async () => (await import("../screens/move.js")).moveScreen },
];

/** The floor role's sections this user may open, its home (`first`: {hash, label, make}) first. */
export function floorSections(role, first, sections = FLOOR_SECTIONS) {
  return [first, ...sections.filter((section) => section.roles.includes(role))];
}

/** The role's home with the floor sections as tabs (no tab row while the home is the only one). */
export function floorHome(user, services, first, sections = FLOOR_SECTIONS) {
  const mine = floorSections(user.role, first, sections);
  if (mine.length === 1) return first.make();
  return tabbedHome(mine, { network: services.network, services, user }, "Work");
}
