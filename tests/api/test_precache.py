"""The service worker's precache list: every file of the app shell, each revision the hash of the
bytes the server sends, a new version whenever any of them changes; and an installable manifest."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import struct

import pytest

from server.web import precache, vendor
from tests.support import ROOT

PWA = ROOT / "pwa"
ASSETS = {".js", ".css", ".html"}
# The decoder and the offline libraries the shell must carry besides pwa/ itself.
VENDOR = {
    "/vendor/idb/index.js",
    "/vendor/zxing-wasm/es/reader/index.js",
    "/vendor/zxing-wasm/es/share.js",  # imported by the reader
    "/vendor/zxing-wasm/reader/zxing_reader.wasm",
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def served_list(client) -> tuple[list[dict], str, str]:
    """(precache list, version, worker body) as the browser receives them from /sw.js."""
    response = client.get("/sw.js")
    assert response.status_code == 200, response.text
    match = re.match(r"self\.__PRECACHE = (\[.*?\]);\nself\.__VERSION = (\"[0-9a-f]+\");\n", response.text)
    assert match, response.text[:300]
    return json.loads(match[1]), json.loads(match[2]), response.text[match.end() :]


# The standalone scan page for the camera tests and the decode benchmark: served, never on a phone.
BENCH_PAGES = {"/static/scan/bench.html", "/static/scan/bench.js"}


def shell_files() -> set[str]:
    """Every file under pwa/ the browser loads, found independently of the code under test."""
    found = {
        f"/static/{p.relative_to(PWA).as_posix()}" for p in PWA.rglob("*") if p.suffix in ASSETS and "__pycache__" not in p.parts
    }
    found |= {f"/static/icons/{p.name}" for p in (PWA / "icons").glob("*.png")}
    return found - {"/static/sw.js"} - BENCH_PAGES


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_sw_js_is_served_without_a_token_uncached_as_javascript(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"].startswith("text/javascript")
    _, _, body = served_list(client)
    # A classic script: the list in front of pwa/sw.js unchanged, no module syntax anywhere.
    assert body == (PWA / "sw.js").read_text()
    assert not re.search(r"^\s*(import|export)\b", body, re.MULTILINE)


def test_the_list_holds_every_shell_file_and_the_decoder(client):
    entries, _, _ = served_list(client)
    urls = [entry["url"] for entry in entries]
    assert len(urls) == len(set(urls)), "a URL is listed twice"
    expected = {"/", "/manifest.json", "/gs1/application-identifiers.json", *shell_files(), *VENDOR}
    assert expected <= set(urls), f"missing: {sorted(expected - set(urls))}"
    assert not [url for url in urls if url.endswith(".py")]
    assert "/static/sw.js" not in urls, "the worker is served at /sw.js, not precached"


def test_the_bench_pages_are_served_but_not_precached_onto_phones(client):
    entries, _, _ = served_list(client)
    urls = {entry["url"] for entry in entries}
    assert {path for path in BENCH_PAGES if (ROOT / "pwa" / path.removeprefix("/static/")).is_file()} == BENCH_PAGES
    assert not BENCH_PAGES & urls, f"precached onto every phone: {sorted(BENCH_PAGES & urls)}"
    assert "/static/screens/scan.js" in urls, "the scan screen the bench page shows is the app's own, listed anyway"
    for path in BENCH_PAGES:
        assert client.get(path).status_code == 200, path


def test_no_vendor_library_is_served_that_the_shell_does_not_load(client):
    """Every vendored npm library is reached from the shell's list: an unused one is weight to audit for nothing."""
    entries, _, _ = served_list(client)
    used = {entry["url"].split("/")[2] for entry in entries if entry["url"].startswith("/vendor/")}
    assert used == set(vendor.VENDOR), f"served but never loaded: {sorted(set(vendor.VENDOR) - used)}"
    assert client.get("/vendor/barcode-detector/ponyfill.js").status_code == 404


def test_every_listed_url_answers_200_with_the_bytes_its_revision_names(client):
    entries, _, _ = served_list(client)
    for entry in entries:
        response = client.get(entry["url"])
        assert response.status_code == 200, entry
        if entry["url"] == "/":
            assert response.headers["content-type"].startswith("text/html")
            assert "<title>Shipshape</title>" in response.text
        else:
            assert sha(response.content) == entry["revision"], f"{entry['url']}: served bytes do not match the revision"
    wasm = client.get("/vendor/zxing-wasm/reader/zxing_reader.wasm")
    assert wasm.content[:4] == b"\0asm"


def test_the_version_is_the_hash_of_the_list_and_the_worker(client):
    entries, version, body = served_list(client)
    listing = json.dumps(entries, separators=(",", ":")).encode()
    assert version == sha(listing + b"\0" + body.encode())


@pytest.fixture
def pwa_copy(tmp_path):
    copy = tmp_path / "pwa"
    shutil.copytree(PWA, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def by_url(listing: precache.Precache) -> dict[str, str]:
    return {entry.url: entry.revision for entry in listing.entries}


def test_a_copy_of_the_shell_gives_the_same_list(pwa_copy):
    assert precache.build(pwa_copy) == precache.build(PWA)


def test_changing_one_byte_of_a_shell_file_changes_its_revision_and_the_version(pwa_copy):
    before = precache.build(pwa_copy)
    with open(pwa_copy / "app.css", "a") as css:
        css.write("\n")
    after = precache.build(pwa_copy)

    changed = {url for url, rev in by_url(after).items() if by_url(before)[url] != rev}
    assert changed == {"/static/app.css"}
    assert by_url(after)["/static/app.css"] == sha((pwa_copy / "app.css").read_bytes())
    assert after.version != before.version
    assert after.script != before.script


def test_a_new_module_is_listed_with_what_it_imports_and_python_is_not(pwa_copy):
    (pwa_copy / "camera.js").write_text('import { readBarcodes } from "/vendor/zxing-wasm/es/full/index.js";\n')
    (pwa_copy / "helper.py").write_text("print('not for the browser')\n")
    listing = by_url(precache.build(pwa_copy))
    assert "/static/camera.js" in listing
    assert "/vendor/zxing-wasm/es/full/index.js" in listing
    assert "/vendor/zxing-wasm/es/share.js" in listing, "the module's own import is followed"
    assert "/static/helper.py" not in listing


def test_changing_the_shell_template_or_the_worker_changes_the_version(pwa_copy, tmp_path):
    base = precache.build(pwa_copy)
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "server" / "templates", templates)
    assert precache.build(pwa_copy, templates) == base
    shell = templates / "shell.html"
    shell.write_text(shell.read_text().replace("<title>Shipshape</title>", "<title>Shipshape 2</title>"))
    moved = precache.build(pwa_copy, templates)
    assert by_url(moved)["/"] != by_url(base)["/"]
    assert moved.version != base.version

    with open(pwa_copy / "sw.js", "a") as worker:
        worker.write("// a changed strategy\n")
    assert precache.build(pwa_copy).version != base.version


def test_the_pwa_folder_can_be_moved_by_setting(monkeypatch, pwa_copy):
    monkeypatch.setenv("SHIPSHAPE_PWA_DIR", str(pwa_copy))
    assert precache.pwa_dir() == pwa_copy.resolve()
    monkeypatch.delenv("SHIPSHAPE_PWA_DIR")
    assert precache.pwa_dir() == PWA


def test_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    for key in ("name", "short_name", "description", "id", "theme_color", "background_color"):
        assert manifest.get(key), key
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])

    sizes = {}
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200, icon
        assert image.headers["content-type"] == icon["type"] == "image/png"
        width, height = png_size(image.content)
        assert icon["sizes"] == f"{width}x{height}", f"{icon['src']} is really {width}x{height}"
        for purpose in icon.get("purpose", "any").split():
            sizes.setdefault(purpose, set()).add(width)
    assert {192, 512} <= sizes["any"]
    assert sizes.get("maskable"), "no maskable icon"
    assert max(sizes["maskable"]) >= 512
