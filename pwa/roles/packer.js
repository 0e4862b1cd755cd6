// The packer: no packing screen yet, so the orders overview; the wording for packing and shipping
// outcomes is ready for the screen that will queue those ops.

import { ordersScreen } from "../screens/orders.js";

const stopShipping = (args) => `Do not ship ${args.package}: unpack it and return the units to stock.`;

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
    case "package_sealed":
      return say("Not packed", "Set the items aside for review by your supervisor.");
    default:
      return null;
  }
}

export default {
  home: () => ordersScreen(),
  outcomes: { pack: packWording, ship: packWording },
};
