// What a scanned string means, on the device, before (or without) asking the server.
//
// A port of scanner/interpret.py: one entry point, `interpret(scan)`, for EAN/UPC and GTIN-14 codes,
// GS1 element strings (with or without a symbology identifier such as `]C1`, with GS separators),
// the parenthesised HRI form `(01)…(10)…`, GS1 Digital Link URIs, bare SSCCs, and Shipshape's own
// codes (`TOTE-…`, `ORD-<id>`, location codes). The answer has exactly the fields of the server's
// `Scan.as_dict()`, and both sides run the shared vectors in tests/scanner/vectors.json.
//
// Which AIs exist, their formats and patterns come from biip's own table, served by the server at
// /gs1/application-identifiers.json: load it once with `loadGs1Rules()` (or hand an already fetched
// table to `useGs1Rules()`, e.g. in a Worker). The rest mirrors biip's code: AI lookup, pattern
// matching, check digits, UPC-E expansion, dates, 310n weights, Digital Link parsing; and, like the
// server, the rules it adds to biip's (other GS1 keys' check digits, dates without day 00, DotCode,
// the Digital Link key found from the right), from the same small tables. Where Python
// behaves in a particular way (its `\d` and `int()` accept any script's digits, `repr()` quoting,
// urllib's splitting and percent-decoding), this does the same, so that the two always agree.

const GS = "\x1d"; // what scanners send for FNC1 between GS1 fields
const WHITESPACE = " \t\r\n\v\f"; // not GS: a leading GS is an FNC1 and means "GS1 data follows"
const PY_SPACE = "[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"; // Python's \s
const TOTE = /^TOTE-[A-Z0-9][A-Z0-9-]{0,26}$/i; // no u flag: "i" then matches ASCII letters only, like re.ASCII
const ORDER = /^ORD-([0-9]{1,9})$/i;
const LOCATION = /^(?=[^-]*-)(?=.*[A-Z])(?=.*[0-9])[A-Z0-9][A-Z0-9-]{0,31}$/;
const HRI_START = new RegExp(`^\\(${PY_SPACE}*[0-9]{2,4}${PY_SPACE}*\\)`);
const HRI_FIELD = /\(([0-9]{2,4})\)([^()]*)/g;
const GTIN_FORMATS = { 8: "ean8", 12: "upca", 13: "ean13", 14: "gtin14" };
const GS1_MESSAGES = new Set(["C1", "e0", "d2", "Q3", "J1"]); // biip's GS1Symbology.with_gs1_messages()
const WITH_GTIN = new Set(["E0", "E3", "E4", "I1"]); // GS1Symbology.with_gtin()
const GS1_SYMBOLOGIES = new Set([...GS1_MESSAGES, ...WITH_GTIN, "E1", "E2", "e1", "e2"]);
const ISO_SYMBOLOGIES = "ABCDEFGHIJKLMNOPQRSTUXYZcdeopsz"; // biip's, and DotCode's J (]J0 plain, ]J1 GS1)
const DATE_AIS = new Set(["11", "12", "13", "15", "16", "17", "4324", "4325", "4326", "7003", "7006", "7007", "7011", "8008"]);
// GS1 keys closed by a check digit that biip does not check (it checks 00-03 and 410-417): AI → where
// the digits are in the data (the `csum` rule of the GS1 Barcode Syntax Dictionary).
const KEY_DIGITS = {
  253: [0, 13], 255: [0, 13], 402: [0, 17], 8003: [1, 14], 8006: [0, 14], 8017: [0, 18], 8018: [0, 18], 8026: [0, 14],
};
// Dates whose day may not be 00 (`yymmdd`/`yyyymmdd` in the Syntax Dictionary): AI → [offset, year digits]
// of each date. Only 11, 12, 13, 15, 16, 17, 4324 and 4325 allow day 00, the month's last day.
const DATES_WITHOUT_DAY_00 = {
  4326: [[0, 2]], 7003: [[0, 2]], 7006: [[0, 2]], 7007: [[0, 2], [6, 2]], 7011: [[0, 2]], 8008: [[0, 2]],
  7250: [[0, 4]], 7251: [[0, 4]],
};
// biip's Digital Link primary identifiers, each with the qualifiers it allows, in their order.
const PRIMARY = new Map(Object.entries({
  "01": ["22", "10", "21", "235"], 8006: ["22", "10", "21"], 8013: [], 8010: ["8011"], 414: ["254", "7040"],
  415: ["8020"], 417: ["7040"], 8017: ["8019"], 8018: ["8019"], 255: [], "00": [], 253: [], 401: [], 402: [],
  8003: [], 8004: ["7040"],
}));

// Scan.as_dict()'s fields, in its order; absent parts are null.
const EMPTY = Object.fromEntries(["scan", "text", "kind", "valid", "symbology", "format", "code", "gtin", "sscc", "lot",
  "expiry", "best_before", "serial", "count", "weight_kg", "order_id", "error"].map((name) => [name, null]));

let rules = null;

/** Fetch biip's AI table from the server and use it. */
export async function loadGs1Rules(url = "/gs1/application-identifiers.json") {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load the GS1 rules from ${url}: HTTP ${response.status}`);
  useGs1Rules(await response.json());
}

/** Use an already fetched AI table (a list of {ai, description, data_title, format, pattern}). */
export function useGs1Rules(table) {
  rules = table.map((entry) => {
    const pattern = entry.pattern.replace(/\\d/g, "\\p{Nd}"); // Python's \d is any decimal digit
    return { ...entry, full: new RegExp(pattern, "u"), head: new RegExp(pattern.replace(/\$$/, ""), "u") };
  });
}

class Invalid extends Error { // a code of a recognised kind that breaks its rules; the message says how
  constructor(message, kind = "gs1") { super(message); this.kind = kind; }
}
class ParseError extends Error {} // biip's ParseError
class ValueError extends Error {} // Python's ValueError, from urllib

/** Turn any scanned string into its meaning (kind, GTIN, SSCC, lot, dates, …), without the server. */
export function interpret(scan) {
  if (!rules) throw new Error("interpret: the GS1 rules are not loaded; call loadGs1Rules() or useGs1Rules() first");
  let text = strip(scan, WHITESPACE);
  let symbology = null;
  let gs1Symbology = null;
  if (text.startsWith("]") && [...text].length >= 3) {
    const id = symbologyIdentifier(text); // "]" followed by something else is just text
    if (id) [symbology, gs1Symbology, text] = [id.value, id.gs1, text.slice(id.value.length)];
  }
  const fnc1 = text.startsWith(GS);
  text = strip(text, GS + WHITESPACE);
  const base = { ...EMPTY, scan, text, kind: "unknown", valid: true, symbology };
  if (!text) return { ...base, valid: false, error: "the scan is empty" };
  try {
    return read(base, text, gs1Symbology, fnc1);
  } catch (problem) {
    if (!(problem instanceof Invalid)) throw problem;
    const kind = problem.kind === "gs1" && leadsWithSscc(text) ? "sscc" : problem.kind;
    return { ...base, kind, valid: false, error: problem.message };
  }
}

function read(base, text, symbology, fnc1) {
  if (/^https?:\/\//i.test(text)) return digitalLink(base, text);
  if (HRI_START.test(text)) return gs1(base, hriElements(text), "hri");
  if (fnc1 || GS1_MESSAGES.has(symbology)) return gs1(base, elementStrings(text), "element_string");
  if (WITH_GTIN.has(symbology)) return gtinCode(base, text, symbology);
  return bare(base, text);
}

function bare(base, text) { // no symbology told us what this is (a camera never does): judge by content
  if (digits(text)) {
    if (text.length in GTIN_FORMATS) return gtinCode(base, text, null);
    if (text.length === 18) return ssccCode(base, text);
    if (text.length > 14 && ["00", "01", "02"].includes(text.slice(0, 2))) return gs1(base, elementStrings(text), "element_string");
    return { ...base, code: text };
  }
  // GS1 data read without its FNC1 starts with AI 01/02 + 14 digits, or AI 00 + 18.
  if (text.includes(GS) || /^(?:0[12][0-9]{14}|00[0-9]{18})/.test(text)) return gs1(base, elementStrings(text), "element_string");
  if (TOTE.test(text)) return { ...base, kind: "tote", code: text.toUpperCase() };
  const order = ORDER.exec(text);
  if (order) return { ...base, kind: "order_like", code: text.toUpperCase(), order_id: Number(order[1]) };
  if (LOCATION.test(text)) return { ...base, kind: "location_like", code: text };
  return { ...base, code: text };
}

function symbologyIdentifier(text) { // biip's SymbologyIdentifier.extract, or null
  const chars = [...text];
  if (!ISO_SYMBOLOGIES.includes(chars[1])) return null;
  let size = 1;
  if (chars[1] === "Y") { // system expansion: the next digit says how many modifier characters follow
    if (!isDecimal(chars[2])) return null;
    size = digitValue(chars[2]) + 1;
  }
  const code = chars[1] + chars.slice(2, 2 + size).join("");
  return { value: "]" + code, gs1: GS1_SYMBOLOGIES.has(code) ? code : null };
}

function leadsWithSscc(text) { // GS1 data whose first AI is 00 is about a logistic unit, even when broken
  return text.replace(/^\(+/, "").startsWith("00") || text.includes("/00/");
}

// -- GTIN, UPC, SSCC -------------------------------------------------------------------------------

function gtinCode(base, text, symbology) {
  if (symbology === "E3" && [15, 18].includes([...text].length)) text = [...text].slice(0, 13).join(""); // drop the add-on
  if (!digits(text)) throw new Invalid(`an EAN/UPC code has only digits; got ${repr(text)}`, "gtin");
  const upcE = symbology === "E0" && text.length >= 6 && text.length <= 8;
  if (!upcE && !(text.length in GTIN_FORMATS)) throw new Invalid(`a GTIN has 8, 12, 13 or 14 digits; got ${text.length}`, "gtin");
  if (!upcE) {
    const gtin = gtin14(text);
    if (gtin) return { ...base, kind: "gtin", format: GTIN_FORMATS[text.length], code: text, gtin };
    // Eight bare digits are EAN-8 or UPC-E; only the check digit can tell which was meant.
    if (!(text.length === 8 && symbology === null && upcEGtin(text))) {
      throw new Invalid(checkDigitError(text, checkDigit(text.slice(0, -1))), "gtin");
    }
  }
  const gtin = upcEGtin(text);
  if (gtin) return { ...base, kind: "gtin", format: "upce", code: text, gtin };
  if (!"01".includes(text[0])) throw new Invalid(`a UPC-E code starts with 0 or 1; got ${text[0]}`, "gtin");
  // UPC-E's check digit is that of its UPC-A expansion: find the one digit that is accepted.
  const expected = [..."0123456789"].find((d) => upcEGtin(text.slice(0, -1) + d));
  throw new Invalid(checkDigitError(text, expected), "gtin");
}

function ssccCode(base, text) {
  if (!ssccValid(text)) throw new Invalid(checkDigitError(text, checkDigit(text.slice(0, -1))), "sscc");
  return { ...base, kind: "sscc", format: "sscc", code: `(00)${text}`, sscc: text };
}

function checkDigitError(value, expected) {
  return `invalid check digit: expected ${expected}, got ${[...value].pop()}`;
}

function checkDigit(payload) { // biip.checksums.gs1_standard_check_digit
  const sum = [...payload].reverse().reduce((total, d, i) => total + digitValue(d) * (i % 2 ? 1 : 3), 0);
  return (10 - (sum % 10)) % 10;
}

function gtin14(value) { // biip's Gtin.parse(value).as_gtin_14(), or null when the check digit is wrong
  const chars = [...value];
  const size = chars.length;
  if (![8, 12, 13, 14].includes(size) || !chars.every(isDecimal)) return null;
  const significant = size - value.match(/^0*/)[0].length;
  const keep = [12, 13, 14].includes(size) && significant >= 9 && significant <= 12 ? 12 : size >= 8 && significant <= 8 ? 8 : significant;
  const payload = chars.slice(size - keep, -1);
  const check = digitValue(chars[size - 1]);
  if (check !== checkDigit(payload.join(""))) return null;
  return "0".repeat(Math.max(0, 13 - payload.length)) + payload.join("") + check;
}

function upcEGtin(text) { // biip's Upc.parse(text).as_gtin_14() for 6, 7 or 8 ASCII digits, or null
  const payload = text.length === 6 ? "0" + text : text.slice(0, 7);
  const check = text.length === 8 ? Number(text[7]) : checkDigit(upcA(payload + "0").slice(0, -1));
  if (Number(payload[0]) > 1 || check !== checkDigit(upcA(payload + check).slice(0, -1))) return null;
  return "00" + upcA(payload + check);
}

function upcA(e) { // UPC-E (8 digits) to UPC-A, GS1 General Specifications 5.2.2.4.2
  const last = Number(e[6]);
  if (last <= 2) return `${e.slice(0, 3)}${last}0000${e.slice(3, 6)}${e[7]}`;
  if (last === 3) return `${e.slice(0, 4)}00000${e.slice(4, 6)}${e[7]}`;
  if (last === 4) return `${e.slice(0, 5)}00000${e[5]}${e[7]}`;
  return `${e.slice(0, 6)}0000${last}${e[7]}`;
}

function ssccValid(value) { // biip's Sscc.parse succeeds
  const chars = [...value];
  return chars.length === 18 && chars.every(isDecimal) && digitValue(chars[17]) === checkDigit(chars.slice(0, 17).join(""));
}

// -- GS1 element strings, HRI, Digital Link -------------------------------------------------------

function elementStrings(text) { // AI, then its data up to its fixed length or to the next GS
  const elements = [];
  for (let rest = text; rest; ) {
    const element = oneElement(rest, false);
    elements.push(element);
    rest = rest.slice(element.ai.ai.length + element.value.length).replace(/^\x1d+/, "");
  }
  return elements;
}

function hriElements(text) {
  const hri = text.replace(new RegExp(PY_SPACE, "g"), "");
  const fields = [...hri.matchAll(HRI_FIELD)];
  if (!fields.length || fields.map((m) => m[0]).join("") !== hri) {
    throw new Invalid(`not GS1 HRI: expected (AI)data(AI)data…, got ${repr(text)}`);
  }
  return fields.map(([, ai, data]) => {
    if (!isAi(ai)) throw new Invalid(`unknown application identifier (AI) (${ai})`);
    return oneElement(ai + data, true);
  });
}

function knownAi(text) { // biip's GS1ApplicationIdentifier.extract: the first AI in the table that starts text
  return rules.find((rule) => text.startsWith(rule.ai)) || null;
}

function isAi(key) {
  return digits(key) && knownAi(key)?.ai === key;
}

function parseElement(text, whole) { // biip's GS1ElementString.parse (whole) or .extract
  const ai = knownAi(text);
  if (!ai) throw new ParseError(`Failed to get GS1 Application Identifier from ${repr(text)}.`);
  const value = whole ? text : text.split(GS, 1)[0];
  const match = (whole ? ai.full : ai.head).exec(value);
  if (!match) throw new ParseError(`Failed to match ${repr(value)} with GS1 AI (${ai.ai}) pattern '${ai.pattern}'.`);
  const groups = match.slice(1).filter((group) => group !== undefined);
  const element = { ai, value: groups.join(""), broken: false, gtin: null, date: null, decimal: null };
  // A wrong GTIN or SSCC check digit is only recorded, as biip does; oneElement() reports it.
  if (["01", "02", "03"].includes(ai.ai)) element.broken = !(element.gtin = gtin14(element.value));
  if (ai.ai === "00") element.broken = !ssccValid(element.value);
  if (ai.ai.startsWith("41")) element.broken = !checkDigitValid(element.value); // a GLN
  if (DATE_AIS.has(ai.ai) && ai.ai !== "7007") { // biip reads 7007's second date as a time; checked in oneElement
    element.date = gs1Date(element.value);
    if (!element.date) throw new ParseError(`Failed to parse GS1 AI (${ai.ai}) date/time from ${repr(element.value)}.`);
  }
  if (/^310[0-9]$/.test(ai.ai)) { // net weight in kg; the AI's last digit says how many decimals
    const amount = [...groups.at(-1)].map(digitValue).join("");
    const point = amount.length - Number(ai.ai[3]);
    element.decimal = Number(`${amount.slice(0, point)}.${amount.slice(point)}`);
  }
  return element;
}

function gs1Date(value) { // biip's YYMMDD[hh[mm[ss]]] with its century rule; day 00 is the month's last day
  const chars = [...value];
  const pairs = [];
  for (let i = 0; i < chars.length; i += 2) pairs.push(number(chars.slice(i, i + 2).join("")));
  const [yy, month, hour, minute = 0, second = 0] = [pairs[0], pairs[1], pairs[3], pairs[4], pairs[5]];
  const now = new Date().getUTCFullYear();
  const century = now - (now % 100) + (yy - (now % 100) >= 51 ? -100 : yy - (now % 100) <= -50 ? 100 : 0);
  const year = century + yy;
  if (month < 1 || month > 12) return null;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = pairs[2] || last;
  if (day > last) return null;
  if (hour !== undefined && !(hour === 99 && minute === 99) && (hour > 23 || minute > 59 || second > 59)) return null;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

function oneElement(text, whole) {
  const ai = knownAi(text);
  if (!ai) throw new Invalid(`unknown application identifier (AI) at ${repr([...text].slice(0, 4).join(""))}`);
  const data = whole ? text.slice(ai.ai.length) : text.slice(ai.ai.length).split(GS, 1)[0];
  const name = `AI (${ai.ai}) ${ai.data_title}`;
  if (!data) throw new Invalid(`${name}: no data; expected ${formatWords(ai)}`);
  let element;
  try {
    element = parseElement(text, whole);
  } catch (problem) {
    if (problem instanceof ParseError) throw new Invalid(diagnose(ai, data, whole));
    throw problem;
  }
  if (!element.value) throw new Invalid(`${name}: no data; expected ${formatWords(ai)}`);
  // biip's patterns take any script's digits; GS1 data is ASCII.
  if (/[^\x00-\x7f]/.test(element.value)) throw new Invalid(`${name}: ${repr(element.value)} has characters outside the GS1 character set`);
  const span = KEY_DIGITS[ai.ai];
  const key = element.broken ? element.value : span ? element.value.slice(...span) : "";
  if (key && (element.broken || !checkDigitValid(key))) {
    throw new Invalid(`${name}: ${checkDigitError(key, checkDigit(key.slice(0, -1)))}`);
  }
  if (ai.ai === "8013" || ai.ai === "8014") checkCharacterPair(name, element.value); // GMN, MUDI
  for (const [offset, yearDigits] of DATES_WITHOUT_DAY_00[ai.ai] ?? []) {
    strictDate(name, element.value.slice(offset, offset + yearDigits + 4), yearDigits);
  }
  return element;
}

// The check character pair of a GMN or MUDI (GS1 General Specifications 7.9.5, the `csumalpha` linter):
// the characters' places in the 82-character set, weighted from the right by the primes 2, 3, 5, …,
// summed modulo 1021, give two 5-bit values written in a 32-character set.
const CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83];

function checkCharacterPair(name, value) {
  if (value.length < 2) throw new Invalid(`${name}: ${repr(value)} is too short to end in its two check characters`);
  const payload = [...value.slice(0, -2)].reverse();
  const total = payload.reduce((sum, char, i) => sum + CSET82.indexOf(char) * (PRIMES[i] ?? 0), 0) % 1021;
  const expected = CSET32[total >> 5] + CSET32[total & 31];
  if (value.slice(-2) !== expected) throw new Invalid(`${name}: invalid check characters: expected ${expected}, got ${value.slice(-2)}`);
}

function checkDigitValid(digitString) { // ASCII digits whose last is the GS1 check digit of the others
  return Number(digitString.at(-1)) === checkDigit(digitString.slice(0, -1));
}

function strictDate(name, date, yearDigits) { // a date of an AI whose format has no day 00: a real day
  if (date.length < yearDigits + 4) return; // an optional date that is absent (7007's second)
  const problem = `${name}: ${repr(date)} is not a valid date (${yearDigits === 2 ? "YY" : "YYYY"}MMDD)`;
  if (date.endsWith("00")) throw new Invalid(`${problem}: this AI has no day 00`);
  if (yearDigits === 2 ? !gs1Date(date) : !realDate(...[date.slice(0, 4), date.slice(4, 6), date.slice(6, 8)].map(Number))) {
    throw new Invalid(problem);
  }
}

function realDate(year, month, day) { // Python's datetime.date accepts it (Date.UTC would read years < 100 as 19xx)
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const last = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return year >= 1 && day >= 1 && day <= last;
}

function diagnose(ai, data, whole) { // why biip refused a field: wrong length or characters, or no such date
  const name = `AI (${ai.ai}) ${ai.data_title}`;
  const shape = shapeOf(ai);
  const fits = shape && new RegExp(whole ? `^(?:${shape})$` : `^(?:${shape})`, "u").exec(data);
  if (!fits) return `${name}: expected ${formatWords(ai)}, got ${repr(data)}`;
  const field = fits[0];
  if (ai.description.toLowerCase().includes("date")) {
    const layout = /\(([YMDhms[\]]+)\)/.exec(ai.description);
    return `${name}: ${repr(field)} is not a valid date${layout ? ` (${layout[1]})` : ""}`;
  }
  if (digits(field)) return `${name}: ${repr(field)} is not a valid value`;
  return `${name}: ${repr(field)} has characters outside the GS1 character set`;
}

function formatParts(ai) { // biip's format after the AI, `N2+X..20` → [["X", true, 20]]; null with optional parts
  const parts = ai.format.split("+").slice(1).map((part) => /^([NX])(\.\.)?([0-9]+)$/.exec(part));
  return parts.length && parts.every(Boolean) ? parts.map(([, kind, dots, size]) => [kind, Boolean(dots), size]) : null;
}

function shapeOf(ai) { // the field's length and character class only (no calendar, no check digit)
  return formatParts(ai)?.map(([kind, variable, size]) => (kind === "N" ? "[0-9]" : "[^\\n]") + (variable ? `{1,${size}}` : `{${size}}`)).join("");
}

function formatWords(ai) { // `N2+N14` → "14 digits"
  const parts = formatParts(ai);
  if (!parts) return `the format ${ai.format}`;
  return parts.map(([kind, variable, size]) => `${variable ? "up to " : ""}${size} ${kind === "N" ? "digits" : "characters"}`).join(" then ");
}

function digitalLink(base, text) {
  let elements;
  let link = text;
  try {
    link = fromPrimaryKey(text);
    elements = parseDigitalLink(link);
  } catch (problem) {
    if (problem instanceof ValueError) return { ...base, kind: "url", valid: false, error: `not a valid link: ${problem.message}` };
    if (!(problem instanceof ParseError)) throw problem;
    if (problem.message.includes("primary identifier")) return { ...base, kind: "url", code: text }; // e.g. a tracking page
    diagnoseLink(link); // throws the precise problem when one field is at fault
    throw new Invalid(`not a valid GS1 Digital Link: ${problem.message}`);
  }
  // Re-check each element: biip records GTIN/SSCC check digit problems instead of raising.
  return gs1(base, elements.map((element) => oneElement(element.ai.ai + element.value, true)), "digital_link");
}

// GS1 Digital Link finds the primary key from the right: walking back over `/AI/value` pairs (the key
// qualifiers), the first AI that is a primary key is it, and all before it is the site's own path
// (`https://a/00/faux/00/006141411234567890` is the SSCC 006141411234567890). The parser below, like
// biip, takes the leftmost, so it gets the link from there. A GTIN key has 8, 12, 13 or 14 digits (the
// parser pads any value to 14). A link with no such pair is left as it is, for the parser to refuse.
function fromPrimaryKey(text) {
  const { scheme, netloc, path, query, fragment } = urlsplit(text);
  const segments = path.split("/");
  for (let at = segments.length - 2; at > 0; at -= 2) {
    const [key, value] = [segments[at], segments[at + 1]];
    if (PRIMARY.has(key)) {
      if (key === "01" && ![8, 12, 13, 14].includes([...unquote(value)].length)) {
        throw new Invalid(`AI (01) GTIN: a GTIN in a link has 8, 12, 13 or 14 digits, got ${repr(unquote(value))}`);
      }
      return urlunsplit(scheme, netloc, "/" + segments.slice(at).join("/"), query, fragment);
    }
    if (!isAi(key)) break;
  }
  return text;
}

function parseDigitalLink(text) { // biip's GS1DigitalLinkURI.parse: the element strings, or a ParseError
  const { path, query } = urlsplit(text);
  let parts = path.split("/");
  while (parts.length && !PRIMARY.has(parts[0])) parts.shift(); // the link's own path prefix
  if (!parts.length) throw new ParseError(`Expected a primary identifier in the path, got '${path}'.`);
  if (parts.length % 2) throw new ParseError(`Expected even number of path segments, got ${repr("/" + parts.join("/"))}.`);
  parts = parts.map(unquote);
  const value = parts[0] === "01" ? zfill(parts[1], 14) : parts[1];
  const elements = [parseElement(parts[0] + value, true)];
  const expected = [...PRIMARY.get(parts[0])];
  for (let i = 2; i < parts.length; i += 2) {
    if (!expected.length) throw new ParseError(`Did not expect a qualifier, got ${repr(parts[i])}.`);
    const names = expected.join(", ");
    let found = false;
    while (expected.length && !found) found = expected.shift() === parts[i]; // in order, each once
    if (!found) throw new ParseError(`Expected one of (${names}) as qualifier, got ${repr(parts[i])}.`);
    elements.push(parseElement(parts[i] + parts[i + 1], true));
  }
  for (const [key, last] of new Map(parseQsl(query))) { // an AI given twice: the last value counts
    const ai = rules.find((rule) => rule.ai === key);
    if (ai) elements.push(parseElement(ai.ai + last, true)); // other query parameters are ignored
  }
  return elements;
}

function diagnoseLink(text) { // check a broken link's `/AI/value` and `AI=value` pairs one by one
  const { path, query } = urlsplit(text);
  const segments = path.split("/").filter(Boolean).map(unquote);
  while (segments.length && !isAi(segments[0])) segments.shift();
  const pairs = [];
  for (let i = 0; i + 1 < segments.length; i += 2) pairs.push([segments[i], segments[i + 1]]);
  if (pairs.length && pairs[0][0] === "01" && [8, 12, 13].includes([...pairs[0][1]].length)) {
    pairs[0][1] = zfill(pairs[0][1], 14); // a GTIN-8, -12 or -13 as the link's key, as the parser reads it
  }
  for (const [key, value] of [...pairs, ...parseQsl(query)]) if (isAi(key)) oneElement(key + value, true);
}

function gs1(base, elements, format) {
  const byAi = new Map();
  for (const element of elements) {
    if (!byAi.has(element.ai.ai)) byAi.set(element.ai.ai, element);
    const seen = byAi.get(element.ai.ai);
    if (seen.value !== element.value) {
      throw new Invalid(`AI (${element.ai.ai}) appears twice with different values: ${repr(seen.value)} and ${repr(element.value)}`);
    }
  }
  const gtin = byAi.get("01") || byAi.get("02");
  const sscc = byAi.get("00");
  const count = byAi.get("30") || byAi.get("37");
  const weight = elements.find((element) => /^310[0-9]$/.test(element.ai.ai));
  return {
    ...base,
    kind: sscc ? "sscc" : "gs1",
    format,
    code: elements.map((element) => `(${element.ai.ai})${element.value}`).join(""),
    gtin: gtin?.gtin ?? null,
    sscc: sscc?.value ?? null,
    lot: byAi.get("10")?.value ?? null,
    expiry: byAi.get("17")?.date ?? null,
    best_before: byAi.get("15")?.date ?? null,
    serial: byAi.get("21")?.value ?? null,
    count: count ? number(count.value) : null,
    weight_kg: weight?.decimal ?? null,
  };
}

// -- Python's ways, where they decide the answer ---------------------------------------------------

function urlsplit(url) { // urllib.parse.urlsplit for an http(s):// URL, or a ValueError
  url = url.replace(/[\t\r\n]/g, "");
  const scheme = url.slice(0, url.indexOf(":")).toLowerCase();
  let rest = url.slice(url.indexOf(":") + 3);
  const end = rest.search(/[/?#]/);
  const netloc = end < 0 ? rest : rest.slice(0, end);
  rest = end < 0 ? "" : rest.slice(end);
  if (netloc.includes("[") !== netloc.includes("]")) throw new ValueError("Invalid IPv6 URL");
  if (netloc.includes("[")) checkBracketedHost(netloc.slice(netloc.indexOf("[") + 1).split("]")[0]);
  const path = rest.split("#")[0];
  const query = path.includes("?") ? path.slice(path.indexOf("?") + 1) : "";
  const fragment = rest.includes("#") ? rest.slice(rest.indexOf("#") + 1) : "";
  checkNetloc(netloc);
  return { scheme, netloc, path: path.split("?")[0], query, fragment };
}

function urlunsplit(scheme, netloc, path, query, fragment) { // urllib.parse.urlunsplit, for a path from "/"
  return `${scheme}://${netloc}${path}${query ? "?" + query : ""}${fragment ? "#" + fragment : ""}`;
}

function checkBracketedHost(host) {
  if (host.startsWith("v")) {
    if (!/^v[a-fA-F0-9]+\.[^\n]+$/u.test(host)) throw new ValueError("IPvFuture address is invalid");
  } else if (isIPv4(host)) {
    throw new ValueError("An IPv4 address cannot be in brackets");
  } else if (!isIPv6(host)) {
    throw new ValueError(`${repr(host)} does not appear to be an IPv4 or IPv6 address`);
  }
}

function checkNetloc(netloc) { // characters like \u2100 that NFKC-normalise to "a/c"
  const n = netloc.replace(/[@:#?]/g, "");
  if (/^[\0-\x7f]*$/.test(netloc) || n === n.normalize("NFKC")) return;
  if (/[/?#@:]/.test(n.normalize("NFKC"))) {
    throw new ValueError(`netloc '${netloc}' contains invalid characters under NFKC normalization`);
  }
}

function isIPv4(text) { // ipaddress.IPv4Address accepts it
  const octets = text.split(".");
  return octets.length === 4 && octets.every((o) => /^(?:0|[1-9][0-9]{0,2})$/.test(o) && Number(o) <= 255);
}

function isIPv6(text) { // ipaddress.IPv6Address accepts it: 8 hextets, or up to 7 around one "::"; a %scope
  const [address, ...scope] = text.split("%");
  if (scope.length > 1 || scope[0] === "") return false;
  const v4 = /^(.*:)([^:]*\.[^:]*)$/.exec(address); // an IPv4 suffix stands for two hextets
  const halves = (v4 ? (isIPv4(v4[2]) ? v4[1] + "0:0" : "?") : address).split("::");
  const hextets = halves.flatMap((half) => (half ? half.split(":") : []));
  if (halves.length > 2 || !hextets.every((hextet) => /^[0-9a-fA-F]{1,4}$/.test(hextet))) return false;
  return halves.length === 2 ? hextets.length <= 7 : hextets.length === 8;
}

function unquote(text) { // urllib.parse.unquote: %XX as UTF-8, broken sequences as U+FFFD
  if (!text.includes("%")) return text;
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let out = "";
  let bytes = [];
  for (let i = 0; i < text.length; ) {
    if (text[i] === "%" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 3;
      continue;
    }
    out += decoder.decode(new Uint8Array(bytes)) + text[i++];
    bytes = [];
  }
  return out + decoder.decode(new Uint8Array(bytes));
}

function parseQsl(query) { // urllib.parse.parse_qsl: `&`-separated, blank values dropped
  return query.split("&").filter((field) => /=./s.test(field)).map((field) => {
    const at = field.indexOf("=");
    return [field.slice(0, at), field.slice(at + 1)].map((part) => unquote(part.replace(/\+/g, " ")));
  });
}

function zfill(text, width) {
  const fill = "0".repeat(Math.max(0, width - [...text].length));
  return /^[+-]/.test(text) ? text[0] + fill + text.slice(1) : fill + text;
}

function repr(text) { // Python's repr() of a str, as the server's error messages quote text
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0);
    const named = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", [quote]: "\\" + quote }[ch];
    if (named) out += named;
    else if (code < 0x20 || code === 0x7f || (code > 0x7f && /[\p{C}\p{Z}]/u.test(ch))) {
      const [prefix, size] = code < 0x100 ? ["\\x", 2] : code < 0x10000 ? ["\\u", 4] : ["\\U", 8];
      out += prefix + code.toString(16).padStart(size, "0");
    } else out += ch;
  }
  return quote + out + quote;
}

function strip(text, chars) {
  let [start, end] = [0, text.length];
  while (start < end && chars.includes(text[start])) start++;
  while (end > start && chars.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

const digits = (text) => /^[0-9]+$/.test(text); // ASCII digits only
const isDecimal = (ch) => /^\p{Nd}$/u.test(ch ?? ""); // any script's decimal digit, like Python's isdecimal()

function digitValue(ch) { // Python's int() of one decimal digit of any script: scripts keep 0-9 contiguous
  const code = ch.codePointAt(0);
  let zero = code;
  while (isDecimal(String.fromCodePoint(zero - 1))) zero--;
  return (code - zero) % 10;
}

function number(text) { // Python's int() of decimal digits of any script
  return Number([...text].map(digitValue).join(""));
}
