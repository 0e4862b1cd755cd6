// The packer: the pack bench and the dock (pwa/screens/packer.js), the pulled orders with this
// phone's unsent pack / seal / ship ops replayed on top (pwa/packflow.js), and what to do with the
// units or the package when the server decided otherwise.

import { benchView } from "../packflow.js";
import { packerScreen } from "../screens/packer.js";
import { floorHome } from "./floorwork.js";
import { receiveWording } from "../receivewords.js";

const stopShipping = (args) => `Do not ship ${args.package}: unpack it and return the units to stock.`;

/** The bench: orders oldest promise first with the unsent ops replayed, and the package types to tap. */
export function view(pulled, ops) {
  const types = [...(pulled.package_types ?? [])].sort((a, b) => a.code.localeCompare(b.code));
  // Returns (pwa/screens/returns.js) replay their own receipts over the pulled RMAs.
  const returns = { rmas: pulled.rmas ?? [], ops: ops.filter((op) => op.type === "return_receive") };
  return { orders: benchView(pulled.pack_orders ?? [], ops), types, returns };
}

function packWording(code, { args, sku }, say) {
  switch (code) {
    case "order_cancelled":
      return say("Order cancelled", args.package ? stopShipping(args) : "Set the items aside and return them to stock.");
    case "order_on_hold":
      return say("Order on hold", args.package ? stopShipping(args) : "Set the items aside for your supervisor.");
    case "wrong_item":
      return say("Wrong item for this order", `Set ${sku} aside; it was not packed.`);
    case "not_picked":
    case "already_packed":
    case "package_of_other_order":
      return say("Not packed", "Set the items aside for review by your supervisor.");
    case "package_sealed":
      return args.package_type
        ? say(`${args.package} was already sealed`, "Keep the package as it is; the first seal counts.")
        : say(`${args.package} is already sealed`, `Put ${sku} into a new package and scan it again.`);
    case "unknown_package_type":
      return say(`No package type ${args.package_type}`, `${args.package} is not sealed. Seal it again with a type from the list.`);
    case "empty_package":
      return say(`${args.package} is empty`, "Scan the items into it, then seal it again.");
    case "overweight":
      return say(`${args.package} is heavier than its box allows`, "It was sealed as weighed. Check the box before it leaves; your supervisor was told.");
    case "already_delivered":
    case "already_returned":
      return say(`${args.package} was not handed over`, "The server says it already left. Give it to your supervisor.");
    default:
      return null;
  }
}

function returnWording(code, { args, sku }, say) {
  switch (code) {
    case "not_on_rma":
      return say(`${sku} is not on ${args.rma}`, "Nothing was booked. Set the item aside for your supervisor.");
    case "more_than_expected":
      return say(`More ${sku} than ${args.rma} expected`, args.condition === "resellable" ? `The units were booked into ${args.location}; your supervisor was told.` : "The units were scrapped as scanned; your supervisor was told.");
    case "more_than_sent":
      return say(`More ${sku} than the order sent`, "Nothing was booked. Set the items aside for your supervisor.");
    case "rma_closed":
      return say(`${args.rma} is closed`, "Nothing was booked. Set the parcel aside for your supervisor.");
    case "unknown_rma":
      return say(`No return ${args.rma}`, "Nothing was booked. Set the parcel aside for your supervisor.");
    default:
      return null;
  }
}

export const outcomes = {
  pack: packWording,
  seal: packWording,
  ship: packWording,
  receive: receiveWording,
  close_receipt: receiveWording,
  return_receive: returnWording,
};

export default {
  home: (user, services) => floorHome(user, services, { hash: "#/pack", label: "Pack", make: () => packerScreen(user, services) }),
  view,
  outcomes,
};
