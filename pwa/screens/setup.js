// Setting the warehouse up from a phone. Admins get "Setup": products (search, add, scan a barcode to
// attach it), bins (add, print their labels), package types, users (create, role, password, disable)
// and sales channels (add, rotate the webhook secret — shown once, with a copy button; import a CSV
// file of orders and follow its progress and its bad lines; the stock feed's token). Supervisors
// and admins get "Devices": every phone with its owner, revoke one, and hand a revoked phone's unsent
// ops over — apply or discard the chosen ones.
//
// All of it is the server's to decide (unique codes, check digits, the last admin), so these are
// online actions, like the route planner: offline the screen says so and its buttons wait.

import { ApiError, loadSession, request, sessionEnded } from "../api.js";
import { h, inTurns, show } from "../dom.js";
import { printDocument } from "../printing.js";

const OFFLINE = "Setup needs a connection: changes are made on the server.";
const ROLES = [["picker", "Picker"], ["packer", "Packer"], ["driver", "Driver"], ["supervisor", "Supervisor"], ["admin", "Admin"]];
const LOCATION_KINDS = ["bin", "staging", "dock", "returns"];
const CHANNEL_KINDS = [["api", "REST API"], ["webhook", "Webhook"], ["shopify", "Shopify"], ["woocommerce", "WooCommerce"], ["csv", "CSV upload"]];
const PAGES = [["products", "Products"], ["bins", "Bins"], ["types", "Package types"], ["users", "Users"], ["channels", "Channels"]];
// Scans that are plainly not a product's barcode: attaching one would confuse every later scan.
const NOT_A_PRODUCT = { tote: "a tote", order_like: "an order", sscc: "a package (SSCC)" };

/** The code to attach for a scan: a GTIN as printed, the GTIN of a GS1 element string, or the text. */
export function barcodeOf(meaning) {
  if (!meaning) return null;
  // A GTIN the interpreter finds wrong (check digit) goes to the server as typed: it says why it refuses.
  if (meaning.kind === "gtin") return meaning.code ?? meaning.text;
  if (meaning.gtin) return meaning.gtin;
  return meaning.text || meaning.scan || null;
}

/** A CSV import's counts in words: "120 of 400 rows · 50 new orders · 2 already known · 1 bad row". */
export function importSummary(job) {
  const rows = job.rows_total === null ? `${job.rows_done} rows` : `${job.rows_done} of ${job.rows_total} rows`;
  return `${rows} · ${plural(job.orders_created, "new order")} · ${job.orders_duplicate} already known · ${plural(job.rows_bad, "bad row")}`;
}

/** The headline of an import: still going, finished, or stopped (with the server's reason). */
export function importTitle(job) {
  const name = job.file_name || "the file";
  if (job.status === "done") return `Imported ${name}`;
  if (job.status === "failed") return `Import of ${name} stopped: ${job.error}`;
  return `Importing ${name}…`;
}

/**
 * POST a file as it is (the browser streams it from disk) with the session's bearer token; the
 * server's answer, or ApiError like `request`.
 */
async function sendFile(path, file, contentType) {
  const session = loadSession();
  const headers = { Accept: "application/json", "Content-Type": contentType };
  if (session) headers.Authorization = `Bearer ${session.token}`;
  let response;
  try {
    response = await fetch(path, { method: "POST", headers, body: file });
  } catch {
    throw new ApiError(0, { error: "offline", message: "Can't reach the server. Check the connection and try again." });
  }
  const data = await response.json().catch(() => null);
  if (response.ok) return data;
  if (response.status === 401 && session) sessionEnded();
  throw new ApiError(response.status, data);
}

/** "…a1b2" hints are the server's; this only words a channel's secret state. */
export function secretText(channel) {
  return channel.secret_hint ? `Secret ${channel.secret_hint}` : "No secret";
}

/**
 * A tiny online-only page frame shared by both screens: an offline notice, one request at a time,
 * the server's refusal shown as it words it, and a redraw after every action.
 */
function frame(network, title, draw) {
  const state = { online: true, busy: false };
  const offlineNote = h("p.notice", { role: "status", hidden: true }, OFFLINE);
  const problem = h("p.error", { role: "alert" });
  const message = h("p.setup-message", { role: "status" });
  const body = h("div.setup-body");
  const root = h("section.screen.setup-screen", h("div.screen-head", h("h1", title)), offlineNote, problem, message, body);

  // One at a time, in the order asked for: one asked for while another runs waits its turn, never dropped.
  const inTurn = inTurns();
  const act = (work, done) => inTurn(() => actNow(work, done));

  async function actNow(work, done) {
    if (!state.online) return;
    state.busy = true;
    refresh();
    problem.textContent = "";
    message.textContent = "";
    try {
      const said = await work();
      if (typeof said === "string") message.textContent = said;
      done?.();
    } catch (error) {
      problem.textContent = error.message;
    } finally {
      state.busy = false;
      render();
    }
  }

  function refresh() {
    offlineNote.hidden = state.online;
    for (const el of root.querySelectorAll("[data-online]")) el.disabled = !state.online || state.busy;
  }

  /**
   * Draw the page again. `keepTyped`: for a redraw the person did not ask for (a list arriving, an
   * import's progress) — what they typed or chose in a field, and where the cursor was, survive it.
   */
  function render({ keepTyped = false } = {}) {
    const typed = keepTyped ? changedFields(body) : [];
    const focused = keepTyped && body.contains(document.activeElement) ? document.activeElement.id : "";
    draw(body);
    for (const [id, value] of typed) {
      const field = body.querySelector(`#${CSS.escape(id)}`);
      if (field) field.value = value;
    }
    if (focused) body.querySelector(`#${CSS.escape(focused)}`)?.focus();
    refresh();
  }

  const unsubscribe = network.subscribe((online) => {
    if (online === state.online) return;
    state.online = online;
    refresh();
  });
  return { root, act, render, refresh, state, problem, message, dispose: unsubscribe };
}

/** [id, value] of every field under `root` whose value is no longer the one it was drawn with. */
function changedFields(root) {
  const changed = [];
  for (const el of root.querySelectorAll("input[id], textarea[id], select[id]")) {
    if (el.type === "file" || el.type === "checkbox" || el.type === "radio") continue;
    const drawn = el instanceof HTMLSelectElement ? ([...el.options].find((o) => o.defaultSelected) ?? el.options[0])?.value : el.defaultValue;
    if (el.value !== drawn) changed.push([el.id, el.value]);
  }
  return changed;
}

/** A labelled input (or select) in a `.field`; `id` ties the label to it. */
function field(id, label, control) {
  control.id = id;
  return h("div.field", h("label", { for: id }, label), control);
}

function input(attrs = {}) {
  return h("input", { type: "text", autocomplete: "off", autocapitalize: "off", spellcheck: "false", ...attrs });
}

function select(options, value) {
  return h("select", options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
}

function button(label, onclick, { kind = "secondary", name = null, online = true } = {}) {
  return h(`button.${kind}`, { type: "button", onclick, "aria-label": name, "data-online": online ? "" : null }, label);
}

/** A destructive button asks once more on its own face, instead of a blocking dialog. */
function confirming(label, confirmLabel, action, name = null) {
  let armed = null;
  const el = button(label, () => {
    if (armed) {
      clearTimeout(armed);
      armed = null;
      action();
      return;
    }
    el.textContent = confirmLabel;
    el.classList.add("armed");
    armed = setTimeout(() => {
      armed = null;
      el.textContent = label;
      el.classList.remove("armed");
    }, 4000);
  }, { name });
  return el;
}

function number(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
}

function when(iso) {
  if (!iso) return "";
  const at = new Date(iso);
  return at.toLocaleString("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

// -- Setup (admins) ----------------------------------------------------------------------------------

/** setupScreen({network, services}) → {root, title, dispose}. */
export function setupScreen({ network, services }) {
  const scanning = services?.scanning;
  let page = "products";
  let scanner = null; // open only on a product's page: the wedge listens page-wide while it exists
  const data = { products: null, query: "", product: null, bins: null, zone: "", types: null, users: null, user: null, channels: null, shown: null };
  const imports = {}; // channel code → its latest CSV import job, followed while it runs
  let following = null;
  let loading = 0; // the latest list load; an earlier one answering late is ignored

  const ui = frame(network, "Setup", draw);
  const act = ui.act;
  const nav = h(
    "nav.setup-nav",
    { "aria-label": "What to set up" },
    PAGES.map(([key, label]) => h("button.setup-page", { type: "button", "data-page": key, onclick: () => open(key) }, label)),
  );
  ui.root.insertBefore(nav, ui.root.children[1]);

  function open(key) {
    page = key;
    data.product = null;
    data.user = null;
    data.shown = null;
    ui.problem.textContent = "";
    ui.message.textContent = "";
    load();
  }

  /**
   * Read the open page's list. Not gated by an action in flight: a tap on another page while the
   * first list is still coming must load that page. Only the latest load's answer is kept.
   */
  function load() {
    const loaders = {
      products: () => request("GET", `/api/products?q=${encodeURIComponent(data.query)}`),
      bins: () => request("GET", "/api/locations"),
      types: () => request("GET", "/api/package-types?all=true"),
      users: () => request("GET", "/api/users"),
      channels: () => request("GET", "/api/channels"),
    };
    if (!ui.state.online) return ui.render();
    const ticket = ++loading;
    const wanted = page;
    ui.render();
    loaders[wanted]().then((value) => {
      if (ticket !== loading) return;
      data[wanted] = value;
      ui.render({ keepTyped: true }); // the forms below the list may already hold what the admin typed
    }, (error) => {
      if (ticket !== loading) return;
      ui.problem.textContent = error.message;
      ui.render({ keepTyped: true });
    });
  }

  function draw(body) {
    for (const b of nav.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.page === page));
    if (page !== "products" || !data.product) closeScanner();
    const pages = { products: productsPage, bins: binsPage, types: typesPage, users: usersPage, channels: channelsPage };
    show(body, pages[page]());
  }

  // -- products --

  function productsPage() {
    if (data.product) return productPage(data.product);
    const search = input({ type: "search", value: data.query, placeholder: "SKU or name", enterkeyhint: "search" });
    const sku = input({ maxlength: 64, required: true });
    const name = input({ maxlength: 200, required: true, autocapitalize: "sentences", spellcheck: "true" });
    const list = data.products;
    return [
      h("form.setup-search", { role: "search", onsubmit: (e) => { e.preventDefault(); data.query = search.value.trim(); load(); } },
        field("product-search", "Find a product", search), h("button.secondary", { type: "submit", "data-online": "" }, "Search")),
      list === null ? h("p.muted", ui.state.online ? "Loading products…" : "Products are shown when the phone is online.")
        : list.length === 0 ? h("p.muted", "No products match.")
          : h("ul.setup-list", { "aria-label": "Products" }, list.map((p) => h("li", h("button.setup-row", { type: "button", "data-sku": p.sku, onclick: () => { data.product = p; ui.render(); } },
            h("span.setup-row-title", p.sku), h("span.setup-row-sub", `${p.name}${p.active ? "" : " · retired"} · ${plural(p.barcodes.length, "barcode")}`))))),
      h("form.setup-form", { "aria-label": "Add a product", onsubmit: (e) => {
        e.preventDefault();
        act(async () => {
          data.product = await request("POST", "/api/products", { sku: sku.value.trim(), name: name.value.trim() });
          data.products = null;
          return `Product ${data.product.sku} added — scan its barcode to attach it.`;
        });
      } },
      h("h2", "Add a product"),
      field("new-sku", "SKU", sku),
      field("new-name", "Name", name),
      h("button.primary.wide", { type: "submit", "data-online": "" }, "Add product")),
    ];
  }

  function productPage(p) {
    const name = input({ value: p.name, maxlength: 200, autocapitalize: "sentences", spellcheck: "true" });
    const weight = input({ type: "number", inputmode: "numeric", min: 0, value: p.weight_g });
    const reorder = input({ type: "number", inputmode: "numeric", min: 0, value: p.reorder_point });
    if (scanning && !scanner) {
      scanner = scanning.createScanner({ onScan: (scan) => attach(scan) });
    }
    return [
      button("← All products", () => { data.product = null; load(); }, { online: false }),
      h("div.setup-head", h("h2", p.sku), h("span.badge", p.active ? "Active" : "Retired")),
      h("h3", "Barcodes"),
      p.barcodes.length === 0 ? h("p.muted", "No barcode yet.")
        : h("ul.setup-list.barcodes", { "aria-label": "Barcodes" }, p.barcodes.map((b) => h("li.setup-item",
          h("span.setup-code", b.code, h("span.muted", ` ${b.kind}`)),
          confirming("Remove", "Tap to remove", () => act(async () => {
            data.product = await request("DELETE", `/api/products/${encodeURIComponent(p.sku)}/barcodes/${encodeURIComponent(b.code)}`);
            return `Barcode ${b.code} removed.`;
          }), `Remove barcode ${b.code}`)))),
      h("p.setup-prompt", "Scan barcode to attach: camera, hardware scanner, or type it below."),
      scanner?.element,
      h("form.setup-form", { "aria-label": "Product details", onsubmit: (e) => {
        e.preventDefault();
        act(async () => {
          data.product = await request("POST", `/api/products/${encodeURIComponent(p.sku)}`, {
            name: name.value.trim(), weight_g: number(weight.value || 0), reorder_point: number(reorder.value || 0),
          });
          return "Saved.";
        });
      } },
      h("h3", "Details"),
      field("product-name", "Name", name),
      h("div.setup-two", field("product-weight", "Weight (g)", weight), field("product-reorder", "Reorder point", reorder)),
      h("button.primary.wide", { type: "submit", "data-online": "" }, "Save"),
      ),
      button(p.active ? "Retire product" : "Make active again", () => act(async () => {
        data.product = await request("POST", `/api/products/${encodeURIComponent(p.sku)}`, { active: !p.active });
        return data.product.active ? "Active again." : "Retired.";
      }), { kind: "secondary.wide" }),
    ];
  }

  function attach(scan) {
    const p = data.product;
    if (!p) return;
    let meaning;
    try {
      meaning = scanning.interpret(scan.text);
    } catch {
      meaning = { text: scan.text }; // the GS1 rules not loaded yet: the text as scanned
    }
    if (NOT_A_PRODUCT[meaning.kind]) {
      scanning.feedback("error", `That is ${NOT_A_PRODUCT[meaning.kind]}, not a product barcode`);
      return;
    }
    const code = barcodeOf(meaning);
    if (!code) return;
    if (!ui.state.online || ui.state.busy) {
      scanning.feedback("error", ui.state.online ? "Still saving the last scan — scan again" : OFFLINE);
      return;
    }
    act(async () => {
      try {
        data.product = await request("POST", `/api/products/${encodeURIComponent(p.sku)}/barcodes`, { code });
      } catch (problem) {
        scanning.feedback("error", problem.message);
        throw problem;
      }
      scanning.feedback("ok", `${code} attached to ${p.sku}`);
      return `Barcode ${code} attached to ${p.sku}.`;
    });
  }

  function closeScanner() {
    scanner?.destroy?.();
    scanner = null;
  }

  // -- bins --

  function binsPage() {
    const code = input({ maxlength: 32, required: true });
    const zone = input({ maxlength: 16 });
    const kind = select(LOCATION_KINDS.map((k) => [k, k[0].toUpperCase() + k.slice(1)]), "bin");
    const seq = input({ type: "number", inputmode: "numeric", min: 0, required: true });
    const bins = data.bins;
    const zones = bins ? [...new Set(bins.map((b) => b.zone))].sort() : [];
    const zoneSelect = select([["", "All zones"], ...zones.map((z) => [z, z || "No zone"])], data.zone);
    zoneSelect.addEventListener("change", () => { data.zone = zoneSelect.value; ui.render(); });
    const shown = (bins ?? []).filter((b) => !data.zone || b.zone === data.zone);
    const zoneQuery = data.zone ? `?zone=${encodeURIComponent(data.zone)}` : "";
    return [
      h("div.pair", field("bin-zone", "Zone", zoneSelect), button("Print labels", () => act(async () => {
        await printDocument(`/print/locations/labels${zoneQuery}`, data.zone ? `labels-${data.zone}` : "labels");
        return `Labels of ${plural(shown.length, "bin")} sent to the printer.`;
      }), { name: data.zone ? `Print labels of zone ${data.zone}` : "Print all labels" })),
      bins === null ? h("p.muted", ui.state.online ? "Loading bins…" : "Bins are shown when the phone is online.")
        : h("ul.setup-list", { "aria-label": "Bins" }, shown.map((b) => h("li.setup-item", { "data-code": b.code },
          h("span", h("strong", b.code), h("span.muted", ` ${b.kind}${b.zone ? ` · ${b.zone}` : ""} · #${b.path_seq}`)),
          button("Label", () => act(async () => {
            await printDocument(`/print/locations/${encodeURIComponent(b.code)}/label`, `label-${b.code}`);
            return `Label ${b.code} sent to the printer.`;
          }), { name: `Print label ${b.code}` })))),
      h("form.setup-form", { "aria-label": "Add a bin", onsubmit: (e) => {
        e.preventDefault();
        act(async () => {
          const made = await request("POST", "/api/locations", { code: code.value.trim(), kind: kind.value, zone: zone.value.trim(), path_seq: number(seq.value) });
          data.bins = await request("GET", "/api/locations");
          return `Bin ${made.code} added.`;
        });
      } },
      h("h2", "Add a bin"),
      field("new-bin-code", "Code", code),
      h("div.setup-two", field("new-bin-kind", "Kind", kind), field("new-bin-zone", "Zone", zone)),
      field("new-bin-seq", "Place on the walk (path order)", seq),
      h("button.primary.wide", { type: "submit", "data-online": "" }, "Add bin")),
    ];
  }

  // -- package types --

  function typesPage() {
    const code = input({ maxlength: 16, required: true });
    const name = input({ maxlength: 100, required: true, autocapitalize: "sentences" });
    const dims = ["length", "width", "height"].map(() => input({ type: "number", inputmode: "numeric", min: 0, value: 0 }));
    const max = input({ type: "number", inputmode: "numeric", min: 0, value: 0 });
    const types = data.types;
    return [
      types === null ? h("p.muted", ui.state.online ? "Loading package types…" : "Package types are shown when the phone is online.")
        : h("ul.setup-list", { "aria-label": "Package types" }, types.map((t) => h("li.setup-item",
          h("span", h("strong", t.code), h("span.muted", ` ${t.name}${t.active ? "" : " · retired"}`)),
          button(t.active ? "Retire" : "Use again", () => act(async () => {
            await request("POST", `/api/package-types/${encodeURIComponent(t.code)}`, { active: !t.active });
            data.types = await request("GET", "/api/package-types?all=true");
          }), { name: `${t.active ? "Retire" : "Use again"} ${t.code}` })))),
      h("form.setup-form", { "aria-label": "Add a package type", onsubmit: (e) => {
        e.preventDefault();
        act(async () => {
          const [length_mm, width_mm, height_mm] = dims.map((d) => number(d.value || 0));
          const made = await request("POST", "/api/package-types", { code: code.value.trim(), name: name.value.trim(), length_mm, width_mm, height_mm, max_weight_g: number(max.value || 0) });
          data.types = await request("GET", "/api/package-types?all=true");
          return `Package type ${made.code} added.`;
        });
      } },
      h("h2", "Add a package type"),
      h("div.setup-two", field("new-type-code", "Code", code), field("new-type-name", "Name", name)),
      h("div.setup-three", field("new-type-length", "Length (mm)", dims[0]), field("new-type-width", "Width (mm)", dims[1]), field("new-type-height", "Height (mm)", dims[2])),
      field("new-type-max", "Max weight (g, 0: none)", max),
      h("button.primary.wide", { type: "submit", "data-online": "" }, "Add package type")),
    ];
  }

  // -- users --

  function usersPage() {
    if (data.user) return userPage(data.user);
    const username = input({ maxlength: 64, required: true });
    const display = input({ maxlength: 128, autocapitalize: "words" });
    const role = select(ROLES, "picker");
    const password = input({ type: "password", autocomplete: "new-password", minlength: 8, required: true });
    const users = data.users;
    return [
      users === null ? h("p.muted", ui.state.online ? "Loading users…" : "Users are shown when the phone is online.")
        : h("ul.setup-list", { "aria-label": "Users" }, users.map((u) => h("li", h("button.setup-row", { type: "button", "data-username": u.username, onclick: () => { data.user = u; ui.render(); } },
          h("span.setup-row-title", u.username), h("span.setup-row-sub", `${roleName(u.role)}${u.active === false ? " · disabled" : ""}`))))),
      h("form.setup-form", { "aria-label": "Add a user", onsubmit: (e) => {
        e.preventDefault();
        act(async () => {
          const made = await request("POST", "/api/users", { username: username.value.trim(), display_name: display.value.trim(), role: role.value, password: password.value });
          data.users = await request("GET", "/api/users");
          return `${made.username} can sign in now as ${roleName(made.role).toLowerCase()}.`;
        });
      } },
      h("h2", "Add a user"),
      field("new-username", "Username", username),
      field("new-display", "Name shown", display),
      field("new-role", "Role", role),
      field("new-password", "Password", password),
      h("button.primary.wide", { type: "submit", "data-online": "" }, "Add user")),
    ];
  }

  function userPage(u) {
    const role = select(ROLES, u.role);
    const password = input({ type: "password", autocomplete: "new-password", minlength: 8 });
    const path = `/api/users/${encodeURIComponent(u.username)}`;
    async function reread(answer) {
      data.users = await request("GET", "/api/users");
      data.user = data.users.find((x) => x.username === u.username) ?? answer;
    }
    return [
      button("← All users", () => { data.user = null; load(); }, { online: false }),
      h("div.setup-head", h("h2", u.username), h("span.badge", u.active === false ? "Disabled" : roleName(u.role))),
      h("p.muted", u.display_name),
      h("div.pair", field("user-role", "Role", role), button("Change role", () => act(async () => {
        await reread(await request("POST", `${path}/role`, { role: role.value }));
        return `${u.username} is now ${roleName(role.value).toLowerCase()}; their sessions ended.`;
      }))),
      h("form.pair", { "aria-label": "Reset password", onsubmit: (e) => {
        e.preventDefault();
        act(async () => {
          await request("POST", `${path}/password`, { password: password.value });
          return `New password set for ${u.username}; their sessions ended.`;
        });
      } }, field("user-password", "New password", password), h("button.secondary", { type: "submit", "data-online": "" }, "Reset password")),
      u.active === false
        ? button("Enable user", () => act(async () => { await reread(await request("POST", `${path}/enable`)); return `${u.username} can sign in again.`; }), { kind: "secondary.wide" })
        : confirming("Disable user", "Tap again to disable", () => act(async () => { await reread(await request("POST", `${path}/disable`)); return `${u.username} is disabled; their sessions ended.`; })),
    ];
  }

  // -- channels --

  function channelsPage() {
    const code = input({ maxlength: 32, required: true });
    const name = input({ maxlength: 128, required: true, autocapitalize: "words" });
    const kind = select(CHANNEL_KINDS, "shopify");
    const channels = data.channels;
    return [
      data.shown && secretCard(data.shown),
      channels === null ? h("p.muted", ui.state.online ? "Loading channels…" : "Channels are shown when the phone is online.")
        : h("ul.setup-list", { "aria-label": "Channels" }, channels.map((c) => h("li.setup-item.channel.channel-card", { "data-code": c.code },
          h("span", h("strong", c.name), h("span.muted", ` ${c.code} · ${kindName(c.kind)}${c.active ? "" : " · inactive"}`), h("span.secret-hint", secretText(c)),
            stockWebhookText(c) && h("span.secret-hint", stockWebhookText(c))),
          c.kind !== "manual" && confirming("Rotate secret", "Tap to rotate", () => act(async () => {
            const rotated = await request("POST", `/api/channels/${encodeURIComponent(c.code)}`, { rotate_secret: true });
            data.shown = rotated;
            data.channels = await request("GET", "/api/channels");
            return `New secret for ${c.code}: the old one no longer signs.`;
          }), `Rotate the secret of ${c.code}`),
          c.kind !== "manual" && importPanel(c)))),
      h("form.setup-form", { "aria-label": "Add a channel", onsubmit: (e) => {
        e.preventDefault();
        act(async () => {
          const made = await request("POST", "/api/channels", { code: code.value.trim(), name: name.value.trim(), kind: kind.value });
          data.shown = made;
          data.channels = await request("GET", "/api/channels");
          return `Channel ${made.code} added.`;
        });
      } },
      h("h2", "Add a channel"),
      field("new-channel-code", "Code", code),
      field("new-channel-name", "Name", name),
      field("new-channel-kind", "Kind", kind),
      h("button.primary.wide", { type: "submit", "data-online": "" }, "Add channel")),
    ];
  }

  function importPanel(channel) {
    const id = `csv-file-${channel.code}`;
    const job = imports[channel.code];
    // The file input lies, invisible, over its label: a tap anywhere on "Import CSV" opens the picker.
    return h("div.csv-import",
      h("span.file-pick",
        h("input.file-input", { type: "file", id, accept: ".csv,text/csv", "data-online": "", onchange: (e) => {
          const file = e.target.files?.[0];
          if (file) startImport(channel, file);
        } }),
        h("label.secondary.file-button", { for: id }, "Import CSV")),
      job && importView(job));
  }

  function importView(job) {
    const open = job.status === "queued" || job.status === "running";
    return h("div.csv-job", { "data-testid": "csv-import", "data-status": job.status },
      h("p.csv-job-title", { role: "status" }, importTitle(job)),
      h("progress.wave-progress", { max: job.rows_total || 1, value: job.rows_total ? job.rows_done : open ? null : 1, "aria-label": "Rows imported" }),
      h("p.muted", importSummary(job)),
      job.report.length > 0 && h("ul.csv-report", { "aria-label": "Bad rows" }, job.report.map((p) =>
        h("li", h("strong", `Line ${p.line}`), ` ${p.external_ref ? `${p.external_ref}: ` : ""}${p.reason}`))),
      job.report_more > 0 && h("p.muted", `…and ${plural(job.report_more, "more problem")} not listed.`));
  }

  function startImport(channel, file) {
    act(async () => {
      const path = `/api/channels/${encodeURIComponent(channel.code)}/imports?name=${encodeURIComponent(file.name)}`;
      imports[channel.code] = await sendFile(path, file, "text/csv");
      follow(channel.code);
      return `${file.name} is being imported into ${channel.code}.`;
    });
  }

  /** Re-read a running import every second until it ends; the page redraws with each reading. */
  function follow(code) {
    clearTimeout(following);
    const job = imports[code];
    if (!job || (job.status !== "queued" && job.status !== "running")) return;
    following = setTimeout(async () => {
      try {
        imports[code] = await request("GET", `/api/channels/imports/${job.id}`);
      } catch {
        // Offline for a moment: the next reading catches up.
      }
      if (page === "channels" && !ui.state.busy) ui.render({ keepTyped: true });
      follow(code);
    }, 1000);
  }

  function tokenCard(channel) {
    if (!channel.api_token) return null;
    return h("div.token",
      h("h3", "Stock feed token"),
      h("p", `A storefront reads ${channel.code}'s stock with it: Authorization: Bearer <token>. Shown this once.`),
      h("code.secret", { "data-testid": "channel-token" }, channel.api_token));
  }

  function secretCard(channel) {
    const copied = h("span.muted", { role: "status" });
    return h("section.secret-card", { "aria-label": `Webhook secret of ${channel.code}` },
      h("h2", `Webhook secret of ${channel.code}`),
      h("p", "Copy it now: it is shown this once. Afterwards only its last four characters are."),
      h("code.secret", { "data-testid": "channel-secret" }, channel.webhook_secret),
      tokenCard(channel),
      h("div.pair",
        button("Copy secret", async () => {
          try {
            await navigator.clipboard.writeText(channel.webhook_secret);
            copied.textContent = "Copied.";
          } catch {
            copied.textContent = "Copying is not allowed here: select the text and copy it.";
          }
        }, { kind: "primary", online: false }),
        button("Done", () => { data.shown = null; ui.render(); }, { online: false })),
      copied);
  }

  load();
  return {
    root: ui.root,
    title: "Setup",
    dispose: () => {
      clearTimeout(following);
      closeScanner();
      ui.dispose();
    },
  };
}

// -- Devices (supervisors and admins) ------------------------------------------------------------------

/** devicesScreen({network}) → {root, title, dispose}. */
export function devicesScreen({ network }) {
  let devices = null;
  let open = null; // the revoked device whose unsent ops are shown
  let ops = null;
  let results = null;
  const chosen = new Set();
  const ui = frame(network, "Devices", draw);
  const act = ui.act;

  function load() {
    if (!ui.state.online) return ui.render();
    act(async () => { devices = await request("GET", "/api/devices"); });
  }

  function draw(body) {
    if (open) return show(body, opsPage());
    show(body,
      devices === null ? h("p.muted", "Devices are shown when the phone is online.")
        : devices.length === 0 ? h("p.muted", "No phone is registered yet.")
          : h("ul.setup-list", { "aria-label": "Devices" }, devices.map((d) => h("li.setup-item.device", { "data-device-id": d.device_id },
            h("span", h("strong", d.name || "Unnamed phone"), h("span.muted", ` ${d.owner}`),
              h("span.setup-row-sub", d.revoked_at ? `Revoked ${when(d.revoked_at)}` : lastSeen(d))),
            d.revoked_at
              ? button("Unsent ops", () => showOps(d), { name: `Unsent ops of ${d.name || d.owner}` })
              : confirming("Revoke", "Tap again to revoke", () => act(async () => {
                await request("POST", `/api/devices/${encodeURIComponent(d.device_id)}/revoke`);
                devices = await request("GET", "/api/devices");
                return `${d.name || "The phone"} is revoked: its sessions ended, its unsent ops will wait here.`;
              }), `Revoke ${d.name || d.owner}`)))),
    );
  }

  function showOps(device) {
    act(async () => {
      ops = await request("GET", `/api/devices/${encodeURIComponent(device.device_id)}/quarantined`);
      open = device;
      results = null;
      chosen.clear();
    });
  }

  function opsPage() {
    const reason = input({ maxlength: 500, autocapitalize: "sentences", spellcheck: "true" });
    const pending = ops.filter((o) => o.status === "pending");
    const path = `/api/devices/${encodeURIComponent(open.device_id)}/quarantined`;
    async function decide(verb, body) {
      const seqs = [...chosen].sort((a, b) => a - b);
      if (!seqs.length) throw new Error("Choose the ops first.");
      results = await request("POST", `${path}/${verb}`, { seqs, ...body });
      ops = await request("GET", path);
      chosen.clear();
      return `${plural(results.length, "op")} handled.`;
    }
    return [
      button("← All devices", () => { open = null; load(); }, { online: false }),
      h("h2", `Unsent ops of ${open.name || "the phone"} (${open.owner})`),
      ops.length === 0 ? h("p.muted", "This phone left nothing unsent.")
        : h("ul.setup-list.quarantined", { "aria-label": "Unsent ops" }, ops.map((o) => h("li.setup-item", { "data-seq": o.seq },
          o.status === "pending"
            ? h("label.check", h("input", { type: "checkbox", checked: chosen.has(o.seq), onchange: (e) => (e.target.checked ? chosen.add(o.seq) : chosen.delete(o.seq)) }), h("span", opText(o)))
            : h("span", opText(o), h("span.setup-row-sub", handled(o)))))),
      results && h("ul.setup-results", { "aria-label": "What happened" }, results.map((r) => h("li", { "data-status": r.status }, `#${r.seq}: ${r.status.replace("_", " ")}${r.message ? ` — ${r.message}` : ""}`))),
      pending.length > 0 && h("div.setup-decide",
        button("Apply selected", () => act(() => decide("apply", {})), { kind: "primary" }),
        field("discard-reason", "Why discard (kept for the audit)", reason),
        button("Discard selected", () => act(() => {
          if (!reason.value.trim()) throw new Error("Say why the ops are discarded.");
          return decide("discard", { reason: reason.value.trim() });
        }))),
    ];
  }

  load();
  return { root: ui.root, title: "Devices", dispose: ui.dispose };
}

function opText(o) {
  const args = Object.entries(o.args ?? {}).map(([k, v]) => `${k} ${v}`).join(", ");
  return `#${o.seq} ${o.type}${args ? ` (${args})` : ""}${o.at ? ` · ${when(o.at)}` : ""}`;
}

function handled(o) {
  const outcome = o.outcome ? ` (${o.outcome.status}${o.outcome.code ? `: ${o.outcome.code}` : ""})` : "";
  return ` ${o.status}${outcome} by ${o.handled_by} ${when(o.handled_at)}${o.reason ? ` — ${o.reason}` : ""}`;
}

function lastSeen(d) {
  const seen = d.last_seen ?? d.last_push_at;
  return seen ? `Last seen ${when(seen)} · ${plural(d.last_seq, "op")} sent` : `${plural(d.last_seq, "op")} sent`;
}

function roleName(role) {
  return ROLES.find(([r]) => r === role)?.[1] ?? role;
}

/** How the channel's stock webhook is doing, when it has one. */
export function stockWebhookText(channel) {
  const hook = channel.stock_webhook;
  if (!channel.stock_webhook_url || !hook) return null;
  if (hook.last_failure && hook.failed > 0) return `Stock webhook failing: ${hook.last_failure.error}`;
  return hook.last_delivered_at ? `Stock sent ${when(hook.last_delivered_at)}` : "Stock webhook waiting for its first delivery";
}

function kindName(kind) {
  return CHANNEL_KINDS.find(([k]) => k === kind)?.[1] ?? kind;
}

function plural(n, word) {
  return `${n}\u00a0${word}${n === 1 ? "" : "s"}`;
}
