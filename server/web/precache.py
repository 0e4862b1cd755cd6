"""The service worker's precache list: every file the app shell needs, each with a revision taken
from the hash of its bytes, and the service worker script that carries the list.

A change to any byte of any listed file changes its revision, hence the list's version, hence the
bytes of `/sw.js`: the browser sees a new service worker, installs it next to the old one, and the
page offers "New version — Reload". Files do not change under a running server (a deploy restarts
it), so the list is built once per process, on the first request for `/sw.js`.

`SHIPSHAPE_PWA_DIR` serves the PWA from another folder than `pwa/` (the update test serves a copy
with one file changed); the templates, the manifest and the vendor files are always the project's
(where they are found, in a checkout or an installed wheel: server/web/assets.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.meta

from server.web import assets
from server.web.vendor import GS1_AI_TABLE, VENDOR

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
SHELL_TEMPLATE = "shell.html"
MANIFEST = assets.manifest()
PWA_DIR_ENV = assets.PWA_DIR_ENV
# Served at /sw.js with the list prepended, so it is not itself one of the precached /static files.
SERVICE_WORKER = "sw.js"

# What a browser loads from pwa/ (served under /static/). Python helpers, docs and the like are
# served too but never requested by the shell, so precaching them would only cost bandwidth.
ASSET_SUFFIXES = {
    ".js",
    ".mjs",
    ".css",
    ".html",
    ".json",
    ".png",
    ".svg",
    ".webp",
    ".ico",
    ".woff2",
    ".mp3",
    ".ogg",
    ".wav",
}
# Served for the camera tests and the decode benchmark, never opened by the app: a phone need not
# carry them (the modules they import are the app's own and are listed anyway).
NOT_ON_PHONES = ("scan/bench.*",)
# Vendor entry modules (their static imports are followed) and plain vendor files. The decoder is
# here so that scanning works offline; the page only loads it when the camera opens.
VENDOR_MODULES = ("/vendor/idb/index.js", "/vendor/zxing-wasm/es/reader/index.js")
VENDOR_FILES = ("/vendor/zxing-wasm/reader/zxing_reader.wasm",)

# Static import specifiers: `import x from "s"`, `export * from "s"`, `import "s"`; also minified
# (`import{a as b}from"../share.js"`). `import("s")` is dynamic and not followed.
_STATIC_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*)(["'])([^"'\n]+)\1""")

log = logging.getLogger("shipshape.web")


def pwa_dir() -> Path:
    """The folder served under /static/: `pwa/`, or `$SHIPSHAPE_PWA_DIR` when set."""
    return assets.pwa_dir()


@dataclass(frozen=True, slots=True)
class Entry:
    url: str
    revision: str


@dataclass(frozen=True, slots=True)
class Precache:
    entries: tuple[Entry, ...]
    version: str
    script: bytes  # the body of /sw.js

    def as_json(self) -> list[dict[str, str]]:
        return [{"url": entry.url, "revision": entry.revision} for entry in self.entries]


def revision(data: bytes) -> str:
    """A short sha256 of a file's bytes: 64 bits, plenty to tell two versions of one file apart."""
    return hashlib.sha256(data).hexdigest()[:16]


def file_for(url: str, pwa: Path) -> Path | None:
    """The file the server answers `url` with, or None for a URL that is not a static file."""
    if url == "/manifest.json":
        return MANIFEST
    if url == "/gs1/application-identifiers.json":
        return GS1_AI_TABLE
    if url.startswith("/static/"):
        return pwa / url.removeprefix("/static/")
    if url.startswith("/vendor/"):
        name, _, rest = url.removeprefix("/vendor/").partition("/")
        if name in VENDOR:
            return assets.vendor_dir(name) / rest
    return None


def _shell_source(templates: Path) -> bytes:
    """The shell template and every template it extends or includes, in a fixed order.

    The shell is rendered with a constant context, so its output changes exactly when one of these
    sources changes; hashing them avoids rendering outside a request.
    """
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), autoescape=True)
    seen: dict[str, bytes] = {}
    pending = [SHELL_TEMPLATE]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        source = (templates / name).read_bytes()
        seen[name] = source
        parsed = env.parse(source.decode())
        pending.extend(ref for ref in jinja2.meta.find_referenced_templates(parsed) if ref)
    return b"".join(name.encode() + b"\0" + seen[name] + b"\0" for name in sorted(seen))


def _imports_of(url: str, source: bytes) -> list[str]:
    """The same-origin URLs a module statically imports (relative or absolute specifiers only)."""
    found = []
    for _, specifier in _STATIC_IMPORT.findall(source.decode("utf-8", errors="replace")):
        if specifier.startswith("/"):
            target = specifier
        elif specifier.startswith(("./", "../")):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(url), specifier))
        else:
            continue  # bare specifiers and full URLs: a browser without an import map cannot load them
        found.append(target.split("?", 1)[0].split("#", 1)[0])
    return found


def _pwa_urls(pwa: Path) -> list[str]:
    urls = []
    for path in sorted(pwa.rglob("*")):
        relative = path.relative_to(pwa)
        if not path.is_file() or path.suffix not in ASSET_SUFFIXES:
            continue
        if any(part.startswith(".") or part in {"__pycache__", "node_modules"} for part in relative.parts):
            continue
        if relative.as_posix() == SERVICE_WORKER or any(relative.match(pattern) for pattern in NOT_ON_PHONES):
            continue
        urls.append(f"/static/{relative.as_posix()}")
    return urls


def build(pwa: Path | None = None, templates: Path = TEMPLATES) -> Precache:
    """Hash every file of the shell served from `pwa` (default: `pwa_dir()`)."""
    pwa = pwa or pwa_dir()
    contents: dict[str, bytes] = {"/": _shell_source(templates)}
    queue = ["/manifest.json", "/gs1/application-identifiers.json", *_pwa_urls(pwa), *VENDOR_MODULES, *VENDOR_FILES]
    while queue:
        url = queue.pop(0)
        if url in contents:
            continue
        path = file_for(url, pwa)
        if path is None or not path.is_file():
            # A module importing a file that is not there is broken in the browser too; say so
            # rather than fail every install of the service worker.
            log.warning("precache: %s is not a served file, left out", url)
            continue
        contents[url] = path.read_bytes()
        if url.endswith((".js", ".mjs")):
            queue.extend(_imports_of(url, contents[url]))

    entries = tuple(Entry(url, revision(data)) for url, data in sorted(contents.items()))
    worker = (pwa / SERVICE_WORKER).read_bytes()
    listing = json.dumps([{"url": e.url, "revision": e.revision} for e in entries], separators=(",", ":"))
    # The worker's own code is part of the version: a changed fetch strategy needs fresh caches too.
    version = revision(listing.encode() + b"\0" + worker)
    script = f"self.__PRECACHE = {listing};\nself.__VERSION = {json.dumps(version)};\n".encode() + worker
    return Precache(entries, version, script)


@functools.cache
def current() -> Precache:
    """The list for this process, built on first use (about a millisecond per megabyte hashed)."""
    return build()
