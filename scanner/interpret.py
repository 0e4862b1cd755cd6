"""What a scanned string means, before anyone asks the database.

One entry point, `interpret(scan)`, for everything a camera or a keyboard-wedge scanner can hand
us: EAN/UPC and GTIN-14 codes, GS1 element strings (with or without a symbology identifier such
as `]C1`, `]d2`, `]Q3`, `]e0`, with GS separators), the parenthesised HRI form `(01)…(10)…`, GS1
Digital Link URIs, bare SSCCs, and Shipshape's own code conventions (`TOTE-…`, `ORD-<id>`,
location codes). Which AIs exist, their formats, GTIN/SSCC/GLN check digits and dates come from
biip; nothing here knows an AI table of its own. Where biip is more lenient than GS1's Barcode Syntax
Dictionary and Digital Link standard, small tables here add the rest: the check digits of the other
GS1 keys, dates that have no day 00, DotCode's `]J`, and a Digital Link's key found from the right.

The result is plain data with the same fields as the shared test vectors
(`tests/scanner/vectors.json`), which the browser's offline interpreter is checked against too.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, replace
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from biip import ParseConfig, ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier

# biip's own table of Digital Link primary keys; it has no public name, and a copy could drift from it.
from biip.gs1_digital_link_uris import _PRIMARY_IDENTIFIER_MAP, GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gtin import Gtin
from biip.sscc import Sscc
from biip.symbology import GS1Symbology, SymbologyIdentifier
from biip.upc import Upc

GS = "\x1d"  # what scanners send for FNC1 between GS1 fields
KINDS = ("gtin", "gs1", "sscc", "tote", "order_like", "location_like", "url", "unknown")

# Shipshape's own printed codes (docs/scanning.md). A tote is `TOTE-` and up to 27 letters, digits or
# hyphens, so that it fits the 32 characters a pick task keeps; packing slips carry `ORD-<order id>`.
TOTE = re.compile(r"TOTE-[A-Z0-9][A-Z0-9-]{0,26}", re.IGNORECASE | re.ASCII)
ORDER = re.compile(r"ORD-([0-9]{1,9})", re.IGNORECASE | re.ASCII)
# A location code is upper-case letters, digits and hyphens (server/inventory/schemas.py); it "looks
# like" one when it also has a letter, a digit and a hyphen, as A-01-03, STAGE-1 or DOCK-2 do.
LOCATION = re.compile(r"(?=[^-]*-)(?=.*[A-Z])(?=.*[0-9])[A-Z0-9][A-Z0-9-]{0,31}")
_HRI_FIELD = re.compile(r"\(([0-9]{2,4})\)([^()]*)")
_WHITESPACE = " \t\r\n\v\f"  # not GS: a leading GS is an FNC1 and means "GS1 data follows"
_NO_DATE_CHECK = ParseConfig(gs1_element_strings_verify_date=False)


@dataclass(frozen=True, slots=True)
class Scan:
    """The meaning of one scan. Absent parts are None; dates are real dates, GTINs 14 digits."""

    scan: str  # as received
    text: str  # without the symbology identifier and surrounding whitespace: what exact lookups use
    kind: str  # one of KINDS
    valid: bool
    symbology: str | None = None  # "]C1", "]E0", … when the scanner sent one
    format: str | None = None  # ean13 ean8 upca upce gtin14 sscc element_string hri digital_link
    code: str | None = None  # normalised: GS1 data as HRI, TOTE-/ORD- upper-cased, else the text
    gtin: str | None = None
    sscc: str | None = None
    lot: str | None = None  # AI 10
    expiry: dt.date | None = None  # AI 17
    best_before: dt.date | None = None  # AI 15
    serial: str | None = None  # AI 21
    count: int | None = None  # AI 30 or 37
    weight_kg: float | None = None  # AI 310n
    order_id: int | None = None  # from ORD-<id>
    error: str | None = None  # what is wrong, in words, when not valid

    def as_dict(self) -> dict:
        """JSON-ready, dates as ISO `YYYY-MM-DD` (the shape the shared vectors use)."""
        out = asdict(self)
        for name in ("expiry", "best_before"):
            if out[name] is not None:
                out[name] = out[name].isoformat()
        return out


class _Invalid(Exception):
    """A code of a recognised kind that breaks its rules; the message says how."""

    def __init__(self, message: str, kind: str = "gs1"):
        super().__init__(message)
        self.kind = kind


def interpret(scan: str) -> Scan:
    """Turn any scanned string into its meaning (kind, GTIN, SSCC, lot, dates, …), without the database."""
    text = scan.strip(_WHITESPACE)
    symbology, gs1_symbology = _symbology(text)
    text = text[len(symbology or "") :]
    fnc1 = text.startswith(GS)
    text = text.strip(GS + _WHITESPACE)
    base = Scan(scan=scan, text=text, kind="unknown", valid=True, symbology=symbology)
    if not text:
        return replace(base, valid=False, error="the scan is empty")
    try:
        return _read(base, text, gs1_symbology, fnc1)
    except _Invalid as problem:
        kind = "sscc" if problem.kind == "gs1" and _leads_with_sscc(text) else problem.kind
        return replace(base, kind=kind, valid=False, error=str(problem))


def _symbology(text: str) -> tuple[str | None, GS1Symbology | None]:
    """The leading symbology identifier (`]C1`, `]E0`, …) and what it means for GS1, if there is one."""
    if not (text.startswith("]") and len(text) >= 3):
        return None, None
    if text[1] == "J":  # DotCode: biip knows GS1 DotCode (]J1) but not DotCode's own letter
        try:
            return text[:3], GS1Symbology(text[1:3])
        except ValueError:
            return text[:3], None  # ]J0 is plain DotCode: judge the content as if no identifier came
    try:
        identifier = SymbologyIdentifier.extract(text)
    except (ParseError, ValueError):
        return None, None  # "]" followed by something else is just text
    return identifier.value, identifier.gs1_symbology


def _read(base: Scan, text: str, symbology: GS1Symbology | None, fnc1: bool) -> Scan:
    if text.lower().startswith(("https://", "http://")):
        return _digital_link(base, text)
    if re.match(r"\(\s*[0-9]{2,4}\s*\)", text):
        return _gs1(base, _hri_elements(text), "hri")
    if fnc1 or symbology in GS1Symbology.with_gs1_messages():
        return _gs1(base, _element_strings(text), "element_string")
    if symbology in GS1Symbology.with_gtin():
        return _gtin(base, text, symbology)
    return _bare(base, text)


def _bare(base: Scan, text: str) -> Scan:
    """No symbology told us what this is (a camera's BarcodeDetector never does): judge by content."""
    if _digits(text):
        if len(text) in (8, 12, 13, 14):
            return _gtin(base, text, None)
        if len(text) == 18:
            return _sscc(base, text)
        if len(text) > 14 and text[:2] in ("00", "01", "02"):
            return _gs1(base, _element_strings(text), "element_string")
        return replace(base, code=text)
    if GS in text or _starts_like_gs1(text):
        return _gs1(base, _element_strings(text), "element_string")
    if TOTE.fullmatch(text):
        return replace(base, kind="tote", code=text.upper())
    order = ORDER.fullmatch(text)
    if order:
        return replace(base, kind="order_like", code=text.upper(), order_id=int(order.group(1)))
    if LOCATION.fullmatch(text):
        return replace(base, kind="location_like", code=text)
    return replace(base, code=text)


def _digits(text: str) -> bool:
    """ASCII digits only (str.isdigit also accepts "²" and other scripts' digits)."""
    return text.isascii() and text.isdigit()


def _starts_like_gs1(text: str) -> bool:
    """GS1 data read without its FNC1 starts with a primary identifier: AI 01/02 + 14 digits, or AI 00 + 18."""
    return bool(re.match(r"0[12][0-9]{14}|00[0-9]{18}", text))


def _leads_with_sscc(text: str) -> bool:
    """GS1 data whose first AI is 00 is about a logistic unit, even when it is broken."""
    return text.lstrip("(").startswith("00") or "/00/" in text


# -- GTIN, UPC, SSCC -------------------------------------------------------------------------------

_GTIN_FORMATS = {8: "ean8", 12: "upca", 13: "ean13", 14: "gtin14"}


def _check_digit_error(digits: str, expected: int) -> str:
    return f"invalid check digit: expected {expected}, got {digits[-1]}"


def _gtin(base: Scan, text: str, symbology: GS1Symbology | None) -> Scan:
    if symbology is GS1Symbology.EAN_13_WITH_ADD_ON and len(text) in (15, 18):
        text = text[:13]  # the 2- or 5-digit add-on is an issue number or price, not part of the GTIN
    if not _digits(text):
        raise _Invalid(f"an EAN/UPC code has only digits; got {text!r}", "gtin")
    upc_e = symbology is GS1Symbology.EAN_13 and len(text) in (6, 7, 8)
    if not upc_e and len(text) not in _GTIN_FORMATS:
        raise _Invalid(f"a GTIN has 8, 12, 13 or 14 digits; got {len(text)}", "gtin")
    if not upc_e:
        try:
            gtin = Gtin.parse(text)
            return replace(base, kind="gtin", format=_GTIN_FORMATS[len(text)], code=text, gtin=gtin.as_gtin_14())
        except ParseError:
            # Eight bare digits are EAN-8 or UPC-E; only the check digit can tell which was meant.
            if not (len(text) == 8 and symbology is None and _is_upc_e(text)):
                raise _Invalid(_check_digit_error(text, gs1_standard_check_digit(text[:-1])), "gtin") from None
    try:
        upc = Upc.parse(text)
    except ParseError:
        if text[0] not in "01":
            raise _Invalid(f"a UPC-E code starts with 0 or 1; got {text[0]}", "gtin") from None
        raise _Invalid(_check_digit_error(text, _upc_e_check_digit(text)), "gtin") from None
    return replace(base, kind="gtin", format="upce", code=text, gtin=upc.as_gtin_14())


def _is_upc_e(text: str) -> bool:
    try:
        Upc.parse(text)
    except ParseError:
        return False
    return True


def _upc_e_check_digit(text: str) -> int:
    """UPC-E's check digit is that of its UPC-A expansion: let biip find the one digit it accepts."""
    return next(int(d) for d in "0123456789" if _is_upc_e(text[:-1] + d))


def _sscc(base: Scan, digits: str) -> Scan:
    try:
        sscc = Sscc.parse(digits)
    except ParseError:
        raise _Invalid(_check_digit_error(digits, gs1_standard_check_digit(digits[:-1])), "sscc") from None
    return replace(base, kind="sscc", format="sscc", code=f"(00){sscc.value}", sscc=sscc.value)


# -- GS1 element strings, HRI, Digital Link -------------------------------------------------------


def _element_strings(text: str) -> list[GS1ElementString]:
    """Split `text` into element strings the way a GS1 decoder does: AI, then its data up to its
    fixed length or to the next GS."""
    elements, rest = [], text
    while rest:
        elements.append(_one_element(rest, whole=False))
        rest = rest[len(elements[-1]) :].lstrip(GS)
    return elements


def _hri_elements(text: str) -> list[GS1ElementString]:
    hri = "".join(text.split())
    fields = list(_HRI_FIELD.finditer(hri))
    covered = "".join(m.group(0) for m in fields)
    if not fields or covered != hri:
        raise _Invalid(f"not GS1 HRI: expected (AI)data(AI)data…, got {text!r}")
    elements = []
    for field in fields:
        ai, data = field.groups()
        if not _is_ai(ai):
            raise _Invalid(f"unknown application identifier (AI) ({ai})")
        elements.append(_one_element(ai + data, whole=True))
    return elements


def _known_ai(text: str) -> GS1ApplicationIdentifier | None:
    try:
        return GS1ApplicationIdentifier.extract(text)
    except ParseError:
        return None


def _one_element(text: str, *, whole: bool) -> GS1ElementString:
    ai = _known_ai(text)
    if ai is None:
        raise _Invalid(f"unknown application identifier (AI) at {text[:4]!r}")
    data = text[len(ai.ai) :] if whole else text[len(ai.ai) :].split(GS, 1)[0]
    name = f"AI {ai} {ai.data_title}"
    if not data:
        raise _Invalid(f"{name}: no data; expected {_format(ai)}")
    try:
        # biip reads 7007's optional second date as a time of day: its dates are checked below instead.
        config = _NO_DATE_CHECK if ai.ai == "7007" else None
        element = GS1ElementString.parse(text, config=config) if whole else GS1ElementString.extract(text, config=config)
    except ParseError:
        raise _Invalid(_diagnose(ai, data, whole)) from None
    if not element.value:
        raise _Invalid(f"{name}: no data; expected {_format(ai)}")
    if not element.value.isascii():  # biip's patterns take any script's digits; GS1 data is ASCII
        raise _Invalid(f"{name}: {element.value!r} has characters outside the GS1 character set")
    key = _key_with_wrong_check_digit(element)
    if key:
        raise _Invalid(f"{name}: {_check_digit_error(key, gs1_standard_check_digit(key[:-1]))}")
    if ai.ai in ("8013", "8014"):  # GMN and MUDI end in two check characters
        _check_character_pair(name, element.value)
    for offset, year_digits in _DATES_WITHOUT_DAY_00.get(ai.ai, ()):
        _check_strict_date(ai, element.value[offset : offset + year_digits + 4], year_digits)
    return element


# GS1 keys whose data begins with digits closed by a check digit (the `csum` rule of the GS1 Barcode
# Syntax Dictionary): AI → where those digits are in the data. biip checks GTINs (01, 02, 03), SSCCs (00)
# and GLNs (410-417) itself and records the outcome on the element; these others it leaves unchecked.
_KEY_DIGITS = {
    "253": (0, 13),  # GDTI
    "255": (0, 13),  # GCN
    "402": (0, 17),  # GSIN
    "8003": (1, 14),  # GRAI, after its leading 0
    "8006": (0, 14),  # ITIP: a GTIN, then the piece numbers
    "8017": (0, 18),  # GSRN provider
    "8018": (0, 18),  # GSRN recipient
    "8026": (0, 14),  # ITIP content
}

# The check character pair of a GMN (AI 8013) and a MUDI (8014), GS1 General Specifications 7.9.5 and
# the `csumalpha` linter of the GS1 Barcode Syntax Dictionary: the characters' places in the 82-character
# set, weighted from the right by the primes 2, 3, 5, …, summed modulo 1021, give two 5-bit values
# written in a 32-character set. biip has no such check.
_CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83)


def _check_character_pair(name: str, value: str) -> None:
    if len(value) < 2:
        raise _Invalid(f"{name}: {value!r} is too short to end in its two check characters")
    total = sum(_CSET82.index(char) * prime for char, prime in zip(reversed(value[:-2]), _PRIMES, strict=False)) % 1021
    expected = _CSET32[total >> 5] + _CSET32[total & 31]
    if value[-2:] != expected:
        raise _Invalid(f"{name}: invalid check characters: expected {expected}, got {value[-2:]}")


# Dates whose day may not be 00. Only AIs 11, 12, 13, 15, 16, 17, 4324 and 4325 are `yymmd0` in the
# GS1 Barcode Syntax Dictionary (day 00: the month's last day, as biip reads it); these are `yymmdd` or
# `yyyymmdd`: AI → (offset, digits of the year) of each date in the data. biip reads day 00 as the
# month's end for every date AI, and does not read 7007's second date, 7250 or 7251 as dates at all.
_DATES_WITHOUT_DAY_00 = {
    "4326": ((0, 2),),
    "7003": ((0, 2),),
    "7006": ((0, 2),),
    "7007": ((0, 2), (6, 2)),
    "7011": ((0, 2),),
    "8008": ((0, 2),),
    "7250": ((0, 4),),
    "7251": ((0, 4),),
}


def _key_with_wrong_check_digit(element: GS1ElementString) -> str | None:
    """The digits of the GS1 key in `element` when its check digit is wrong (they end in that digit)."""
    if element.gtin_error or element.sscc_error or element.gln_error:  # biip's verdict on 00-03, 410-417
        return element.value
    span = _KEY_DIGITS.get(element.ai.ai)
    key = element.value[span[0] : span[1]] if span else ""
    return key if key and gs1_standard_check_digit(key[:-1]) != int(key[-1]) else None


def _check_strict_date(ai: GS1ApplicationIdentifier, date: str, year_digits: int) -> None:
    """A date of an AI whose format has no day 00 must be a real calendar day."""
    if len(date) < year_digits + 4:
        return  # an optional date that is absent (7007's second)
    name = f"AI {ai} {ai.data_title}"
    layout = "YY" if year_digits == 2 else "YYYY"
    problem = f"{name}: {date!r} is not a valid date ({layout}MMDD)"
    if date.endswith("00"):
        raise _Invalid(f"{problem}: this AI has no day 00")
    if year_digits == 2:
        try:  # biip's own date rules (century, calendar), through a single-date AI
            GS1ElementString.parse("7006" + date)
        except ParseError:
            raise _Invalid(problem) from None
    else:
        try:
            dt.date(int(date[:4]), int(date[4:6]), int(date[6:8]))
        except ValueError:
            raise _Invalid(problem) from None


def _diagnose(ai: GS1ApplicationIdentifier, data: str, whole: bool) -> str:
    """Why biip refused a field, in words: the wrong length or characters, or an impossible date."""
    name = f"AI {ai} {ai.data_title}"
    shape = _shape(ai)
    fits = shape and (re.fullmatch(shape, data) if whole else re.match(shape, data))
    if fits:
        field = fits.group(0)
        if "date" in ai.description.lower():
            layout = re.search(r"\(([YMDhms\[\]]+)\)", ai.description)
            return f"{name}: {field!r} is not a valid date" + (f" ({layout.group(1)})" if layout else "")
        if _digits(field):
            return f"{name}: {field!r} is not a valid value"
        return f"{name}: {field!r} has characters outside the GS1 character set"
    return f"{name}: expected {_format(ai)}, got {data!r}"


def _format_parts(ai: GS1ApplicationIdentifier) -> list[tuple[str, bool, int]] | None:
    """biip's format after the AI, e.g. `N2+X..20` → [("X", True, 20)]; None when it has optional parts."""
    parts = []
    for part in ai.format.split("+")[1:]:
        match = re.fullmatch(r"([NX])(\.\.)?(\d+)", part)
        if not match:
            return None
        parts.append((match.group(1), bool(match.group(2)), int(match.group(3))))
    return parts


def _shape(ai: GS1ApplicationIdentifier) -> str | None:
    """A loose pattern for the field's length and character class only (no calendar, no check digit)."""
    parts = _format_parts(ai)
    if not parts:
        return None
    return "".join(
        ("[0-9]" if kind == "N" else ".") + (f"{{1,{size}}}" if variable else f"{{{size}}}") for kind, variable, size in parts
    )


def _format(ai: GS1ApplicationIdentifier) -> str:
    """biip's format in words: `N2+N14` → "14 digits"."""
    parts = _format_parts(ai)
    if not parts:
        return f"the format {ai.format}"
    return " then ".join(
        f"{'up to ' if variable else ''}{size} {'digits' if kind == 'N' else 'characters'}" for kind, variable, size in parts
    )


def _digital_link(base: Scan, text: str) -> Scan:
    link = text
    try:
        link = _from_primary_key(text)
        uri = GS1DigitalLinkURI.parse(link)
    except (ParseError, ValueError) as problem:
        if not isinstance(problem, ParseError):  # urllib could not even split it (a broken [IPv6] host)
            return replace(base, kind="url", valid=False, error=f"not a valid link: {problem}")
        if "primary identifier" in str(problem):
            return replace(base, kind="url", code=text)  # an ordinary link, e.g. a tracking page
        _diagnose_link(link)  # raises the precise problem when one field is at fault
        raise _Invalid(f"not a valid GS1 Digital Link: {problem}") from None
    elements = []
    for element in uri.element_strings:
        # Re-check each element: biip records GTIN/SSCC check digit problems instead of raising.
        elements.append(_one_element(element.ai.ai + element.value, whole=True))
    return _gs1(base, elements, "digital_link")


def _from_primary_key(text: str) -> str:
    """The link with its own path prefix removed, so that its path starts at its primary key.

    GS1 Digital Link finds the primary key from the right: walking back over `/AI/value` pairs (the
    key qualifiers), the first AI that is a primary key is it, and all before it is the site's own
    path, whatever it holds (`https://a/00/faux/00/006141411234567890` is the SSCC 006141411234567890).
    biip takes the leftmost primary key instead, so it gets the path from there. A GTIN key has 8, 12,
    13 or 14 digits; biip pads any value to 14, so shorter ones are refused here. A link with no such
    pair is left as it is, for biip to refuse in its own words (or to call an ordinary link).
    """
    parts = urlsplit(text)
    segments = parts.path.split("/")
    for at in range(len(segments) - 2, 0, -2):
        key, value = segments[at], segments[at + 1]
        if key in _PRIMARY_IDENTIFIER_MAP:
            if key == "01" and len(unquote(value)) not in (8, 12, 13, 14):
                raise _Invalid(f"AI (01) GTIN: a GTIN in a link has 8, 12, 13 or 14 digits, got {unquote(value)!r}")
            return urlunsplit(parts._replace(path="/" + "/".join(segments[at:])))
        if not _is_ai(key):
            break
    return text


def _diagnose_link(text: str) -> None:
    """Check a broken Digital Link's numeric `/AI/value` path pairs and `AI=value` query pairs one by one."""
    parts = urlsplit(text)
    segments = [unquote(p) for p in parts.path.split("/") if p]
    while segments and not _is_ai(segments[0]):
        segments.pop(0)  # the link's own path prefix, before the first AI
    pairs = list(zip(segments[::2], segments[1::2], strict=False))  # an odd last segment has no value
    if pairs and pairs[0][0] == "01" and len(pairs[0][1]) in (8, 12, 13):
        pairs[0] = ("01", pairs[0][1].zfill(14))  # a GTIN-8, -12 or -13 as the link's key, as biip reads it
    for key, value in pairs + parse_qsl(parts.query):
        if _is_ai(key):
            _one_element(key + value, whole=True)


def _is_ai(key: str) -> bool:
    known = _known_ai(key) if _digits(key) else None
    return known is not None and known.ai == key


def _gs1(base: Scan, elements: list[GS1ElementString], form: str) -> Scan:
    by_ai: dict[str, GS1ElementString] = {}
    for element in elements:
        seen = by_ai.setdefault(element.ai.ai, element)
        if seen.value != element.value:
            raise _Invalid(f"AI {element.ai} appears twice with different values: {seen.value!r} and {element.value!r}")

    gtin = by_ai.get("01") or by_ai.get("02")
    sscc = by_ai.get("00")
    count = by_ai.get("30") or by_ai.get("37")
    weight = next((e for e in elements if re.fullmatch(r"310\d", e.ai.ai)), None)
    return replace(
        base,
        kind="sscc" if sscc else "gs1",
        format=form,
        code="".join(e.as_hri() for e in elements),
        gtin=gtin.gtin.as_gtin_14() if gtin and gtin.gtin else None,
        sscc=sscc.value if sscc else None,
        lot=_value(by_ai.get("10")),
        expiry=by_ai["17"].date if "17" in by_ai else None,
        best_before=by_ai["15"].date if "15" in by_ai else None,
        serial=_value(by_ai.get("21")),
        count=int(count.value) if count else None,
        weight_kg=float(weight.decimal) if weight and weight.decimal is not None else None,
    )


def _value(element: GS1ElementString | None) -> str | None:
    return element.value if element else None
