"""A fake camera for Chromium: a barcode drawn by zxing-cpp, placed on a 640×480 white frame and
written as a .y4m video that Chromium plays as its only camera.

Chromium reads the file once per launch, so each video needs its own browser (`camera_browser`).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from PIL import Image

CHROMIUM = Path("/usr/bin/chromium")
WIDTH, HEIGHT = 640, 480
STANDARD_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@dataclass(frozen=True)
class Barcode:
    """What to draw (content and zxing-cpp format) and what the page must then report."""

    name: str
    content: str
    format: zxingcpp.BarcodeFormat
    code: str  # the text the page reports: symbology identifier + decoded text
    label: str  # the format as the page names it
    gs1: bool = False
    scale: int = 4


def barcode_image(barcode: Barcode) -> Image.Image:
    """The barcode as a greyscale image with its quiet zones, `scale` pixels per module."""
    options = {"gs1": True} if barcode.gs1 else {}
    if barcode.format == zxingcpp.BarcodeFormat.DataMatrix:
        options["forceSquare"] = True
    drawn = zxingcpp.create_barcode(barcode.content, barcode.format, **options).to_image(scale=barcode.scale)
    pixels = memoryview(drawn)
    height, width = pixels.shape
    return Image.frombuffer("L", (width, height), pixels.tobytes(), "raw", "L", 0, 1)


def camera_frame(image: Image.Image, size: tuple[int, int] = (WIDTH, HEIGHT)) -> Image.Image:
    """The image centred on a white RGB frame of `size` (640×480 unless told; shrunk to fit when larger)."""
    width, height = size
    image = image.convert("RGB")
    if image.width > width - 40 or image.height > height - 40:
        image.thumbnail((width - 40, height - 40), Image.Resampling.NEAREST)
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
    return frame


def write_y4m(path: Path, frame: Image.Image, frames: int = 2) -> Path:
    """Write `frames` copies of an RGB frame as 4:2:0 Y4M (full-range BT.601, as C420jpeg says).

    PIL's YCbCr conversion is the JPEG one: full range, BT.601 — exactly what C420jpeg declares.
    Chroma is subsampled 2×2 by averaging (Image.reduce).
    """
    width, height = frame.size
    assert width % 2 == 0 and height % 2 == 0, "Y4M 4:2:0 needs even sides"
    y, cb, cr = frame.convert("YCbCr").split()
    planes = y.tobytes() + cb.reduce(2).tobytes() + cr.reduce(2).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(planes)
    return path


def barcode_video(directory: Path, barcode: Barcode, size: tuple[int, int] = (WIDTH, HEIGHT)) -> Path:
    """A .y4m of `size` (a camera's frame) showing the barcode, in `directory`."""
    return write_y4m(directory / f"{barcode.name}-{size[0]}x{size[1]}.y4m", camera_frame(barcode_image(barcode), size))


def camera_flags(video: Path | None) -> list[str]:
    """Chromium flags for a fake camera playing `video` (or Chromium's own test pattern when None)."""
    flags = [*STANDARD_FLAGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    if video is not None:
        flags.append(f"--use-file-for-fake-video-capture={video.resolve()}")
    return flags


@contextmanager
def camera_browser(playwright, video: Path | None):
    """A headless Chromium whose only camera shows `video`."""
    if not CHROMIUM.exists():
        raise AssertionError(f"{CHROMIUM} not found: the camera tests need the system Chromium")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=camera_flags(video))
    try:
        yield browser
    finally:
        browser.close()


def camera_page(browser, base_url: str, *, viewport=None):
    """A new context with the camera permission granted for the live server, and a page in it."""
    context = browser.new_context(viewport=viewport or {"width": 360, "height": 640})
    context.grant_permissions(["camera"], origin=base_url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page
