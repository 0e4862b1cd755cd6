"""Faults under load: server processes SIGKILLed at random moments, and the database going away, while
pickers' phones push concurrently — and the floor ends exactly as the ops say, with nobody stepping in.

The floor (tests/concurrency/fault_floor.py): six disjoint pickers, each on their own SKU, bin and
three orders (so every outcome of theirs is known in advance, over-picks and wrong items included),
and four racers picking the same 40 lines, each line wanting exactly the last 6 units of its bin, so
more units are scanned than the book holds. Single-process servers (three in the SIGKILL test, two
in the outage tests) share the test database; each phone has a home process and a load balancer's
failover to the next one when a connection is refused; 5% of pushes lose their answer. Phones push
as the PWA does: unacked ops re-sent with the same seqs, the batch halved and a backoff after a
broken connection or a 5xx. They keep scanning until the faults are over, then drain their outboxes;
the number of ops therefore follows the run's length, and the expected state follows the ops.
Uvicorn 0.54 respawns a SIGKILLed worker of `--workers N` by itself; these tests kill whole
single-process servers instead, and restart them as a supervisor (systemd) would.

What must hold afterwards, checked by `check_floor` against a state computed from the ops alone:
every op acked (nothing lost); one ledger row per (device, seq) and stock exactly as the ops imply
(nothing doubled); every op's stored outcome the one its phone was told, and the same again on a full
re-send; for the disjoint pickers each op's outcome and every stock row, line, task and order exactly;
for the raced lines exactly the line's units picked, the rest in put-away totes, the book never
below zero; the G1–G4 invariants.

Set SHIPSHAPE_FAULT_SEED to repeat a run's scans and kill schedule (the seed is printed).
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import threading
import time
from urllib.parse import urlparse

import httpx

from tests import session_db, support
from tests.concurrency.fault_floor import ServerPool, check_floor, seed_floor, start_phones, traffic_summary, wait_for_phones

KILLS = 20
DIALECT = support.db_config().dialect


def _seed() -> int:
    seed = int(os.environ.get("SHIPSHAPE_FAULT_SEED") or random.SystemRandom().randrange(1, 10**6))
    print(f"\nfault seed {seed} (SHIPSHAPE_FAULT_SEED={seed} repeats the scans and the schedule)")
    return seed


def test_twenty_sigkills_at_random_moments_lose_nothing_and_double_nothing(clean_db, tmp_path):
    """Three server processes; 20 SIGKILLs, each 50–400 ms (seeded) after the last, of a random one of
    the processes up (never the last one up), timed to land while a push to it is in flight (waiting
    at most 0.5 s for one); each killed process is started again on its port in the background, as a
    supervisor would, while the others serve."""
    seed = _seed()
    seeding = time.monotonic()
    pool = ServerPool(3, tmp_path)
    up = time.monotonic()
    try:
        floor = seed_floor(pool.urls, disjoint=6, racers=4)
        stop_scanning = threading.Event()
        started = time.monotonic()
        print(f"servers up in {up - seeding:.1f} s, floor seeded in {started - up:.1f} s")
        phones = start_phones(floor, pool, seed, stop_scanning)
        rng = random.Random(seed)
        kills: list[tuple[int, int]] = []
        try:
            for _ in range(KILLS):
                time.sleep(rng.uniform(0.05, 0.4))
                while len(pool.up()) < 2:
                    assert not pool.restart_errors, pool.restart_errors
                    time.sleep(0.01)
                victim = rng.choice(pool.up())
                pool.wait_for_push_in_flight(victim, within=0.5)
                kills.append((victim, pool.kill(victim)))
                pool.restart_in_background(victim)
            pool.wait_for_restarts()
        finally:
            stop_scanning.set()
        faults_over = time.monotonic()
        wait_for_phones(phones, within=120)
        print(
            f"{len(kills)} kills in {faults_over - started:.1f} s ({sum(1 for k in kills if k[1])} with pushes in flight, "
            f"{sum(k[1] for k in kills)} pushes cut); restarts took {min(pool.restart_times):.1f}–"
            f"{max(pool.restart_times):.1f} s; drained {time.monotonic() - faults_over:.1f} s after the last\n"
            + traffic_summary(phones)
        )
        checking = time.monotonic()
        check_floor(floor, phones, pool)
        print(f"checked in {time.monotonic() - checking:.1f} s")
        assert len(kills) == KILLS
        # A kill of an idle process proves little: most must have cut a push.
        assert sum(1 for k in kills if k[1]) >= KILLS // 2, kills
        assert sum(len(p.sent) for p in phones) > 500, "the phones hardly pushed"
        assert any(size > 1 for p in phones for size in p.batch_sizes), "no multi-op batch was pushed"
        assert sum(p.lost_answers for p in phones) > 0, "no answer was lost after its commit: the replays went untested"
    finally:
        pool.stop_all()


def _outage_run(tmp_path, outage, name: str) -> None:
    """Phones push to two server processes while `outage(n)` strikes twice (n = 1, 2), 3 s apart; the
    processes are never restarted by anyone: they must recover by themselves."""
    seed = _seed()
    pool = ServerPool(2, tmp_path)
    try:
        floor = seed_floor(pool.urls, disjoint=6, racers=4)
        pids = [s.process.pid for s in pool.servers if s is not None]
        stop_scanning = threading.Event()
        phones = start_phones(floor, pool, seed, stop_scanning)
        try:
            for n in (1, 2):
                time.sleep(3)
                print(f"{name} {n}: {outage(n):.1f} s")
            time.sleep(3)
        finally:
            stop_scanning.set()
        wait_for_phones(phones, within=120)
        print(traffic_summary(phones))
        assert [s.process.pid for s in pool.servers if s is not None and s.process.poll() is None] == pids, (
            "a server process died"
        )
        check_floor(floor, phones, pool)
        for i, url in enumerate(pool.urls):
            assert httpx.get(url + "/api/health", timeout=10).status_code == 200, f"server {i} did not recover"
    finally:
        pool.stop_all()


if DIALECT == "postgres":

    def _cluster() -> tuple[str, str, str, int]:
        """(version, name, host, port) of the local PostgreSQL cluster DATABASE_URL points at."""
        url = urlparse(os.environ[session_db.CONFIGURED_URL_ENV])
        port = url.port or 5432
        for line in subprocess.run(
            ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
        ).stdout.splitlines():
            version, name, cluster_port, *_ = line.split()
            if int(cluster_port) == port:
                return version, name, url.hostname or "127.0.0.1", port
        raise AssertionError(f"no local PostgreSQL cluster on port {port} (pg_lsclusters): this test restarts it")

    def _restart_postgres(_: int) -> float:
        """Restart the cluster (fast shutdown: every connection is cut, open transactions roll back) and
        wait until it accepts connections again; the seconds it was away."""
        version, name, host, port = _cluster()
        started = time.monotonic()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"], check=True, capture_output=True, timeout=120
        )
        while subprocess.run(["pg_isready", "-q", "-h", host, "-p", str(port)], timeout=30).returncode != 0:
            assert time.monotonic() - started < 120, "PostgreSQL did not come back within 120 s"
            time.sleep(0.1)
        return time.monotonic() - started

    def test_postgresql_restart_during_pushes_recovers_without_a_person(clean_db, tmp_path):
        """PostgreSQL only — in a SQLite run this test does not exist (there is no database server to
        restart there; the SQLite run has `test_sqlite_write_lock_held_during_pushes` instead).

        The PostgreSQL cluster every test uses is restarted twice while the phones push: the server
        processes must ride it out on their own (their pools reconnect; a push cut mid-commit is
        answered 503 or not at all, and the phone's retry lands exactly once), and the floor must end
        exactly as the ops say. The session's database is on that cluster and survives the restart."""
        _outage_run(tmp_path, _restart_postgres, "PostgreSQL restart")

else:

    def _hold_write_lock(_: int) -> float:
        """Another process (an admin's sqlite3 session, a backup) takes the database's write lock and
        holds it, a write pending, for 3 s; the seconds it held it."""
        path = support.db_config().path
        started = time.monotonic()
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("UPDATE warehouse SET name = name || ' (maintenance)'")
            time.sleep(3)
            connection.execute("ROLLBACK")
        finally:
            connection.close()
        return time.monotonic() - started

    def test_sqlite_write_lock_held_during_pushes(clean_db, tmp_path):
        """SQLite only — the counterpart of the PostgreSQL run's cluster restart, which does not exist
        in a SQLite run: twice, another process holds the database file's write lock for 3 s while the
        phones push. Writers wait (busy timeout) instead of failing, the server processes ride it out
        on their own, and the floor ends exactly as the ops say."""
        _outage_run(tmp_path, _hold_write_lock, "write lock held")
