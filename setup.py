"""The wheel build's one step beyond pyproject.toml: carry what the server serves from outside its
packages — the PWA (`pwa/`), `manifest.json` and the browser libraries from `node_modules/` (with
their licences) — into the package, as `server/web/bundle/` (layout: server/web/assets.py).

The copy is made in the build folder only; nothing is written to the source tree. A build without
`node_modules` stops, naming `npm ci`: a wheel without the browser libraries would serve an app
that cannot store anything offline or scan. An editable install copies nothing: it reads `pwa/` and
`node_modules/` in place.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _assets_module():
    """server/web/assets.py, loaded by path: the server's dependencies are not installed at build time."""
    spec = importlib.util.spec_from_file_location("_shipshape_assets", HERE / "server" / "web" / "assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithBrowserFiles(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        assets = _assets_module()
        node_modules = Path(os.environ.get("SHIPSHAPE_NODE_MODULES") or HERE / "node_modules")
        try:
            copied = assets.write_bundle(Path(self.build_lib) / "server" / "web" / "bundle", HERE, node_modules)
        except assets.MissingBrowserLibraries as error:
            raise SystemExit(f"error: {error}") from None
        print(f"shipshape: bundled pwa/, manifest.json and {', '.join(copied)}")


setup(cmdclass={"build_py": BuildWithBrowserFiles})
