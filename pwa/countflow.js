// Counting a bin and moving units, by scan, offline: what a scan names (a bin, a product of the pulled
// catalog, a lot), what the book holds in a bin (the pulled book with this phone's unsent counts and
// moves replayed on top), and which of the book's SKUs a count has not covered yet. Pure but for
// `floorBook`, which reads the store it is given: the screens (pwa/screens/count.js, move.js) keep the
// state and the outbox; the tests run these in node.

/** An index of the pulled catalog and bins: every code that names a product (SKU, barcodes, GTINs). */
export function catalogIndex(catalog = [], bins = []) {
  const products = new Map();
  for (const product of catalog) {
    if (product.active === false) continue;
    for (const code of [product.sku, ...(product.barcodes ?? [])]) products.set(code, product);
  }
  return { products, bins: new Map(bins.map((bin) => [bin.code, bin])) };
}

/**
 * What a scan names: {kind: "bin", code} | {kind: "item", sku, name, lot, count} | {kind: "unknown", text}.
 * `meaning` is pwa/scan/interpret.js's answer (GS1: gtin, lot from AI 10, count from AI 30/37).
 */
export function whatIs(index, meaning) {
  const text = (meaning.text ?? meaning.scan ?? "").trim();
  if (index.bins.has(text)) return { kind: "bin", code: text };
  const product =
    (meaning.gtin && (index.products.get(meaning.gtin) ?? index.products.get(meaning.gtin.replace(/^0+/, "")))) ||
    index.products.get(text) ||
    (meaning.code && index.products.get(meaning.code));
  if (product) return { kind: "item", sku: product.sku, name: product.name, lot: meaning.lot ?? "", count: meaning.count ?? null };
  return { kind: "unknown", text };
}

/** whatIs for a scanned text, read by `interpret` (pwa/scan/interpret.js); text it cannot read is unknown. */
export function whatScanned(index, interpret, text) {
  let meaning;
  try {
    meaning = interpret(text);
  } catch {
    meaning = { text: text.trim(), kind: "unknown" };
  }
  return whatIs(index, meaning);
}

/** What the count and move screens show, from the phone's store: {pulled, ops (unsent), index}. */
export async function floorBook(store) {
  const pulled = await store.pulled();
  const ops = [...(await store.settlingOps()), ...(await store.pendingOps())];
  return { pulled, ops, index: catalogIndex(pulled.catalog, pulled.bins) };
}

const key = (sku, lot) => `${sku}\u0000${lot ?? ""}`;

/**
 * The book of one bin as this phone believes it: [{sku, lot, on_hand}] with on_hand > 0, from the
 * pulled `bin_stock` with the unsent (and not yet pulled) counts and moves replayed in order.
 */
export function binBook(binStock = [], ops = [], code) {
  const book = new Map();
  for (const row of binStock) if (row.location === code) book.set(key(row.sku, row.lot), { sku: row.sku, lot: row.lot ?? "", on_hand: row.on_hand });
  const change = (sku, lot, f) => {
    const k = key(sku, lot);
    const row = book.get(k) ?? { sku, lot: lot ?? "", on_hand: 0 };
    row.on_hand = Math.max(0, f(row.on_hand));
    book.set(k, row);
  };
  for (const op of ops) {
    const a = op.args ?? {};
    if (op.type === "count" && a.location === code) change(a.sku, a.lot, () => a.counted);
    else if (op.type === "move" && a.from_location === code) change(a.sku, a.lot, (n) => n - a.qty);
    else if (op.type === "move" && a.to_location === code) change(a.sku, a.lot, (n) => n + a.qty);
  }
  return [...book.values()].filter((row) => row.on_hand > 0).sort((a, b) => a.sku.localeCompare(b.sku) || a.lot.localeCompare(b.lot));
}

/** The book's SKUs (and lots) in the bin that the count has no line for: each must be answered "0?". */
export function uncounted(book, lines) {
  const counted = new Set(lines.map((line) => key(line.sku, line.lot)));
  return book.filter((row) => !counted.has(key(row.sku, row.lot)));
}

/** Add one scan to a list of lines [{sku, name, lot, qty}]: the same SKU and lot adds up (a GS1 count adds that many). */
export function addScan(lines, item) {
  const units = item.count && item.count > 0 ? item.count : 1;
  const at = lines.findIndex((line) => line.sku === item.sku && line.lot === (item.lot ?? ""));
  if (at < 0) return [...lines, { sku: item.sku, name: item.name ?? "", lot: item.lot ?? "", qty: units }];
  return lines.map((line, i) => (i === at ? { ...line, qty: line.qty + units } : line));
}

/**
 * The count ops for a finished bin: one per line (zeros confirmed included). The count task `task`
 * (if any) is answered by the first op it fits: a task for one SKU by that SKU's, a whole-bin task by
 * the first (the server closes the bin's other open counts of those SKUs as the counts are booked).
 */
export function countOps(code, lines, task = null) {
  let answered = false;
  return lines.map((line) => {
    const args = { location: code, sku: line.sku, counted: line.qty };
    if (line.lot) args.lot = line.lot;
    if (task && !answered && task.location === code && (!task.sku || task.sku === line.sku)) {
      args.task_id = task.id;
      answered = true;
    }
    return { type: "count", args };
  });
}

/** The move ops for units carried from one bin to another: one per SKU and lot. */
export function moveOps(from, to, lines) {
  return lines
    .filter((line) => line.qty > 0)
    .map((line) => ({ type: "move", args: { from_location: from, to_location: to, sku: line.sku, qty: line.qty, ...(line.lot ? { lot: line.lot } : {}) } }));
}

/** An unsent count or move in words, for the "waiting to send" list. */
export function opText(op) {
  const a = op.args ?? {};
  const lot = a.lot ? ` (lot ${a.lot})` : "";
  if (op.type === "count") return `Count ${a.counted} × ${a.sku}${lot} in ${a.location}`;
  if (op.type === "move") return `Move ${a.qty} × ${a.sku}${lot} ${a.from_location} → ${a.to_location}`;
  return op.type;
}
