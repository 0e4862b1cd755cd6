"""Barcodes as inline SVG for printed documents, and the shipping label as ZPL.

Linear codes and Data Matrix come from zxing-cpp's writer (the same project as the browser's
decoder), QR codes from segno. Every SVG is sized in millimetres from a module width, has a white
background and no `style` attribute or element, so it prints at a scannable size and passes the
app's Content-Security-Policy (`style-src 'self'`) when inlined in a page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import segno
import zxingcpp

_FORMATS = {
    "code128": (zxingcpp.BarcodeFormat.Code128, False),
    "gs1-128": (zxingcpp.BarcodeFormat.Code128, True),
    "ean13": (zxingcpp.BarcodeFormat.EAN13, False),
    "ean8": (zxingcpp.BarcodeFormat.EAN8, False),
    "upca": (zxingcpp.BarcodeFormat.UPCA, False),
    "datamatrix": (zxingcpp.BarcodeFormat.DataMatrix, False),
    "gs1-datamatrix": (zxingcpp.BarcodeFormat.DataMatrix, True),
}
SYMBOLOGIES = (*_FORMATS, "qr")
_LINEAR = {"code128", "gs1-128", "ean13", "ean8", "upca"}
# The writer pads short EAN/UPC input and computes a missing check digit; a label must show exactly
# the code we hold, so these take their full length, check digit included (which the writer verifies).
_DIGITS = {"ean13": 13, "ean8": 8, "upca": 12}
_ROOT = re.compile(r'<svg[^>]*?\bwidth="([\d.]+)"[^>]*?\bheight="([\d.]+)"[^>]*>(.*)</svg>', re.DOTALL)
_VIEWBOX = re.compile(r'<svg[^>]*?\bviewBox="0 0 ([\d.]+) ([\d.]+)"[^>]*>(.*)</svg>', re.DOTALL)


def barcode_svg(symbology: str, content: str, *, module_mm: float = 0.33, height_mm: float = 15.0) -> str:
    """An inline `<svg>` of `content` in `symbology` (see SYMBOLOGIES). GS1 kinds take HRI content,
    `(00)095060000000000125`. Linear codes are `height_mm` tall; 2D codes are square."""
    if symbology == "qr":
        width, height, body = _qr(content)
    elif symbology in _FORMATS:
        width, height, body = _zxing(symbology, content)
    else:
        raise ValueError(f"unknown symbology {symbology!r}; use one of {', '.join(SYMBOLOGIES)}")
    shown_height = height_mm if symbology in _LINEAR else height * module_mm
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode {symbology}" role="img" '
        f'aria-label="{html.escape(content)}" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'width="{width * module_mm:.2f}mm" height="{shown_height:.2f}mm">{body}</svg>'
    )


def _zxing(symbology: str, content: str) -> tuple[float, float, str]:
    fmt, gs1 = _FORMATS[symbology]
    digits = _DIGITS.get(symbology)
    if digits and not (len(content) == digits and content.isascii() and content.isdigit()):
        raise ValueError(f"cannot draw {content!r} as {symbology}: it takes exactly {digits} digits")
    options = {"gs1": True} if gs1 else {}
    if fmt == zxingcpp.BarcodeFormat.DataMatrix:
        options["forceSquare"] = True
    try:
        svg = zxingcpp.create_barcode(content, fmt, **options).to_svg(add_quiet_zones=True)
    except ValueError as error:
        raise ValueError(f"cannot draw {content!r} as {symbology}: {error}") from None
    match = _ROOT.search(svg)
    assert match is not None, "zxing-cpp's SVG always has a root element with a viewBox"
    body = re.sub(r"<desc>.*?</desc>", "", match.group(3), flags=re.DOTALL)
    body = body.replace(' id="barcode"', "")  # many barcodes share a page; ids must be unique
    return float(match.group(1)), float(match.group(2)), body.strip()


def _qr(content: str) -> tuple[float, float, str]:
    svg = segno.make_qr(content, error="m").svg_inline(scale=1, border=4, omitsize=True, dark="#000", light="#fff")
    match = _VIEWBOX.search(svg)
    assert match is not None, "segno's inline SVG always has a viewBox"
    return float(match.group(1)), float(match.group(2)), match.group(3)


def product_barcode(code: str, kind: str) -> tuple[str, str]:
    """How to print a product's barcode as stored (`barcode.kind`): (symbology, content)."""
    if kind == "ean13":
        return "ean13", code
    if kind == "ean8":
        return "ean8", code
    if kind == "upca":
        return "upca", code
    if kind == "gtin14":
        return "gs1-128", f"(01){code}"
    return "code128", code


# -- ZPL ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelData:
    """Everything a 4×6 in shipping label shows."""

    sscc: str
    sscc_hri: str
    tracking_url: str
    order_ref: str
    order_code: str  # ORD-<id>
    ship_from: list[str]
    ship_to: list[str]
    weight_kg: float | None = None
    # A package's own label (empty on an order's label): which package, and who carries it.
    package_code: str = ""
    package_of: tuple[int, int] | None = None  # (n, m): "Package n of m"
    package_type: str = ""
    carrier: str = ""
    tracking_number: str = ""


def _zpl_text(text: str) -> str:
    """Field data under ^FH_: `_`, `^` and `~` as hex escapes so no text can end the field or start a command."""
    out = []
    for char in text:
        if char in "_^~\\" or ord(char) < 32:
            out.append("".join(f"_{byte:02X}" for byte in char.encode()))
        else:
            out.append(char)
    return "".join(out)


def shipping_label_zpl(label: LabelData) -> str:
    """The shipping label for a Zebra-style printer at 203 dpi (812 × 1218 dots = 4 × 6 in)."""
    lines = ["^XA", "^CI28", "^PW812", "^LL1218", "^LH0,0"]
    y = 40
    lines += [f"^FO40,{y}^A0N,28,28^FH_^FDFROM^FS"]
    for text in label.ship_from:
        y += 32
        lines.append(f"^FO40,{y}^A0N,28,28^FH_^FD{_zpl_text(text)}^FS")
    y += 60
    lines.append(f"^FO40,{y}^GB732,3,3^FS")
    y += 24
    lines.append(f"^FO40,{y}^A0N,32,32^FH_^FDSHIP TO^FS")
    for i, text in enumerate(label.ship_to):
        y += 56 if i == 0 else 46
        size = 48 if i == 0 else 40
        lines.append(f"^FO40,{y}^A0N,{size},{size}^FH_^FD{_zpl_text(text)}^FS")
    y += 70
    lines.append(f"^FO40,{y}^GB732,3,3^FS")
    y += 24
    lines.append(f"^FO40,{y}^A0N,30,30^FH_^FDOrder {_zpl_text(label.order_ref)} ({label.order_code})^FS")
    if label.weight_kg:
        lines.append(f"^FO560,{y}^A0N,30,30^FDWeight {label.weight_kg:.2f} kg^FS")
    if label.package_of:
        n, m = label.package_of
        package = f"Package {n} of {m}: {label.package_code}" + (f" ({label.package_type})" if label.package_type else "")
        lines.append(f"^FO300,{y + 120}^A0N,26,26^FB472,2,0,L^FH_^FD{_zpl_text(package)}^FS")
    if label.tracking_number:
        lines.append(f"^FO300,{y + 190}^A0N,26,26^FB472,2,0,L^FH_^FD{_zpl_text(f'{label.carrier} {label.tracking_number}')}^FS")
    # QR with the tracking link: model 2, magnification 5; "MA," = error correction M, automatic input.
    lines.append(f"^FO40,{y + 50}^BQN,2,5^FH_^FDMA,{_zpl_text(label.tracking_url)}^FS")
    lines.append(f"^FO300,{y + 80}^A0N,28,28^FDTrack this parcel^FS")
    # GS1-128 SSCC: ^BC mode D is GS1-128 (FNC1 first, AIs in brackets, printed as HRI below).
    lines.append("^BY4,3,200")  # 4 dots = 0.5 mm modules, the GS1 logistic label minimum
    lines.append(f"^FO80,860^BCN,200,Y,N,N,D^FD(00){label.sscc}^FS")
    lines.append(f"^FO80,1130^A0N,28,28^FDSSCC {label.sscc_hri}^FS")
    lines.append("^XZ")
    return "\n".join(lines) + "\n"
