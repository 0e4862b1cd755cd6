// The one table of roles: what the whole device must know about each role, and where its module is.
// A role's module (screen, view, outcome wording) is imported only when a user of that role signs
// in, so a picker's phone never loads the driver's screens.
//
// The pulled lists are here rather than in the role's module because IndexedDB is shared by every
// user who signs in on this phone: its schema (pwa/store.js) must hold every role's stores before
// any role's module is loaded. `since` is the storage version that first created the store; a new
// store takes the next version, and the upgrade creates it on phones that are already installed.
//
// Adding a role: write pwa/roles/<role>.js (see picker.js for the shape) and add its line below.

const TASKS = { list: "tasks", entity: "pick_task", store: "tasks", since: 1 };
const PACKAGES = { list: "packages", entity: "package", store: "packages", since: 1 };
const EXCEPTIONS = { list: "exceptions", entity: "exception", store: "exceptions", since: 1 };
const PACK_ORDERS = { list: "pack_orders", entity: "pack_order", store: "pack_orders", since: 2 };
const PACKAGE_TYPES = { list: "package_types", entity: "package_type", store: "package_types", since: 2 };
const ROUTES = { list: "routes", entity: "route", store: "routes", since: 2 };
const STOPS = { list: "stops", entity: "route_stop", store: "stops", since: 2 };
// Follow-up work a supervisor (or the engine) assigned to this phone's user: a count, a put-back.
const FLOOR_TASKS = { list: "floor_tasks", entity: "floor_task", store: "floor_tasks", since: 3 };
// Stock purchase orders open for receiving, with what to expect and where to put it (Goods in).
const RECEIPTS = { list: "receipts", entity: "purchase_order", store: "receipts", since: 4 };
// Returns the packer's bench may receive: open RMAs with their lines and barcodes.
const RMAS = { list: "rmas", entity: "rma", store: "rmas", since: 4 };
// What ad hoc floor work needs offline: every product with the codes that name it, every bin code,
// and (for a count's "the book has these too") what the book holds per bin.
const CATALOG = { list: "catalog", entity: "product", store: "catalog", since: 4 };
const BINS = { list: "bins", entity: "location", store: "bins", since: 4 };
const BIN_STOCK = { list: "bin_stock", entity: "stock", store: "bin_stock", since: 4 };

/** role name → {label, pulls: [{list, entity, store, since}], load() → the role's module} */
export const ROLES = {
  picker: { label: "Picker", pulls: [TASKS, FLOOR_TASKS, RECEIPTS, CATALOG, BINS, BIN_STOCK], load: () => import("./picker.js") },
  packer: { label: "Packer", pulls: [PACK_ORDERS, PACKAGE_TYPES, RECEIPTS, RMAS, CATALOG, BINS], load: () => import("./packer.js") },
  driver: { label: "Driver", pulls: [ROUTES, STOPS, PACKAGES], load: () => import("./driver.js") },
  supervisor: { label: "Supervisor", pulls: [EXCEPTIONS], load: () => import("./supervisor.js") },
  admin: { label: "Admin", pulls: [EXCEPTIONS], load: () => import("./supervisor.js") },
};

/** Every pulled list of every role, each store once: where a pull's rows and tombstones land. */
export function pulledLists(roles = ROLES) {
  const byStore = new Map();
  for (const role of Object.values(roles)) {
    for (const pull of role.pulls) {
      const known = byStore.get(pull.store);
      if (known && (known.list !== pull.list || known.entity !== pull.entity || known.since !== pull.since)) {
        throw new Error(`two roles describe the store "${pull.store}" differently`);
      }
      byStore.set(pull.store, pull);
    }
  }
  return [...byStore.values()];
}

/**
 * The role's module for `name`: {home(user, services) → screen, view?(pulled, ops), outcomes?}.
 * null for a role this app has no screen for.
 */
export async function loadRole(name, roles = ROLES) {
  const entry = Object.hasOwn(roles, name) ? roles[name] : null;
  if (!entry) return null;
  const role = (await entry.load()).default;
  return { name, label: entry.label, pulls: entry.pulls, outcomes: {}, ...role };
}

/** The name a role is shown by; an unknown role is shown as it is spelled. */
export function roleLabel(name, roles = ROLES) {
  return Object.hasOwn(roles, name) ? roles[name].label : name;
}
