"""Single-op push latency, two servers taking turns: the code of another checkout against this one.

Run:  git worktree add /tmp/base <commit>
      .venv/bin/python bench/push_ab.py --base /tmp/base [--pushes 400]

A noisy machine moves a single push's latency by a millisecond from one minute to the next, more than
most changes do; `sync_drain.py`'s figures from two invocations are then not comparable. Here both
servers run at once, each on its own copy of one seeded SQLite file (the `sync_drain.py` warehouse,
smaller), and one device pushes the same single picks to each in turn (A, B, B, A, …) over the
standard library's `http.client`, so both see the same minutes of the machine. A is `--base`'s
code, B this checkout's. Printed for each: round-trip p10 / median / p90 / p99, the server's own
median and p99 (its access line's `duration_ms`) and its CPU per push (user + system, from /proc).
Every push must be `applied`, or the run fails.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import sync_drain as drain  # noqa: E402  (the seeding and the plan of the drain bench)

import tests.support as support  # noqa: E402


def _call(connection: http.client.HTTPConnection, path: str, body: dict, headers: dict | None = None) -> dict:
    connection.request(
        "POST", path, body=json.dumps(body).encode(), headers={"content-type": "application/json", **(headers or {})}
    )
    response = connection.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"FAIL: {path} answered {response.status}: {data[:200]!r}")
    return json.loads(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True, type=Path, help="a checkout (e.g. a git worktree) whose server is A")
    parser.add_argument("--pushes", type=int, default=400, help="single-op pushes to each server (default 400)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not (args.base / "server" / "cli.py").is_file():
        raise SystemExit(f"{args.base} is not a Shipshape checkout")

    tmp = Path(tempfile.mkdtemp(prefix="shipshape-push-ab-"))
    seeded = tmp / "seeded.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{seeded}", "SHIPSHAPE_LOGIN_RATE_LIMIT": "1000"}
    env.pop("SHIPSHAPE_DEBUG", None)
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    rng = random.Random(args.seed)
    servers = []
    try:
        drain._migrate(env)
        asyncio.run(drain._seed(seeded, rng, 30, args.pushes // 2 + 60))
        plan = drain.build_plan(seeded, rng, 500, args.pushes)
        sides = []
        for name, checkout in (("A", args.base.resolve()), ("B", ROOT)):
            path = tmp / f"{name}.db"
            shutil.copy(seeded, path)
            support.ROOT = checkout  # LiveServer runs `python -m server.cli serve` in this folder
            server = support.LiveServer(
                env={**env, "DATABASE_URL": f"sqlite:///{path}"}, log_path=tmp / f"{name}.log", startup_timeout=60
            )
            servers.append(server)
            connection = http.client.HTTPConnection("127.0.0.1", server.port)
            token = _call(connection, "/api/auth/login", {"username": drain.ONLINE_PICKER, "password": drain.PASSWORD})
            headers = {"Authorization": f"Bearer {token['access_token']}", "content-type": "application/json"}
            device = _call(connection, "/api/devices", {"name": "A/B handheld"}, headers)["device_id"]
            sides.append((name, checkout, server, connection, headers, device))
        support.ROOT = ROOT
        cpu0 = [drain._cpu_seconds(side[2].process.pid) for side in sides]
        times: list[list[float]] = [[], []]
        for seq, (op_type, op_args) in enumerate(plan.online, start=1):
            for i in (0, 1) if seq % 2 else (1, 0):
                _, _, _, connection, headers, device = sides[i]
                envelope = drain._envelope(seq, op_type, op_args, "2026-11-26T11:00:00.000Z")
                body = json.dumps({"device_id": device, "ops": [envelope]}).encode()
                t0 = time.perf_counter()
                connection.request("POST", "/api/sync/push", body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                times[i].append(time.perf_counter() - t0)
                if response.status != 200 or json.loads(data)["results"][0]["status"] != "applied":
                    raise SystemExit(f"FAIL: push {seq} to {sides[i][0]}: {response.status} {data[:200]!r}")
        for (name, checkout, server, *_), seconds, cpu in zip(sides, times, cpu0, strict=True):
            per_push = 1000 * (drain._cpu_seconds(server.process.pid) - cpu) / len(seconds)
            server.stop()
            ms = sorted(1000 * s for s in seconds[20:])
            served = sorted(drain._served_ms(tmp / f"{name}.log", 0)[20:])
            p99 = statistics.quantiles(ms, n=100, method="inclusive")[98]
            print(
                f"{name} ({checkout}): round trip p10 {ms[len(ms) // 10]:.2f} / median {statistics.median(ms):.2f} / "
                f"p90 {ms[len(ms) * 9 // 10]:.2f} / p99 {p99:.2f} ms; server's own median {statistics.median(served):.2f} / "
                f"p99 {statistics.quantiles(served, n=100, method='inclusive')[98]:.2f} ms; server CPU {per_push:.2f} ms a push"
            )
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
