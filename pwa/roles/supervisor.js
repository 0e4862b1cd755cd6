// Supervisors and admins: the orders overview. Their pulled exceptions are kept on the phone for
// the exception screen to come.

import { ordersScreen } from "../screens/orders.js";

export default {
  home: () => ordersScreen(),
};
