"""Where the files a browser loads are found: the PWA (`pwa/`), the web app manifest and the browser
libraries from npm.

In a source checkout (an editable install included) they are read where they live: `pwa/`,
`manifest.json` and `node_modules/` next to `server/`. An installed wheel has no checkout: the wheel
build (`setup.py`) copies them into the package, under `server/web/bundle/`, with `write_bundle`
below, so the layout is described once, here, for the writer and the readers alike.

This module imports only the standard library: the build loads it by its file path, before any of
the server's dependencies are installed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# Present only in an installed wheel; the source tree never holds it (the build writes it into its
# own build folder).
BUNDLE = PACKAGE / "bundle"
CHECKOUT = PACKAGE.parents[1]
PWA_DIR_ENV = "SHIPSHAPE_PWA_DIR"

# URL name → folder inside node_modules, each pinned exactly in package.json; served under
# /vendor/<name>/ (server/web/vendor.py), and only these. The camera decodes with the native
# BarcodeDetector where it has our formats, else zxing-wasm in a worker (pwa/scan/scanner.js): no
# BarcodeDetector ponyfill is needed. The driver's signature pad is loaded only when a proof of
# delivery is taken (pwa/signature.js).
VENDOR = {
    "idb": "idb/build",
    "signature_pad": "signature_pad/dist",
    "uplot": "uplot/dist",  # the KPI charts (pwa/screens/kpis.js), loaded by that screen alone
    "zxing-wasm": "zxing-wasm/dist",
}

# Inside the bundle: the PWA, the manifest, each vendor folder under its URL name, and each vendor
# package's licence and package.json (its version) — not served, carried with the code they cover.
_PWA = "pwa"
_MANIFEST = "manifest.json"
_VENDOR = "vendor"
_LICENSES = "vendor-licenses"


def installed() -> bool:
    """True when running from an installed wheel (the bundle is there), False in a source checkout."""
    return (BUNDLE / _PWA).is_dir()


def pwa_dir() -> Path:
    """The folder served under /static/: `$SHIPSHAPE_PWA_DIR` when set, else the package's or the checkout's."""
    configured = os.environ.get(PWA_DIR_ENV)
    if configured:
        return Path(configured).resolve()
    return BUNDLE / _PWA if installed() else CHECKOUT / "pwa"


def manifest() -> Path:
    """The web app manifest served at /manifest.json."""
    return BUNDLE / _MANIFEST if installed() else CHECKOUT / "manifest.json"


def vendor_dir(name: str) -> Path:
    """The folder served under /vendor/<name>/ (`name` is a key of VENDOR)."""
    return BUNDLE / _VENDOR / name if installed() else CHECKOUT / "node_modules" / VENDOR[name]


def where_vendor_comes_from() -> str:
    """What to do when vendor files are missing, for the log line that says so."""
    if installed():
        return f"this package was built without them ({BUNDLE / _VENDOR}): rebuild the wheel after `npm ci`"
    return f"run `npm ci` in {CHECKOUT}"


class MissingBrowserLibraries(RuntimeError):
    """The build found no node_modules (or not the folders the server serves): `npm ci` was not run."""


def write_bundle(target: Path, source: Path, node_modules: Path) -> list[str]:
    """Copy what an installed server serves from the checkout `source` into `target` (replaced).

    Raises MissingBrowserLibraries, naming `npm ci`, when a vendor folder is missing: a wheel
    without them would serve an app that cannot store anything offline or scan with the camera.
    Returns the vendor packages copied, as `name@version`.
    """
    missing = [folder for folder in VENDOR.values() if not (node_modules / folder).is_dir()]
    if missing:
        raise MissingBrowserLibraries(
            f"browser libraries missing from {node_modules} ({', '.join(missing)}): run `npm ci` in {source} "
            "before building the wheel (or point SHIPSHAPE_NODE_MODULES at an installed node_modules folder)"
        )
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source / "pwa", target / _PWA, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    shutil.copy2(source / "manifest.json", target / _MANIFEST)
    copied = []
    for name, folder in VENDOR.items():
        shutil.copytree(node_modules / folder, target / _VENDOR / name)
        package = node_modules / folder.split("/", 1)[0]
        meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
        licenses = target / _LICENSES / meta["name"]
        licenses.mkdir(parents=True)
        shutil.copy2(package / "package.json", licenses / "package.json")
        found = [path for path in package.iterdir() if path.name.upper().startswith(("LICENSE", "LICENCE", "COPYING"))]
        if not found:
            raise MissingBrowserLibraries(f"{package} has no LICENSE file to ship with it ({meta.get('license')})")
        for path in found:
            shutil.copy2(path, licenses / path.name)
        copied.append(f"{meta['name']}@{meta['version']}")
    return copied
