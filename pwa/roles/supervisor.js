// Supervisors and admins: the orders overview and the own fleet's routes, one tab each (#/orders,
// #/routes; the address keeps the tab across a reload). The routes screen is imported when first
// opened, so watching orders never loads it. Their pulled exceptions are kept on the phone for the
// exception screen to come.

import { h } from "../dom.js";
import { ordersScreen } from "../screens/orders.js";

const TABS = [
  ["#/orders", "Orders"],
  ["#/routes", "Routes"],
];

function tabs(current) {
  return h(
    "nav.tabs",
    { "aria-label": "Supervisor screens" },
    TABS.map(([href, name]) => h("a.tab", { href, "aria-current": href === current ? "page" : null }, name)),
  );
}

function home(user, services) {
  if (location.hash !== "#/routes") {
    const screen = ordersScreen();
    return { ...screen, root: h("div", tabs("#/orders"), screen.root) };
  }
  const slot = h("section.screen", h("div.screen-head", h("h1", "Routes")));
  const root = h("div", tabs("#/routes"), slot);
  let screen = null;
  let gone = false;
  import("../screens/routes.js").then(({ routesScreen }) => {
    if (gone) return;
    screen = routesScreen({ network: services.network });
    slot.replaceWith(screen.root);
  });
  return {
    root,
    title: "Routes",
    dispose: () => {
      gone = true;
      screen?.dispose?.();
    },
  };
}

export default { home };
