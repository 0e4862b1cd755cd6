"""A misread test set of our own: barcodes drawn by zxing-cpp, then degraded the way a phone camera
in a warehouse degrades them — blur, sensor noise, perspective, glare, low contrast, a finger over
part of the code, too few pixels — each with its true value.

A sample is one scene (1280×720, the most the scanner asks a camera for). The page turns it into a
burst of camera frames (tests/browser/misreads.js): consecutive frames of a real camera are never
identical, so each gets its own sensor noise and a small shake — or, for a still photo played as a
fake camera (where the issue's misreads came from), every frame is the scene itself.

The truth is what zxing-cpp (the same decoder core the app runs as wasm) reads from the clean
drawing, checked against the content that was drawn, so a value is "true" before any degradation.

Used by tests/browser/test_misreads.py (a small seeded set, in the suite) and
bench/scan_misreads.py (a larger one).
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

import zxingcpp
from PIL import Image, ImageChops, ImageDraw, ImageFilter

F = zxingcpp.BarcodeFormat
WIDTH, HEIGHT = 1280, 720

# Our format names (the BarcodeDetector API's, as the app reports them) → zxing-cpp's.
FORMATS: dict[str, zxingcpp.BarcodeFormat] = {
    "ean_13": F.EAN13,
    "ean_8": F.EAN8,
    "upc_a": F.UPCA,
    "upc_e": F.UPCE,
    "code_128": F.Code128,
    "itf": F.ITF,
    "qr_code": F.QRCode,
    "data_matrix": F.DataMatrix,
}
LINEAR = {"ean_13", "ean_8", "upc_a", "upc_e", "code_128", "itf"}

# Each degradation has four levels, from mild to severe; "clean" has one.
DEGRADATIONS = ("clean", "blur", "noise", "perspective", "glare", "contrast", "occlusion", "rescale")
LEVELS = {name: (1,) if name == "clean" else (1, 2, 3, 4) for name in DEGRADATIONS}


@dataclass(frozen=True)
class Sample:
    id: str
    format: str  # ours: "ean_13", "qr_code", …
    content: str  # what was drawn
    truth: str  # what the decoder reads from the clean drawing (text mode Plain)
    degradation: str
    level: int
    png: bytes = field(repr=False)  # the scene, greyscale, WIDTH×HEIGHT


def _check_digit(digits: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def _content(fmt: str, rng: random.Random) -> str:
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if fmt == "ean_13":
        body = rng.choice("123456789") + digits(11)
        return body + _check_digit(body)
    if fmt == "ean_8":
        body = digits(7)
        return body + _check_digit(body)
    if fmt == "upc_a":
        body = rng.choice("0123456789") + digits(10)
        return body + _check_digit(body)
    if fmt == "upc_e":
        return "0" + digits(6)  # zxing-cpp adds the check digit
    if fmt == "code_128":
        return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-") for _ in range(rng.randint(6, 14)))
    if fmt == "itf":
        body = rng.choice("0123456789") + digits(12)
        return body + _check_digit(body)
    if fmt == "qr_code":
        return f"https://track.example.com/p/{digits(10)}"
    if fmt == "data_matrix":
        gtin = "0" + digits(12)
        return f"(01){gtin}{_check_digit(gtin)}(10)L{digits(5)}(17){rng.choice(['27', '28', '29'])}1231"
    raise ValueError(fmt)


def _symbol(fmt: str, content: str) -> tuple[Image.Image, str]:
    """The symbol at one pixel per module (with quiet zones) and its true value."""
    options: dict[str, object] = {}
    if fmt == "data_matrix":
        options = {"gs1": True, "forceSquare": True}
    drawn = zxingcpp.create_barcode(content, FORMATS[fmt], **options).to_image(scale=1)
    pixels = memoryview(drawn)
    height, width = pixels.shape
    image = Image.frombuffer("L", (width, height), pixels.tobytes(), "raw", "L", 0, 1)
    found = zxingcpp.read_barcodes(
        image.resize((width * 4, height * 4), Image.Resampling.NEAREST), text_mode=zxingcpp.TextMode.Plain
    )
    assert len(found) == 1, f"the clean {fmt} drawing of {content!r} does not read back"
    truth = found[0].text
    if fmt in {"ean_13", "ean_8", "upc_a", "itf", "code_128"}:
        assert truth.endswith(content) or content.endswith(truth), (fmt, content, truth)
    return image, truth


def _place(symbol: Image.Image, fmt: str, rng: random.Random) -> tuple[Image.Image, tuple[int, int, int, int], tuple[int, int]]:
    """The symbol scaled to a size a phone sees at arm's length, on a patch of background around it
    (wide enough for every local degradation to fade out before its edge), and where the patch goes
    in the frame (near the centre). Local degradations work on the patch alone: a 1280×720 frame
    costs several times more to rotate or blur than the few hundred pixels around a symbol."""
    linear = fmt in LINEAR
    # Symbol width in frame pixels: 1D codes 1.3–3 px per module (an EAN-13 at 15–25 cm from a 720p phone camera), 2D 3–6 px per module.
    per_module = rng.uniform(1.3, 3.0) if linear else rng.uniform(3.0, 6.0)
    width = round(symbol.width * per_module)
    height = round(width * rng.uniform(0.28, 0.4)) if linear else round(symbol.height * per_module)
    big = symbol.resize((symbol.width * 8, symbol.height * 8), Image.Resampling.NEAREST)
    scaled = big.resize((width, height), Image.Resampling.BOX)
    x = (WIDTH - width) // 2 + rng.randint(-WIDTH // 40, WIDTH // 40)
    y = (HEIGHT - height) // 2 + rng.randint(-HEIGHT // 40, HEIGHT // 40)
    mx, my = max(40, round(width * 0.3)), max(40, round(height * 1.3))
    left, top = max(0, x - mx), max(0, y - my)
    right, bottom = min(WIDTH, x + width + mx), min(HEIGHT, y + height + my)
    patch = Image.new("L", (right - left, bottom - top), 236)
    patch.paste(scaled, (x - left, y - top))
    return patch, (x - left, y - top, x - left + width, y - top + height), (left, top)


def _perspective(frame: Image.Image, box: tuple[int, int, int, int], level: int, rng: random.Random) -> Image.Image:
    """Tilt the scene about the symbol's centre: one side recedes, plus a little roll."""
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    squeeze = (0.10, 0.20, 0.30, 0.40)[level - 1]
    roll = math.radians(rng.uniform(-4, 4) * level)
    half_w, half_h = (x1 - x0) / 2, (y1 - y0) / 2
    # Where the symbol's corners land: the right side shorter by `squeeze`.
    corners_out = [(-half_w, -half_h), (half_w, -half_h * (1 - squeeze)), (half_w, half_h * (1 - squeeze)), (-half_w, half_h)]
    placed = []
    for dx, dy in corners_out:
        rx = dx * math.cos(roll) - dy * math.sin(roll)
        ry = dx * math.sin(roll) + dy * math.cos(roll)
        placed.append((cx + rx * (1 - squeeze / 2), cy + ry))
    source = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    coefficients = _perspective_coefficients(placed, source)
    return frame.transform(frame.size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR, fillcolor=236)


def _perspective_coefficients(target: list[tuple[float, float]], source: list[tuple[float, float]]) -> list[float]:
    """PIL's 8 coefficients mapping output points (`target`) to input points (`source`)."""
    rows: list[list[float]] = []
    rhs: list[float] = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    return _solve(rows, rhs)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                factor = m[r][col] / m[col][col]
                m[r] = [vr - factor * vc for vr, vc in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def _glare(frame: Image.Image, box: tuple[int, int, int, int], level: int, rng: random.Random) -> Image.Image:
    """A specular highlight (shrink-wrap under a lamp): an ellipse washing part of the symbol to white."""
    x0, y0, x1, y1 = box
    strength = (0.55, 0.7, 0.82, 0.92)[level - 1]
    cx = rng.uniform(x0 + (x1 - x0) * 0.2, x1 - (x1 - x0) * 0.2)
    cy = rng.uniform(y0, y1)
    rx, ry = (x1 - x0) * rng.uniform(0.12, 0.22), (y1 - y0) * rng.uniform(0.5, 0.9)
    mask = Image.new("L", frame.size, 0)
    ImageDraw.Draw(mask).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=round(255 * strength))
    mask = mask.filter(ImageFilter.GaussianBlur(max(rx, ry) / 6))
    return Image.composite(Image.new("L", frame.size, 255), frame, mask)


def _contrast(frame: Image.Image, level: int) -> Image.Image:
    """Faded print on brown card: black becomes grey, white becomes beige."""
    dark, light = ((70, 215), (105, 200), (130, 190), (150, 185))[level - 1]
    return frame.point(lambda p: round(dark + (light - dark) * p / 255))


def _occlusion(frame: Image.Image, box: tuple[int, int, int, int], level: int, rng: random.Random) -> Image.Image:
    """A thumb or a strap over part of the symbol: a dark rounded blob covering a share of it."""
    x0, y0, x1, y1 = box
    share = (0.08, 0.15, 0.25, 0.35)[level - 1]
    w, h = x1 - x0, y1 - y0
    if rng.random() < 0.5:  # from the top or bottom edge, across the bars
        bh = h * share * 2
        top = y0 - bh * 0.3 if rng.random() < 0.5 else y1 - bh * 0.7
        left = rng.uniform(x0, x1 - w * 0.3)
        shape = (left, top, left + w * 0.3, top + bh)
    else:  # from the side, over the first or last characters
        bw = w * share
        left = x0 - bw * 0.2 if rng.random() < 0.5 else x1 - bw * 0.8
        shape = (left, y0 - h * 0.1, left + bw, y1 + h * 0.1)
    out = frame.copy()
    ImageDraw.Draw(out).rounded_rectangle(shape, radius=min(w, h) * 0.08, fill=rng.randint(60, 120))
    return out


def _rescale(frame: Image.Image, level: int) -> Image.Image:
    """Too few pixels: the scene at a fraction of the resolution, then back up (a cheap camera's zoom)."""
    factor = (0.75, 0.6, 0.5, 0.4)[level - 1]
    small = frame.resize((round(WIDTH * factor), round(HEIGHT * factor)), Image.Resampling.BOX)
    return small.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)


_NOISE: dict[float, Image.Image] = {}


def _sensor(frame: Image.Image, sigma: float, rng: random.Random) -> Image.Image:
    """Gaussian sensor noise of standard deviation `sigma` (grey levels), placed by `rng`."""
    if sigma not in _NOISE:  # PIL draws noise slowly and without a seed: draw each field once
        _NOISE[sigma] = Image.effect_noise((WIDTH * 2, HEIGHT * 2), sigma)  # centred on 128
    x, y = rng.randint(0, WIDTH), rng.randint(0, HEIGHT)
    noise = _NOISE[sigma].crop((x, y, x + WIDTH, y + HEIGHT))
    return ImageChops.add(frame, noise, scale=1.0, offset=-128)


def scene(fmt: str, degradation: str, level: int, rng: random.Random) -> tuple[Image.Image, str, str]:
    """One degraded scene (before per-frame noise): the frame, the content drawn, its true value."""
    while True:
        content = _content(fmt, rng)
        try:
            symbol, truth = _symbol(fmt, content)
            break
        except ValueError:  # a UPC-E body zero suppression cannot express: draw another
            continue
    patch, box, origin = _place(symbol, fmt, rng)
    patch = patch.rotate(
        rng.uniform(-3, 3),
        resample=Image.Resampling.BILINEAR,
        center=((box[0] + box[2]) / 2, (box[1] + box[3]) / 2),
        fillcolor=236,
    )
    if degradation == "perspective":
        patch = _perspective(patch, box, level, rng)
    elif degradation == "occlusion":
        patch = _occlusion(patch, box, level, rng)
    elif degradation == "glare":
        patch = _glare(patch, box, level, rng)
    if degradation == "blur":
        patch = patch.filter(ImageFilter.GaussianBlur((1.2, 2.0, 2.8, 3.6)[level - 1]))
    else:
        patch = patch.filter(ImageFilter.GaussianBlur(0.6))  # every lens blurs a little
    frame = Image.new("L", (WIDTH, HEIGHT), 236)
    frame.paste(patch, origin)
    if degradation == "contrast":
        frame = _contrast(frame, level)
    elif degradation == "rescale":
        frame = _rescale(frame, level)
    if degradation == "noise":
        frame = _sensor(frame, (10, 20, 30, 42)[level - 1], rng)
    return frame, content, truth


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def samples(
    seed: int, per_cell: int = 1, formats=tuple(FORMATS), degradations=DEGRADATIONS, levels=(1, 2, 3, 4)
) -> Iterator[Sample]:
    """Every (format, degradation, level) cell `per_cell` times, drawn from `seed`."""
    rng = random.Random(seed)
    for fmt in formats:
        for degradation in degradations:
            for level in (lv for lv in LEVELS[degradation] if degradation == "clean" or lv in levels):
                for n in range(per_cell):
                    image, content, truth = scene(fmt, degradation, level, rng)
                    yield Sample(f"{fmt}-{degradation}{level}-{n}", fmt, content, truth, degradation, level, _png(image))
