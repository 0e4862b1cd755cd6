"""Browser libraries served from our own origin (`npm ci` installs them from package.json and
package-lock.json; nothing third-party is committed; a wheel carries copies, see server/web/assets.py).
The decoder's wasm is among them: a device never fetches code from a CDN, so scanning works offline
and behind a closed firewall.

Only the folders listed in `assets.VENDOR` are reachable, under /vendor/<name>/.
"""

from __future__ import annotations

import importlib.resources
import logging
from pathlib import Path

from litestar.static_files import create_static_files_router

from server.web import assets
from server.web.assets import VENDOR

# biip's own table of GS1 Application Identifiers (formats and patterns), served so the device's
# offline interpreter reads the very same rules as the server's (scanner/interpret.py).
GS1_AI_TABLE = Path(str(importlib.resources.files("biip.gs1_application_identifiers") / "_application_identifiers.json"))

log = logging.getLogger("shipshape.web")


def missing() -> list[str]:
    """The vendor folders that are not there (in a checkout: run `npm ci` in the project folder)."""
    return [str(assets.vendor_dir(name)) for name in VENDOR if not assets.vendor_dir(name).is_dir()]


def warn_if_missing() -> None:
    if gone := missing():
        log.error(
            "browser libraries missing (%s): %s — camera scanning and offline storage will not load",
            ", ".join(gone),
            assets.where_vendor_comes_from(),
        )


vendor_routers = [
    create_static_files_router(
        path=f"/vendor/{name}",
        directories=[assets.vendor_dir(name)],
        opt={"exclude_from_auth": True},
        include_in_schema=False,
        name=f"vendor-{name}",
    )
    for name in VENDOR
]
