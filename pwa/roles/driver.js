// The driver: the round on one screen (pwa/screens/driver.js), the pulled routes, stops and packages
// with this phone's unsent load scans, deliveries, failed attempts and returns replayed on top
// (pwa/routeflow.js), and what to do when the server decided a step otherwise.

import { routeView } from "../routeflow.js";
import { driverScreen } from "../screens/driver.js";

/** The routes by day with their stops in driving order, the unsent steps replayed. */
export function view(pulled, ops) {
  return routeView(pulled, ops);
}

const leaveIt = (args) => `Leave ${args.package ?? "the package"} at the depot; it was not loaded.`;

function shipWording(code, { args }, say) {
  switch (code) {
    case "other_route":
      return say("Not for this route", leaveIt(args));
    case "not_on_route":
      return say("Not planned on any route", leaveIt(args));
    case "unknown_route":
      return say("This route no longer exists", `${leaveIt(args)} Pull to refresh and tell your supervisor.`);
    case "order_cancelled":
      return say("Order cancelled", `Do not deliver ${args.package}: take it out of the van and back to the depot.`);
    case "order_on_hold":
      return say("Order on hold", `Do not deliver ${args.package}: take it back to the depot for your supervisor.`);
    case "already_delivered":
    case "already_returned":
      return say("Already handled", `${args.package} needs no loading. Nothing was recorded.`);
    default:
      return null;
  }
}

function deliveryWording(code, { args }, say) {
  switch (code) {
    case "conflicting_delivery":
      return say("Already delivered by someone else", `${args.package} was confirmed delivered before this one. Your proof is kept as evidence; your supervisor will review it.`);
    case "already_delivered":
      return say("Already delivered", `${args.package} was confirmed delivered first. Your report is kept as evidence; nothing to do now.`);
    case "order_cancelled":
    case "order_on_hold":
      return say("Order stopped", `Bring ${args.package} back to the depot and tell your supervisor.`);
    case "other_drivers_route":
      return say("A colleague's parcel", `${args.package} was on another driver's route. Your report counts; both of you are named to the supervisor.`);
    case "other_carrier":
      return say("Not an own-fleet parcel", `${args.package} went with another carrier. Bring it back to the depot; nothing was recorded.`);
    default:
      return null;
  }
}

function returnWording(code, { args }, say) {
  switch (code) {
    case "already_delivered":
      return say("Delivered, not returned", `${args.package} was confirmed delivered; if you still hold it, give it to your supervisor.`);
    case "not_out":
      return say("Not out for delivery", `${args.package} was never loaded on a route; leave it with your supervisor.`);
    default:
      return null;
  }
}

export const outcomes = { ship: shipWording, deliver: deliveryWording, deliver_failed: deliveryWording, return_to_depot: returnWording };

export default {
  home: (user, { data, scanning, outcomes: list }) => driverScreen(user, { data, scanning, outcomes: list }),
  view,
  outcomes,
};
