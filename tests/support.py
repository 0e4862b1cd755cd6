"""Shared test helpers: which database, resetting it, users and logins, a live server, order bodies.

The warehouse a test starts from is built with `tests.warehouse`."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from server.db import Database
from server.schema import TABLE_NAMES
from server.settings import DatabaseConfig

ROOT = Path(__file__).resolve().parents[1]
# Every table, children before parents (the order to empty them in), from the one schema description.
DATA_TABLES = list(reversed(TABLE_NAMES))


def db_config() -> DatabaseConfig:
    return DatabaseConfig.from_url(os.environ["DATABASE_URL"])


async def _reset(config: DatabaseConfig) -> None:
    db = Database(config)
    await db.start()
    try:
        async with db.write() as tx:
            if config.dialect == "postgres":
                await tx.execute(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE")
            else:
                for table in DATA_TABLES:
                    await tx.execute(f"DELETE FROM {table}")
            await tx.execute("INSERT INTO warehouse (code, name) VALUES ('MAIN', 'Main warehouse')")
            await tx.execute("INSERT INTO channel (code, name, kind) VALUES ('manual', 'Manual entry', 'manual')")
            await tx.execute(
                "INSERT INTO sync_epoch (epoch, started_at, note) VALUES (?, ?, 'first epoch')",
                secrets.token_hex(8),
                dt.datetime.now(dt.UTC),
            )
    finally:
        await db.close()


def reset_database() -> None:
    """Empty every table and put back what a fresh migration seeds (one warehouse, the manual channel)."""
    asyncio.run(_reset(db_config()))


async def _create_user(username: str, role: str, password: str) -> None:
    from server.accounts.service import create_user

    db = Database(db_config())
    await db.start()
    try:
        await create_user(db, username, role, password)
    finally:
        await db.close()


def create_user(username: str, role: str, password: str | None = None) -> str:
    password = password or f"{username}-password"
    asyncio.run(_create_user(username, role, password))
    return password


async def _sql(statements: list[tuple[str, tuple]]) -> None:
    db = Database(db_config())
    await db.start()
    try:
        async with db.write() as tx:
            for sql, args in statements:
                await tx.execute(sql, *args)
    finally:
        await db.close()


def create_package_type(code: str, max_weight_g: int = 0, name: str = "") -> None:
    """A box or mailer the packers may seal into (configured data, as an admin would set it up); once per code."""
    asyncio.run(
        _sql(
            [
                (
                    "INSERT INTO package_type (code, name, max_weight_g, active) SELECT ?, ?, ?, ? "
                    "WHERE NOT EXISTS (SELECT 1 FROM package_type WHERE code = ?)",
                    (code, name or code, max_weight_g, True, code),
                )
            ]
        )
    )


def set_depot(lat: float, lon: float) -> None:
    """The warehouse's position: where the vans start and end their rounds."""
    asyncio.run(_sql([("UPDATE warehouse SET lat = ?, lon = ?", (lat, lon))]))


def login(client, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real `shipshape serve` process on loopback, for the tests and the benchmarks alike.

    By default it serves the test database (this process's environment, DATABASE_URL included) on a
    free port, with a generous login rate limit, and keeps the server's stderr on a pipe for failure
    messages. The benchmarks, which seed a database of their own, pass their `env` as is and a
    `log_path` that gets the server's stdout and stderr.
    """

    def __init__(
        self,
        workers: int = 1,
        *,
        env: dict[str, str] | None = None,
        port: int | None = None,
        log_path: Path | None = None,
        startup_timeout: float = 30,
    ):
        self.port = port if port is not None else free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if env is None:
            env = {**os.environ, "SHIPSHAPE_LOGIN_RATE_LIMIT": os.environ.get("SHIPSHAPE_LOGIN_RATE_LIMIT", "1000")}
        if log_path is None and "SHIPSHAPE_LOG_LEVEL" not in env:
            # Errors only on the stderr pipe: most tests never read it, and a full pipe would stall the
            # server (tests of the logs set the level and read every line).
            env = {**env, "SHIPSHAPE_LOG_LEVEL": "error"}
        command = [
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        # Every line the server writes to stderr, read as it comes by a thread of our own: a pipe nobody
        # reads fills at 64 KB and then stalls the server on its next log line, and every test after
        # that times out. Tests of the logs read them here.
        self.lines: list[bytes] = []
        if log_path is None:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            stderr = self.process.stderr
            threading.Thread(target=lambda: self.lines.extend(iter(stderr.readline, b"")), daemon=True).start()
        else:
            with open(log_path, "wb") as log_file:
                self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                time.sleep(0.2)  # the reader thread takes the last lines
                output = b"".join(self.lines) if log_path is None else log_path.read_bytes()
                raise RuntimeError(f"server exited: {output.decode()[-2000:]}")
            try:
                if httpx.get(self.url + "/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not come up within {startup_timeout:g} s")

    def stop(self) -> None:
        """Terminate the server (kill it if it will not go within 15 s); stopping twice is harmless."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


ADDRESS = {"line1": "1 Dock Road", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"}


def order_body(ref: str, lines: list[tuple[str, int]], **extra) -> dict:
    return {
        "channel": "manual",
        "external_ref": ref,
        "customer": {"name": "Test Customer"},
        "ship_to": dict(ADDRESS),
        "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
        **extra,
    }


def run_cli(*args: str, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """`shipshape ARGS…` as a user runs it: a new process on the test database, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        input=input,
    )


class EventStream:
    """A server-sent event stream read on a thread of its own: each event lands in `events` with the
    monotonic time it arrived, each comment line (`: keepalive`) in `comments`."""

    def __init__(self, url: str, headers: dict[str, str], last_event_id: int | None = None):
        import queue
        import threading

        self.events: queue.Queue[dict] = queue.Queue()
        self.comments: queue.Queue[tuple[float, str]] = queue.Queue()
        headers = {**headers, "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=None))
        self._request = self._client.stream("GET", url, headers=headers)
        self.response = self._request.__enter__()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        event: dict = {}
        try:
            for line in self.response.iter_lines():
                if not line:
                    if event:
                        self.events.put(event | {"arrived": time.monotonic()})
                        event = {}
                    continue
                if line.startswith(":"):
                    self.comments.put((time.monotonic(), line[1:].strip()))
                    continue
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                event[name] = event[name] + "\n" + value if name == "data" and name in event else value
        except Exception:  # closed by the test, or the server went away: the queues say what came
            return

    def next(self, timeout: float) -> dict | None:
        """The next event within `timeout` seconds (its `data` decoded from JSON), or None."""
        import json
        import queue

        try:
            event = self.events.get(timeout=timeout)
        except queue.Empty:
            return None
        if "data" in event:
            event["data"] = json.loads(event["data"])
        return event

    def close(self) -> None:
        try:
            self._request.__exit__(None, None, None)
        finally:
            self._client.close()
