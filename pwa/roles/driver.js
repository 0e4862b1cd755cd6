// The driver: the route screen is still to come; its pulled packages are kept on the phone already.

import { h } from "../dom.js";

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

function deliveryWording(code, facts, say) {
  switch (code) {
    case "conflicting_delivery":
    case "already_delivered":
      return say("Kept as evidence", "Nothing to do now; your supervisor will review it.");
    default:
      return null;
  }
}

export default {
  home: () => driverScreen(),
  outcomes: { deliver: deliveryWording, deliver_failed: deliveryWording },
};
