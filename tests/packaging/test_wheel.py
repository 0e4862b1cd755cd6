"""An operator installs the built wheel on a machine with no source checkout and serves the app.

The wheel is built from a copy of this checkout (the build writes nothing into the repository),
installed into a fresh virtualenv in a temporary folder, and run from another temporary folder with
PYTHONPATH unset: `shipshape migrate`, `shipshape user add`, `shipshape serve`. Every file the app
shell needs must come back byte for byte what the checkout holds — the PWA, the manifest, the
service worker and the browser libraries that `npm ci` put in node_modules.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server.web.assets import VENDOR
from tests.support import ROOT, free_port

PASSWORD = "wheel-admin-password-of-some-length"
# Not part of the source a build reads: caches, local databases and what the build itself makes.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    "build",
    "dist",
    "__pycache__",
    "*.egg-info",
    ".*_cache",
    ".hypothesis",
    "test-artifacts",
    "*.db",
    "*.db-wal",
    "*.db-shm",
)


@dataclass
class Installed:
    wheel: Path
    venv: Path
    workdir: Path
    url: str
    env: dict[str, str]

    def run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=120, input=input)


def outside_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would point a child at the checkout."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "VIRTUAL_ENV", "PICCOLO_CONF", "DATABASE_URL", "PYTHONHOME"}
        and not key.startswith("SHIPSHAPE_")
    }
    return {**env, **extra}


def source_copy(dest: Path, *, with_node_modules: bool) -> Path:
    shutil.copytree(ROOT, dest, ignore=NOT_SOURCE, symlinks=False)
    if with_node_modules:
        (dest / "node_modules").symlink_to((ROOT / "node_modules").resolve(), target_is_directory=True)
    return dest


def build_wheel(source: Path, outdir: Path) -> subprocess.CompletedProcess:
    # `build` is in the test extras; without it this fails (never skips), as a missing tool should.
    return subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir), str(source)],
        cwd=source,
        env=outside_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def checked(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")
    assert not base.resolve().is_relative_to(ROOT), "the install must happen outside the repository"
    result = checked(build_wheel(source_copy(base / "src", with_node_modules=True), base / "dist"))
    wheels = list((base / "dist").glob("shipshape-*.whl"))
    assert len(wheels) == 1, result.stdout[-2000:]

    venv = base / "venv"
    checked(subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, timeout=120))
    workdir = base / "run"
    workdir.mkdir()
    env = outside_env(DATABASE_URL=f"sqlite:///{workdir / 'shipshape.db'}", SHIPSHAPE_LOGIN_RATE_LIMIT="1000")
    # Dependencies come from the package index, as pip normally finds them.
    checked(
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheels[0])],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    )
    port = free_port()
    site = Installed(wheels[0], venv, workdir, f"http://127.0.0.1:{port}", env)
    checked(site.run(str(venv / "bin" / "shipshape"), "migrate"))
    checked(
        site.run(str(venv / "bin" / "shipshape"), "user", "add", "boss", "--role", "admin", "--password-stdin", input=PASSWORD)
    )

    log = workdir / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [str(venv / "bin" / "shipshape"), "serve", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"the installed server exited: {log.read_text()[-3000:]}"
            try:
                if httpx.get(site.url + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"the installed server did not come up: {log.read_text()[-3000:]}"
            time.sleep(0.2)
        yield site
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    # Nothing the server logged may say a file was missing (e.g. "browser libraries missing").
    assert "missing" not in log.read_text(), log.read_text()[-3000:]


def checkout_file(url: str) -> Path | None:
    """The checkout's file behind a served URL (pwa/, manifest.json, node_modules/), or None."""
    if url == "/manifest.json":
        return ROOT / "manifest.json"
    if url.startswith("/static/"):
        return ROOT / "pwa" / url.removeprefix("/static/")
    if url.startswith("/vendor/"):
        name, _, rest = url.removeprefix("/vendor/").partition("/")
        return ROOT / "node_modules" / VENDOR[name] / rest
    return None


def files_under(folder: Path) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith(".")
    }


def test_the_wheel_carries_the_pwa_the_manifest_and_the_served_browser_libraries_with_their_licences(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    bundle = "server/web/bundle/"
    assert {n.removeprefix(bundle + "pwa/") for n in names if n.startswith(bundle + "pwa/")} == files_under(ROOT / "pwa")
    assert bundle + "manifest.json" in names
    for name, folder in VENDOR.items():
        shipped = {n.removeprefix(f"{bundle}vendor/{name}/") for n in names if n.startswith(f"{bundle}vendor/{name}/")}
        assert shipped == files_under(ROOT / "node_modules" / folder), name
        package = folder.split("/", 1)[0]
        assert f"{bundle}vendor-licenses/{package}/LICENSE" in names, package
    # Nothing else from node_modules (no dev tools, no source trees), and no tests.
    assert not [n for n in names if "node_modules" in n or n.startswith("tests/")]
    assert "server/templates/shell.html" in names
    assert sum(1 for n in names if re.fullmatch(r"server/migrations/shipshape_[\w]+\.py", n)) == len(
        list((ROOT / "server" / "migrations").glob("shipshape_*.py"))
    )


def test_the_server_runs_from_the_virtualenv_not_the_checkout(installed):
    where = installed.run(
        str(installed.venv / "bin" / "python"),
        "-c",
        "import json, server, sync, scanner; from server.web import assets; "
        "print(json.dumps([server.__file__, sync.__file__, scanner.__file__, str(assets.pwa_dir()), assets.installed()]))",
    )
    *modules, pwa, from_package = json.loads(checked(where).stdout)
    for path in [*modules, pwa]:
        assert Path(path).resolve().is_relative_to(installed.venv.resolve()), path
        assert not Path(path).resolve().is_relative_to(ROOT), path
    assert from_package is True


def test_the_installed_server_serves_every_shell_file_byte_for_byte_as_the_checkout_holds_it(installed):
    with httpx.Client(base_url=installed.url, timeout=10) as http:
        shell = http.get("/")
        assert shell.status_code == 200 and "/static/" in shell.text, shell.text[:300]

        worker = http.get("/sw.js")
        assert worker.status_code == 200
        assert worker.content.endswith((ROOT / "pwa" / "sw.js").read_bytes())
        match = re.match(rb"self\.__PRECACHE = (\[.*?\]);\n", worker.content)
        assert match, worker.text[:300]
        listing = {entry["url"]: entry["revision"] for entry in json.loads(match[1])}
        # The app module, the manifest, idb and the decoder's wasm are on the list, as on a checkout.
        for url in (
            "/static/app.js",
            "/manifest.json",
            "/vendor/idb/index.js",
            "/vendor/zxing-wasm/es/reader/index.js",
            "/vendor/zxing-wasm/reader/zxing_reader.wasm",
        ):
            assert url in listing, url

        compared = 0
        for url, revision in listing.items():
            response = http.get(url)
            assert response.status_code == 200, url
            assert hashlib.sha256(response.content).hexdigest()[:16] == revision or url == "/", url
            if (source := checkout_file(url)) is not None:
                assert response.content == source.read_bytes(), f"{url} differs from {source}"
                compared += 1
        assert compared >= 40, sorted(listing)

        # Served but not precached: the other vendor libraries, loaded by one screen each.
        for url in ("/vendor/uplot/uPlot.esm.js", "/vendor/signature_pad/signature_pad.min.js"):
            response = http.get(url)
            assert response.status_code == 200 and response.content == checkout_file(url).read_bytes(), url

        schema = http.get("/schema/openapi.json")
        assert schema.status_code == 200 and schema.json()["info"]["title"], schema.text[:300]
        assert http.get("/schema").status_code == 200


def test_an_admin_created_with_the_installed_cli_logs_in_and_lists_users(installed):
    with httpx.Client(base_url=installed.url, timeout=10) as http:
        login = http.post("/api/auth/login", json={"username": "boss", "password": PASSWORD})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        me = http.get("/api/auth/me", headers=headers)
        assert me.status_code == 200 and me.json()["username"] == "boss" and me.json()["role"] == "admin", me.text
        users = http.get("/api/users", headers=headers)
        assert users.status_code == 200 and "boss" in users.text, users.text


def test_a_wheel_build_without_node_modules_stops_and_says_npm_ci(tmp_path):
    result = build_wheel(source_copy(tmp_path / "src", with_node_modules=False), tmp_path / "dist")
    assert result.returncode != 0
    assert "npm ci" in result.stdout + result.stderr, result.stderr[-2000:]
    assert not list((tmp_path / "dist").glob("*.whl"))
