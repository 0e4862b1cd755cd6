"""Browser libraries served from our own origin, straight from `node_modules` (`npm ci` installs them
from package.json/package-lock.json; nothing third-party is committed). The decoder's wasm is among
them: a device never fetches code from a CDN, so scanning works offline and behind a closed firewall.

Only the folders listed here are reachable, under /vendor/<name>/.
"""

from __future__ import annotations

import importlib.resources
import logging
from pathlib import Path

from litestar.static_files import create_static_files_router

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"

# URL name → folder inside node_modules, each pinned exactly in package.json. The camera decodes
# with the native BarcodeDetector where it has our formats, else zxing-wasm in a worker
# (pwa/scan/scanner.js): no BarcodeDetector ponyfill is needed. The driver's signature pad is
# loaded only when a proof of delivery is taken (pwa/signature.js).
VENDOR = {
    "idb": "idb/build",
    "signature_pad": "signature_pad/dist",
    "uplot": "uplot/dist",  # the KPI charts (pwa/screens/kpis.js), loaded by that screen alone
    "zxing-wasm": "zxing-wasm/dist",
}

# biip's own table of GS1 Application Identifiers (formats and patterns), served so the device's
# offline interpreter reads the very same rules as the server's (scanner/interpret.py).
GS1_AI_TABLE = Path(str(importlib.resources.files("biip.gs1_application_identifiers") / "_application_identifiers.json"))

log = logging.getLogger("shipshape.web")


def missing() -> list[str]:
    """The vendor folders that are not installed (run `npm ci` in the project folder)."""
    return [f"node_modules/{folder}" for folder in VENDOR.values() if not (NODE_MODULES / folder).is_dir()]


def warn_if_missing() -> None:
    if gone := missing():
        log.error(
            "browser libraries missing (%s): run `npm ci` in %s — camera scanning and offline storage will not load",
            ", ".join(gone),
            ROOT,
        )


vendor_routers = [
    create_static_files_router(
        path=f"/vendor/{name}",
        directories=[NODE_MODULES / folder],
        opt={"exclude_from_auth": True},
        include_in_schema=False,
        name=f"vendor-{name}",
    )
    for name, folder in VENDOR.items()
]
