"""A floor of pickers' phones pushing to real server processes while faults strike, and the state the
floor must end in, computed from the ops alone (never from what the server answered or stored).

* `ServerPool`: single-process `shipshape serve` servers on fixed ports sharing the test database,
  each of which can be SIGKILLed and started again on its port; it counts the pushes in flight to
  each, so a kill can be aimed at a moment when one is.
* `seed_floor`: disjoint pickers (each their own SKU, bin and orders: exact outcomes are known) and
  racers (several phones picking the same lines, each holding the last units of its SKU).
* `Phone`: one device on its own thread, scanning picks at a pace and pushing its outbox as the PWA
  does (pwa/sync.js): every unacked op re-sent with its seq unchanged, the batch halved and a backoff
  after a network error or a 5xx, Retry-After honoured. A refused connection goes to the next process
  at once, as a load balancer in front of the processes would (nothing was sent). 5% of pushes lose
  their answer (the phone stops listening 2 ms after sending): the server commits, the phone retries.
* `check_floor`: nothing lost, nothing doubled, every answer the same on re-send, the final database
  equal to the expected state, and the G1–G4 invariants of tests/sync/guarantees/harness.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests import support
from tests.sync.guarantees.harness import RawDB, check_invariants
from tests.warehouse import Warehouse, register_device

# -- the floor -------------------------------------------------------------------------------------

DISJOINT_STOCK = 100_000  # ample: a disjoint picker's scans never find the book short
DISJOINT_LINES = (150, 150, 150)  # one order of one line each, per disjoint picker
RACE_LINES = 40  # one order, a line per race SKU, all released to the first racer
RACE_UNITS = 6  # each race line wants exactly the units its bin holds: the last ones
RACE_BIN = "R-01"
MAX_OPS = 500  # what /api/sync/limits advertises; the PWA's first batch size


@dataclass
class PickerPlan:
    name: str  # user name; the device is "<name>'s phone"
    sku: str | None  # disjoint: the picker's own SKU (None for a racer)
    bin: str | None
    lines: list[int] = field(default_factory=list)  # order line ids (disjoint: own; racer: the race lines)
    device_id: str = ""
    headers: dict = field(default_factory=dict)


@dataclass
class Floor:
    admin: dict
    disjoint: list[PickerPlan]
    racers: list[PickerPlan]
    race_skus: list[str]
    line_qty: dict[int, int]  # order line id -> qty
    line_order: dict[int, int]  # order line id -> order id


def seed_floor(urls: list[str], disjoint: int, racers: int) -> Floor:
    """Products, bins, stock, orders and released waves through the API; users and devices. The
    independent parts go to the server processes side by side (Argon2 makes users slow to make)."""
    assert disjoint >= 2 and racers >= 2, "a floor has pickers of both kinds"
    password = support.create_user("root", "admin")
    with httpx.Client(base_url=urls[0], timeout=60) as http:
        admin = support.login(http, "root", password)
        Warehouse(http, admin).location(RACE_BIN, 500)
    plans = [PickerPlan(f"dis{i}", f"D-{i}", f"D-{i:02d}") for i in range(disjoint)]
    plans += [PickerPlan(f"race{i}", None, None) for i in range(racers)]
    race_skus = [f"R-{j}" for j in range(1, RACE_LINES + 1)]

    def picker(n: int) -> None:
        plan = plans[n]
        with httpx.Client(base_url=urls[n % len(urls)], timeout=60) as http:
            if plan.sku is not None:
                warehouse = Warehouse(http, admin)
                warehouse.product(plan.sku, f"Disjoint {plan.sku}", [f"INT-{plan.sku}"])
                warehouse.location(plan.bin, 10 + n)
                warehouse.stock(plan.sku, plan.bin, DISJOINT_STOCK)
            plan.headers = support.login(http, plan.name, support.create_user(plan.name, "picker"))
            plan.device_id = register_device(http, plan.headers, f"{plan.name}'s phone")

    def scarce(j: int) -> None:
        with httpx.Client(base_url=urls[j % len(urls)], timeout=60) as http:
            warehouse = Warehouse(http, admin)
            warehouse.product(race_skus[j], f"Scarce {race_skus[j]}", [f"INT-{race_skus[j]}"])
            warehouse.stock(race_skus[j], RACE_BIN, RACE_UNITS)

    with ThreadPoolExecutor(2 * len(urls)) as pool:
        list(pool.map(picker, range(len(plans))))
        list(pool.map(scarce, range(len(race_skus))))
    line_qty, line_order = {}, {}
    with httpx.Client(base_url=urls[0], timeout=60) as http:
        warehouse = Warehouse(http, admin)
        for plan in plans[:disjoint]:
            orders = [warehouse.order(f"{plan.name}-{k}", [(plan.sku, qty)]) for k, qty in enumerate(DISJOINT_LINES)]
            warehouse.release(orders, plan.name)
            for order in warehouse.read_orders(orders):
                (line,) = order["lines"]
                plan.lines.append(line["id"])
                line_qty[line["id"]], line_order[line["id"]] = line["qty"], order["id"]
        race_order = warehouse.order("RACE", [(sku, RACE_UNITS) for sku in race_skus])
        warehouse.release([race_order], plans[disjoint].name)
        (race_order,) = warehouse.read_orders([race_order])
    by_sku = {line["sku"]: line for line in race_order["lines"]}
    race_lines = [by_sku[sku]["id"] for sku in race_skus]
    for sku in race_skus:
        line_qty[by_sku[sku]["id"]], line_order[by_sku[sku]["id"]] = RACE_UNITS, race_order["id"]
    for plan in plans[disjoint:]:
        plan.lines = race_lines
    return Floor(admin, plans[:disjoint], plans[disjoint:], race_skus, line_qty, line_order)


def disjoint_scans(rng: random.Random, plan: PickerPlan, wrong_sku: str) -> Iterator[tuple[float, dict]]:
    """A picker working their own lines in turn, 1–3 units a scan, now and then scanning the wrong item;
    once every line is full the scans go on (the surplus goes back to a bin). Endless."""
    line = 0
    while True:
        gap = 0.0 if rng.random() < 0.15 else rng.uniform(0.08, 0.25)  # a quick burst: a multi-op batch
        if rng.random() < 0.03:
            args = {"order_line_id": plan.lines[line], "location": plan.bin, "sku": wrong_sku, "qty": 1, "tote": plan.name}
        else:
            args = {"order_line_id": plan.lines[line], "location": plan.bin, "sku": plan.sku, "qty": rng.randint(1, 3)}
            args["tote"] = plan.name
        yield gap, args
        if rng.random() < 0.05:
            line = (line + 1) % len(plan.lines)


def race_scans(rng: random.Random, plan: PickerPlan, race_skus: list[str]) -> Iterator[tuple[float, dict]]:
    """A racer walking the race lines in order, 2–4 scans of 1–2 units on each: with every racer on a
    line, more units are scanned than its bin held."""
    for line_id, sku in zip(plan.lines, race_skus, strict=True):
        for _ in range(rng.randint(2, 4)):
            gap = rng.uniform(0.15, 0.45)
            yield gap, {"order_line_id": line_id, "location": RACE_BIN, "sku": sku, "qty": rng.randint(1, 2), "tote": plan.name}


# -- the server processes --------------------------------------------------------------------------


class ServerPool:
    """`count` single-process servers on the test database, each on a port of its own for the whole test."""

    def __init__(self, count: int, log_dir: Path):
        self.log_dir = log_dir
        self.ports = [support.free_port() for _ in range(count)]
        self.urls = [f"http://127.0.0.1:{port}" for port in self.ports]
        self.servers: list[support.LiveServer | None] = [None] * count
        self.starts = [0] * count
        self.in_flight = [0] * count
        self._lock = threading.Lock()
        self.restarts: list[threading.Thread] = []
        self.restart_times: list[float] = []
        self.restart_errors: list[str] = []
        for i in range(count):
            self.restart_in_background(i)
        self.wait_for_restarts()
        self.restarts.clear()
        self.restart_times.clear()

    def start(self, i: int) -> float:
        """Start server i on its port; the seconds it took to answer /api/health."""
        t = time.monotonic()
        self.starts[i] += 1
        log = self.log_dir / f"server-{i}-{self.starts[i]}.log"
        server = support.LiveServer(port=self.ports[i], log_path=log, startup_timeout=60)
        self.servers[i] = server
        return time.monotonic() - t

    def up(self) -> list[int]:
        return [i for i, server in enumerate(self.servers) if server is not None]

    def restart_in_background(self, i: int) -> None:
        """Start server i again on its port, on a thread of its own (as a supervisor would)."""

        def restart() -> None:
            try:
                self.restart_times.append(self.start(i))
            except Exception as error:  # noqa: BLE001 - reported by wait_for_restarts
                self.restart_errors.append(f"server {i}: {error}")

        thread = threading.Thread(target=restart, daemon=True)
        self.restarts.append(thread)
        thread.start()

    def wait_for_restarts(self) -> None:
        for thread in self.restarts:
            thread.join(120)
        assert not self.restart_errors, "\n".join(self.restart_errors)
        assert len(self.up()) == len(self.urls), "a server did not come back"

    def kill(self, i: int) -> int:
        """SIGKILL server i (no clean-up of any kind runs); the pushes that were in flight to it."""
        server = self.servers[i]
        assert server is not None and server.process.poll() is None, f"server {i} is not running"
        with self._lock:
            in_flight = self.in_flight[i]
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(10)
        self.servers[i] = None
        return in_flight

    def wait_for_push_in_flight(self, i: int, within: float) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline and self.in_flight[i] == 0:
            time.sleep(0.001)

    @contextmanager
    def pushing_to(self, i: int) -> Iterator[None]:
        with self._lock:
            self.in_flight[i] += 1
        try:
            yield
        finally:
            with self._lock:
                self.in_flight[i] -= 1

    def stop_all(self) -> None:
        for thread in self.restarts:  # a server still starting is stopped once it is up
            thread.join(120)
        for server in self.servers:
            if server is not None:
                server.stop()

    def log_tail(self, chars: int = 4000) -> str:
        """The server logs' last lines that say something (tracebacks of failed requests)."""
        out = []
        for path in sorted(self.log_dir.glob("server-*.log")):
            text = path.read_text(errors="replace").strip()
            lines = [l for l in text.splitlines() if not l.startswith("Shipshape on http")]
            if lines:
                out.append(f"--- {path.name}\n" + "\n".join(lines)[-chars:])
        return "\n".join(out)[-3 * chars :]


# -- the phones ------------------------------------------------------------------------------------


def _backoff(failures: int, rng: random.Random) -> float:
    """pwa/sync.js backoffMs, on a test's time scale: exponential from 50 ms, capped at 1 s, jittered."""
    ceiling = min(1.0, 0.05 * 2 ** max(0, failures - 1))
    return ceiling / 2 + rng.random() * ceiling / 2


class Phone(threading.Thread):
    """One device: scans into an outbox at the script's pace and pushes it until every op is acked."""

    def __init__(
        self,
        plan: PickerPlan,
        pool: ServerPool,
        home: int,
        scans: Iterator[tuple[float, dict]],
        stop_scanning: threading.Event,
        seed: int,
        timeout: float = 20,
        signal_drops: float = 0.05,
    ):
        super().__init__(name=plan.name, daemon=True)
        self.plan, self.pool, self.home, self.scans = plan, pool, home, scans
        self.stop_scanning = stop_scanning
        self.timeout = timeout
        self.rng = random.Random(seed)
        self.sent: list[dict] = []  # every op scanned, in seq order
        self.results: dict[int, dict] = {}  # seq -> the result of its first acknowledgement
        self.errors: list[str] = []  # answers a phone must never get (a 4xx, an ack that does not fit)
        self.server_errors: list[str] = []  # a 5xx other than 503 with Retry-After
        self.retries: Counter = Counter()  # why a push had to be sent again
        self.lost_answers = 0  # ops first acked as replays: an earlier push committed them, its answer was lost
        self.batch_sizes: Counter = Counter()  # sizes of the pushes that got a 200
        self.slowest = 0.0  # the longest push round trip, in seconds
        self.signal_drops = signal_drops  # the share of pushes whose answer the phone never hears
        self.done = threading.Event()

    def run(self) -> None:
        try:
            self._run()
        except BaseException as error:  # noqa: BLE001 - reported by check_floor
            self.errors.append(f"{type(error).__name__}: {error}")
        finally:
            self.done.set()

    def _run(self) -> None:
        clients = [httpx.Client(base_url=url, timeout=self.timeout, headers=self.plan.headers) for url in self.pool.urls]
        outbox: list[dict] = []
        size, failures, retry_at = MAX_OPS, 0, 0.0
        scanning, next_scan = True, time.monotonic()
        try:
            while not self.errors:
                now = time.monotonic()
                if scanning and self.stop_scanning.is_set():
                    scanning = False
                while scanning and now >= next_scan:
                    step = next(self.scans, None)
                    if step is None:
                        scanning = False
                        break
                    gap, args = step
                    at = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
                    op = {"seq": len(self.sent) + 1, "type": "pick", "version": 1, "at": at, "args": args}
                    self.sent.append(op)
                    outbox.append(op)
                    next_scan += gap
                if outbox and now >= retry_at:
                    batch = outbox[: max(1, min(size, MAX_OPS))]
                    answer = self._push(clients, batch, len(outbox) - len(batch))
                    if isinstance(answer, float):  # failed: halve the batch, back off
                        size = max(1, len(batch) // 2)
                        failures += 1
                        retry_at = time.monotonic() + max(_backoff(failures, self.rng), answer)
                    elif answer:
                        del outbox[: len(batch)]
                        size, failures = min(MAX_OPS, size * 2), 0
                    continue
                if not scanning and not outbox:
                    return
                wake = min(next_scan if scanning else now + 0.05, retry_at if outbox else now + 0.05)
                time.sleep(min(0.05, max(0.0005, wake - now)))
        finally:
            for client in clients:
                client.close()

    def _push(self, clients: list[httpx.Client], batch: list[dict], pending: int) -> bool | float:
        """True: acked; False: a wrong answer (recorded in errors); a float: failed, retry after that many s."""
        body = {"device_id": self.plan.device_id, "ops": batch, "pending": pending}
        count = len(clients)
        for k in range(count):
            i = (self.home + k) % count
            started = time.monotonic()
            # Now and then the phone loses signal once the push is sent: the server goes on with it,
            # the phone hears nothing, and its retry may reach a process while the first is still running.
            timeout = httpx.Timeout(self.timeout, read=0.002) if self.rng.random() < self.signal_drops else self.timeout
            try:
                with self.pool.pushing_to(i):
                    response = clients[i].post("/api/sync/push", json=body, timeout=timeout)
            except httpx.ConnectError:
                self.retries["connection refused"] += 1
                continue  # nothing reached the server: the next process gets the push at once
            except httpx.TransportError as error:  # the connection broke under the push, or it timed out
                self.retries[type(error).__name__] += 1
                return 0.0
            self.slowest = max(self.slowest, time.monotonic() - started)
            return self._answer(response, batch)
        self.retries["every process refused"] += 1
        return 0.0

    def _answer(self, response: httpx.Response, batch: list[dict]) -> bool | float:
        if response.status_code >= 500:
            self.retries[f"HTTP {response.status_code}"] += 1
            retry_after = response.headers.get("Retry-After")
            if response.status_code != 503 or not retry_after:
                # Retried all the same, as the PWA does; but a fault must be answered 503 + Retry-After.
                self.server_errors.append(f"{response.status_code} {dict(response.headers)} {response.text[:300]}")
            return float(retry_after) if retry_after and retry_after.isdigit() else 0.0
        if response.status_code != 200:
            self.errors.append(f"push of seqs {batch[0]['seq']}..{batch[-1]['seq']}: {response.status_code} {response.text}")
            return False
        data = response.json()
        seqs = [r["seq"] for r in data["results"]]
        # acked_through may run past the batch: a halved retry of a batch that committed unanswered.
        # Like the PWA, the phone drops only the ops it got results for, and re-sends the rest.
        if seqs != [op["seq"] for op in batch] or data["acked_through"] < batch[-1]["seq"]:
            self.errors.append(f"push of seqs {batch[0]['seq']}..{batch[-1]['seq']} answered {data}")
            return False
        for result in data["results"]:
            assert result["seq"] not in self.results, "an acked op was sent again"
            self.results[result["seq"]] = result
            self.lost_answers += result["replayed"]
        self.batch_sizes[len(batch)] += 1
        return True


def start_phones(floor: Floor, pool: ServerPool, seed: int, stop_scanning: threading.Event) -> list[Phone]:
    """A phone per picker, their homes spread over the processes, each with a script drawn from `seed`."""
    phones = []
    plans = floor.disjoint + floor.racers
    for n, plan in enumerate(plans):
        rng = random.Random(f"{seed}-{plan.name}")
        if plan.sku is not None:
            wrong = floor.disjoint[(n + 1) % len(floor.disjoint)].sku
            assert wrong is not None
            scans = disjoint_scans(rng, plan, wrong)
        else:
            scans = race_scans(rng, plan, floor.race_skus)
        phones.append(Phone(plan, pool, n % len(pool.urls), scans, stop_scanning, seed=seed * 1000 + n))
    for phone in phones:
        phone.start()
    return phones


def wait_for_phones(phones: list[Phone], within: float) -> None:
    deadline = time.monotonic() + within
    for phone in phones:
        phone.join(max(0.1, deadline - time.monotonic()))
    stuck = [f"{p.name}: {len(p.sent) - len(p.results)} unacked" for p in phones if p.is_alive()]
    assert not stuck, f"phones still not acked after {within:g} s: {stuck}"


def traffic_summary(phones: list[Phone]) -> str:
    retries: Counter = Counter()
    sizes: Counter = Counter()
    for phone in phones:
        retries += phone.retries
        sizes += phone.batch_sizes
    multi = sum(n for size, n in sizes.items() if size > 1)
    winners: dict[int, set[str]] = defaultdict(set)  # race line -> the phones that got some of its units
    for phone in phones:
        if phone.plan.sku is None:
            for op in phone.sent:
                if phone.results.get(op["seq"], {}).get("result", {}).get("picked"):
                    winners[op["args"]["order_line_id"]].add(phone.name)
    return (
        f"{sum(len(p.sent) for p in phones)} ops in {sum(sizes.values())} acked pushes ({multi} of several ops, "
        f"largest {max(sizes, default=0)}); retries {dict(retries)}; answers lost after commit "
        f"{sum(p.lost_answers for p in phones)} ops; slowest push {max(p.slowest for p in phones):.2f} s; "
        f"race lines whose last units went to several phones: {sum(len(w) > 1 for w in winners.values())} of {len(winners)}"
    )


# -- what must hold --------------------------------------------------------------------------------


@dataclass
class Expected:
    """The state the ops imply, computed here from the ops alone."""

    stock: dict[str, tuple[int, int]] = field(default_factory=dict)  # sku -> (on_hand, reserved)
    lines: dict[int, tuple[int, str]] = field(default_factory=dict)  # line id -> (qty_picked, status)
    orders: dict[int, str] = field(default_factory=dict)  # order id -> status
    tasks: dict[int, tuple[int, str]] = field(default_factory=dict)  # line id -> (task qty_picked, status)
    put_away: dict[str, int] = field(default_factory=dict)  # sku -> units in open put-away tasks
    found: dict[str, int] = field(default_factory=dict)  # sku -> units a pick found beyond the book (cycle counts)
    results: dict[tuple[str, int], tuple[str, str | None, dict | None]] = field(default_factory=dict)


def expected_state(floor: Floor, phones: list[Phone]) -> Expected:
    exp = Expected()
    picked: Counter = Counter()
    by_name = {p.plan.name: p for p in phones}
    for plan in floor.disjoint:
        assert plan.sku is not None
        taken = surplus = 0
        for op in by_name[plan.name].sent:
            a = op["args"]
            if a["sku"] != plan.sku:
                exp.results[(plan.device_id, op["seq"])] = ("rejected", "wrong_item", None)
                continue
            line = a["order_line_id"]
            fill = min(a["qty"], floor.line_qty[line] - picked[line])
            picked[line] += fill
            taken += a["qty"]
            surplus += a["qty"] - fill
            status, code = ("applied", None) if fill == a["qty"] else ("adjusted", "over_pick")
            result = {"picked": fill, "put_away": a["qty"] - fill, "line_qty_picked": picked[line]}
            exp.results[(plan.device_id, op["seq"])] = (status, code, result)
        reserved = sum(floor.line_qty[line] - picked[line] for line in plan.lines)
        exp.stock[plan.sku] = (DISJOINT_STOCK - taken, reserved)
        exp.put_away[plan.sku] = surplus
        exp.found[plan.sku] = 0
    scanned: Counter = Counter()
    for plan in floor.racers:
        for op in by_name[plan.name].sent:
            scanned[op["args"]["order_line_id"]] += op["args"]["qty"]
    for line, sku in zip(floor.racers[0].lines, floor.race_skus, strict=True):
        fill = min(RACE_UNITS, scanned[line])
        picked[line] = fill
        exp.stock[sku] = (max(0, RACE_UNITS - scanned[line]), RACE_UNITS - fill)
        exp.put_away[sku] = scanned[line] - fill
        exp.found[sku] = max(0, scanned[line] - RACE_UNITS)
    for line, qty in floor.line_qty.items():
        exp.lines[line] = (picked[line], "picked" if picked[line] >= qty else "allocated")
        exp.tasks[line] = (picked[line], "done" if picked[line] >= qty else "open")
    lines_of: dict[int, list[int]] = defaultdict(list)
    for line, order in floor.line_order.items():
        lines_of[order].append(line)
    for order, lines in lines_of.items():
        if all(picked[l] >= floor.line_qty[l] for l in lines):
            exp.orders[order] = "picked"
        else:
            exp.orders[order] = "picking" if any(picked[l] for l in lines) else "released"
    return exp


def _resend_everything(pool: ServerPool, phones: list[Phone]) -> list[str]:
    """Each phone pushes all its ops again (a phone that lost track of its acks): every answer must be
    the stored one, marked replayed, exactly as first acknowledged."""
    bad = []
    for phone in phones:
        with httpx.Client(base_url=pool.urls[0], timeout=60, headers=phone.plan.headers) as http:
            for start in range(0, len(phone.sent), 200):
                batch = phone.sent[start : start + 200]
                r = http.post("/api/sync/push", json={"device_id": phone.plan.device_id, "ops": batch})
                if r.status_code != 200:
                    bad.append(f"{phone.name}: re-send of {batch[0]['seq']}..: {r.status_code} {r.text[:300]}")
                    break
                for result in r.json()["results"]:
                    first = phone.results.get(result["seq"])
                    if not result["replayed"] or first is None or {**first, "replayed": True} != result:
                        bad.append(f"{phone.name} seq {result['seq']}: first answer {first}, on re-send {result}")
    return bad


def check_floor(floor: Floor, phones: list[Phone], pool: ServerPool) -> None:
    """Nothing lost, nothing doubled, the same answer on re-send, and the database as the ops imply."""
    errors = [f"{p.name}: {e}" for p in phones for e in p.errors]
    assert not errors, "phones got answers they must never get:\n" + "\n".join(errors[:20]) + "\n" + pool.log_tail()
    errors = [f"{p.name}: {e}" for p in phones for e in p.server_errors]
    assert not errors, "faults answered other than 503 + Retry-After:\n" + "\n".join(errors[:10]) + "\n" + pool.log_tail()
    # Nothing lost: every op scanned was acknowledged, once.
    for phone in phones:
        assert sorted(phone.results) == list(range(1, len(phone.sent) + 1)), f"{phone.name}: ops never acked"
    exp = expected_state(floor, phones)
    raw = RawDB()
    try:
        ledger = raw.fetch("SELECT device_id, seq, status, code, message, result FROM ledger WHERE device_id IS NOT NULL")
        counts = Counter((d, s) for d, s, *_ in ledger)
        doubled = [key for key, n in counts.items() if n > 1]
        assert not doubled, f"ledger rows doubled for (device, seq): {doubled[:10]}"
        want = {(p.plan.device_id, s) for p in phones for s in range(1, len(p.sent) + 1)}
        assert set(counts) == want, f"ledger has {len(set(counts) - want)} rows too many, lacks {sorted(want - set(counts))[:10]}"
        last_seqs = dict(raw.fetch("SELECT device_id, last_seq FROM device"))
        for phone in phones:
            assert last_seqs[phone.plan.device_id] == len(phone.sent), phone.name
        # The stored outcome of every op is the one its phone was told.
        by_device = {p.plan.device_id: p for p in phones}
        for device_id, seq, status, code, message, result in ledger:
            told = by_device[device_id].results[seq]
            stored = {"status": status, "code": code, "message": message, "result": json.loads(result) if result else None}
            assert stored == {k: told[k] for k in stored}, f"{device_id} seq {seq}: stored {stored}, told {told}"

        # Disjoint pickers: each op's outcome follows from their own ops alone.
        wrong = []
        for phone in phones:
            for seq, told in phone.results.items():
                key = (phone.plan.device_id, seq)
                if key in exp.results:
                    status, code, result = exp.results[key]
                    got = (told["status"], told["code"], told["result"] if status != "rejected" else None)
                    if got != (status, code, result):
                        wrong.append(f"{phone.name} seq {seq}: expected {(status, code, result)}, told {got}")
        assert not wrong, "outcomes other than the ops imply:\n" + "\n".join(wrong[:20])
        # Racers: whoever won each op, a line gets exactly its units and the rest goes back to a bin.
        race_results: dict[int, list[tuple[int, dict]]] = defaultdict(list)
        for phone in phones:
            if phone.plan.sku is None:
                for op in phone.sent:
                    race_results[op["args"]["order_line_id"]].append((op["args"]["qty"], phone.results[op["seq"]]))
        for line, results in race_results.items():
            for qty, told in results:
                assert told["status"] in ("applied", "adjusted"), told
                assert told["status"] == "applied" or told["code"] in ("task_reassigned", "over_pick", "stock_discrepancy"), told
                assert told["result"]["picked"] + told["result"]["put_away"] == qty, told
            assert sum(t["result"]["picked"] for _, t in results) == exp.lines[line][0], f"line {line}: {results}"

        stock = {
            sku: (on_hand, reserved)
            for sku, on_hand, reserved in raw.fetch(
                "SELECT p.sku, s.on_hand, s.reserved FROM stock s JOIN product p ON p.id = s.product"
            )
        }
        lines = {lid: (picked, status) for lid, picked, status in raw.fetch("SELECT id, qty_picked, status FROM order_line")}
        orders = dict(raw.fetch("SELECT id, status FROM sales_order"))
        tasks = raw.fetch("SELECT order_line, qty_picked, status FROM pick_task")
        assert len(tasks) == len({t[0] for t in tasks}), "a line has more than one pick task"
        put_away = dict(
            raw.fetch(
                "SELECT p.sku, SUM(f.qty) FROM floor_task f JOIN product p ON p.id = f.product "
                "WHERE f.kind = 'put_away' AND f.status = 'open' GROUP BY p.sku"
            )
        )
        found = dict(
            raw.fetch(
                "SELECT p.sku, SUM(f.qty) FROM floor_task f JOIN product p ON p.id = f.product WHERE f.kind = 'cycle_count' GROUP BY p.sku"
            )
        )
        problems = []
        for name, want_map, got_map in (
            ("stock (on_hand, reserved)", exp.stock, stock),
            ("order line (qty_picked, status)", exp.lines, lines),
            ("order status", exp.orders, orders),
            ("pick task (qty_picked, status)", exp.tasks, {line: (picked, status) for line, picked, status in tasks}),
            ("units in open put-away tasks", {k: v for k, v in exp.put_away.items() if v}, put_away),
            ("units found beyond the book", {k: v for k, v in exp.found.items() if v}, found),
        ):
            for key in sorted(set(want_map) | set(got_map), key=str):
                if want_map.get(key) != got_map.get(key):
                    problems.append(f"{name} of {key}: expected {want_map.get(key)}, database {got_map.get(key)}")
        assert not problems, "the database differs from the state the ops imply:\n" + "\n".join(problems[:30])
        bad = check_invariants(raw)
        assert not bad, "invariants violated:\n  " + "\n  ".join(bad[:30])

        # Nothing doubled on a full re-send either: same answers, no row changed.
        before = raw.fetch("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM ledger")
        stock_before = sorted(raw.fetch("SELECT id, on_hand, reserved FROM stock"))
        resent = _resend_everything(pool, phones)
        assert not resent, "a re-send was answered differently:\n" + "\n".join(resent[:20])
        assert raw.fetch("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM ledger") == before
        assert sorted(raw.fetch("SELECT id, on_hand, reserved FROM stock")) == stock_before
    finally:
        raw.close()
