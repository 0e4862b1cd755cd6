// What a receiver is told when the server booked a receipt otherwise than the phone expected, for the
// floor roles' outcome maps (pwa/roles/picker.js, packer.js). Tiny and eager on purpose: the outcome
// list is drawn on every tab, the Goods-in screen itself is loaded only when opened.

/** (code, {args, sku, bin}, say) → wording for `receive` / `close_receipt` outcomes, or null. */
export function receiveWording(code, { args, sku, bin }, say) {
  const po = args.po ? `PO-${String(args.po).padStart(5, "0")}` : "the PO";
  switch (code) {
    case "over_receipt":
      return say(`More ${sku} than ${po} ordered`, `Keep them in ${bin}: they are booked, and your supervisor sorts it out with the supplier.`);
    case "not_on_po":
      return say(`${sku} is not on ${po}`, `Keep them in ${bin}: they are booked, and your supervisor checks the delivery.`);
    case "po_not_open":
      return say(`${po} is not open for receiving`, `The units are booked into ${bin}; your supervisor checks the order.`);
    case "awaits_approval":
      return say("Receipt waits for a supervisor", `A large receipt of ${sku}: leave the units in ${bin} until it is approved.`);
    case "unknown_po":
      return say(`No purchase order ${po}`, "Nothing was recorded. Set the goods aside and tell your supervisor.");
    case "forbidden_op":
      return say("You may not receive goods", "Nothing was recorded. Ask your supervisor.");
    default:
      return null;
  }
}
