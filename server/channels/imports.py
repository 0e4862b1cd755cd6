"""CSV imports of orders: the upload streamed to disk, a job row, and the import run in the background.

    POST /api/channels/{code}/imports   the file streams to <attachments>/csv-imports/<id>.csv (never
                                        whole in memory); its header is checked (400, nothing kept);
                                        a job row is made and the answer (202) names it
    the import                          in batches of orders, each batch one engine transaction that
                                        also moves the job's counters and report: a batch and its
                                        progress commit together, so a restart resumes exactly after
                                        the last committed batch
    GET /api/channels/imports/{id}      progress and the row-by-row report

Every order is an `intake_order` op, idempotent on (channel, external_ref): a file imported twice
doubles nothing. A process that stops mid-import leaves its job claimed until `LEASE` runs out;
then any process that holds the file resumes it (one without the file marks it failed).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import datetime as dt
import json
import logging
import os
import secrets
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.exceptions.http_exceptions import RequestEntityTooLarge

from server import tasks
from server.apply.runner import EngineTx, engine_transaction
from server.channels.csv_orders import HeaderError, MalformedFile, OrderRows, Problem, check_header, count_rows, open_csv, orders
from server.channels.schemas import ImportOut, ImportProblem
from server.db import DATA_ERRORS, Database, stored_time
from server.errors import DomainError
from sync.engine import Submission

log = logging.getLogger("shipshape.imports")

MAX_BYTES = 64 * 1024 * 1024  # the largest CSV accepted (413 beyond): about 400,000 order lines
BATCH_ORDERS = int(os.environ.get("SHIPSHAPE_IMPORT_BATCH_ORDERS", "100"))  # orders per engine transaction
BATCH_ROWS = 2_000  # … and at most this many rows
REPORT_LIMIT = 1_000  # problems kept in the job's report; beyond, only counted
# How long a job stays with the process working on it without news (renewed by every batch).
LEASE = dt.timedelta(seconds=float(os.environ.get("SHIPSHAPE_IMPORT_LEASE_SECONDS", "120")))
RESUME_EVERY = float(os.environ.get("SHIPSHAPE_IMPORT_RESUME_SECONDS", "15"))
CONTENT_TYPES = ("text/csv", "text/plain", "application/csv")

_JOB = (
    "SELECT j.id, c.code AS channel, j.status, j.file_name, j.size_bytes, j.rows_total, j.rows_done, j.orders_created, "
    "j.orders_duplicate, j.orders_rejected, j.rows_bad, j.report, j.report_more, j.error, u.username AS created_by, "
    "j.created_by AS created_by_id, j.created_at, j.started_at, j.finished_at "
    "FROM channel_import j JOIN channel c ON c.id = j.channel LEFT JOIN app_user u ON u.id = j.created_by"
)


def folder_of(attachment_path: Path) -> Path:
    """Where uploaded files wait for their import: beside the attachments (the same disk and backup)."""
    return attachment_path / "csv-imports"


def _out(row, with_report: bool = True) -> ImportOut:
    report = [ImportProblem(**p) for p in json.loads(row["report"])] if with_report else []
    return ImportOut(
        id=row["id"],
        channel=row["channel"],
        status=row["status"],
        file_name=row["file_name"],
        size_bytes=row["size_bytes"],
        rows_total=row["rows_total"],
        rows_done=row["rows_done"],
        orders_created=row["orders_created"],
        orders_duplicate=row["orders_duplicate"],
        orders_rejected=row["orders_rejected"],
        rows_bad=row["rows_bad"],
        report=report,
        report_more=row["report_more"],
        error=row["error"],
        created_by=row["created_by"],
        created_at=stored_time(row["created_at"]),
        started_at=stored_time(row["started_at"]),
        finished_at=stored_time(row["finished_at"]),
    )


async def get_job(db: Database, job_id: int) -> ImportOut:
    async with db.read() as tx:
        row = await tx.fetchrow(_JOB + " WHERE j.id = ?", job_id)
    if row is None:
        raise DomainError("unknown_import", f"no import {job_id}", field="id", status=404)
    return _out(row)


async def list_jobs(db: Database, code: str) -> list[ImportOut]:
    """A channel's latest imports, newest first, without their reports."""
    async with db.read() as tx:
        rows = await tx.fetch(_JOB + " WHERE c.code = ? ORDER BY j.id DESC LIMIT 20", code)
    return [_out(r, with_report=False) for r in rows]


async def receive(request: Request, folder: Path) -> tuple[Path, int]:
    """Stream the request body into a new file in `folder`, checking it is UTF-8 as it comes; the
    file and its size. Litestar's own limit (the route's `request_max_body_size`) answers 413."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in CONTENT_TYPES:
        raise DomainError(
            "unsupported_media_type",
            f"send the file as text/csv (got {content_type or 'no content type'})",
            field="body",
            status=415,
        )
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    path = folder / f"upload-{secrets.token_hex(8)}.part"
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = 0
    handle = await asyncio.to_thread(open, path, "wb")
    try:
        try:
            async for chunk in request.stream():
                decoder.decode(chunk)
                size += len(chunk)
                await asyncio.to_thread(handle.write, chunk)
            decoder.decode(b"", final=True)
        except RequestEntityTooLarge:
            raise DomainError(
                "too_large",
                f"the file is over {MAX_BYTES // 2**20} MiB, the most one import takes: split it",
                field="body",
                status=413,
            ) from None
        except UnicodeDecodeError as error:
            raise DomainError(
                "not_utf8",
                f"the file is not UTF-8 text (byte {size + error.start} of the file): save it as “CSV UTF-8” and send it again",
                field="body",
                status=400,
            ) from None
    except BaseException:
        handle.close()
        path.unlink(missing_ok=True)
        raise
    await asyncio.to_thread(handle.close)
    return path, size


async def create_job(db: Database, code: str, user_id: int, path: Path, size: int, file_name: str) -> ImportOut:
    """Check the file's header and the channel, make the job row (claimed by this process) and move
    the file to its job's name. Nothing is kept when the header lacks a column (400)."""
    try:
        try:
            await asyncio.to_thread(check_header, path)
        except HeaderError as error:
            raise DomainError("bad_header", str(error), field="header", status=400) from None
        now = dt.datetime.now(dt.UTC)
        async with db.write() as tx:
            channel = await tx.fetchrow("SELECT id, active FROM channel WHERE code = ?", code)
            if channel is None:
                raise DomainError("unknown_channel", f"no channel {code!r}", field="code", status=404)
            if not channel["active"]:
                raise DomainError(
                    "inactive_channel", f"channel {code!r} is switched off: activate it first", field="code", status=409
                )
            rows = await tx.fetch(
                "INSERT INTO channel_import (channel, status, file_name, size_bytes, created_by, created_at, claimed_until) "
                "VALUES (?, 'queued', ?, ?, ?, ?, ?) RETURNING id",
                channel["id"],
                file_name[:200],
                size,
                user_id,
                now,
                now + LEASE,
            )
            job_id = rows[0][0]
            await asyncio.to_thread(path.rename, path.with_name(f"{job_id}.csv"))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return await get_job(db, job_id)


class _Tally:
    """A job's counters and report as committed; a batch works on a copy and this takes it after commit."""

    def __init__(self, row):
        self.rows_done: int = row["rows_done"]
        self.created: int = row["orders_created"]
        self.duplicate: int = row["orders_duplicate"]
        self.rejected: int = row["orders_rejected"]
        self.rows_bad: int = row["rows_bad"]
        self.report: list[dict] = json.loads(row["report"])
        self.report_more: int = row["report_more"]

    def copy(self) -> _Tally:
        new = object.__new__(_Tally)
        new.__dict__.update(self.__dict__)
        new.report = list(self.report)
        return new

    def reject(self, problems: list[Problem]) -> None:
        self.rejected += 1
        self.rows_bad += len({p.line for p in problems})
        for problem in problems:
            if len(self.report) < REPORT_LIMIT:
                self.report.append(problem.as_dict())
            else:
                self.report_more += 1


def _batches(groups: Iterator[OrderRows]) -> Iterator[list[OrderRows]]:
    """Groups of orders for one engine transaction each: BATCH_ORDERS orders or BATCH_ROWS rows."""
    while True:
        batch: list[OrderRows] = []
        rows = 0
        for group in islice(groups, BATCH_ORDERS):
            batch.append(group)
            rows += group.rows
            if rows >= BATCH_ROWS:
                break
        if not batch:
            return
        yield batch


class ImportRunner:
    """Runs this process's imports in the background and resumes abandoned ones (see the module doc)."""

    def __init__(self, db: Database, folder: Path):
        self.db = db
        self.folder = folder
        self._tasks: dict[int, asyncio.Task] = {}
        self._resumer: asyncio.Task | None = None

    async def start(self) -> None:
        self._resumer = asyncio.create_task(self._resume_forever(), name="shipshape-import-resume")

    async def stop(self) -> None:
        await tasks.cancel(self._resumer, *self._tasks.values())
        self._tasks.clear()
        self._resumer = None

    def launch(self, job_id: int) -> None:
        """Start importing a job this process has claimed."""
        task = asyncio.create_task(self._run(job_id), name=f"shipshape-import-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))

    async def _resume_forever(self) -> None:
        while True:
            try:
                await self.resume_abandoned()
            except Exception:
                log.exception("looking for abandoned imports failed; trying again later")
            await asyncio.sleep(RESUME_EVERY)

    async def resume_abandoned(self) -> None:
        """Claim every open job whose lease ran out: resume it when its file is here, else mark it failed."""
        now = dt.datetime.now(dt.UTC)
        async with self.db.read() as tx:
            ids = [
                r[0]
                for r in await tx.fetch(
                    "SELECT id FROM channel_import WHERE status IN ('queued', 'running') AND (claimed_until IS NULL OR claimed_until < ?)",
                    now,
                )
            ]
        for job_id in ids:
            if job_id in self._tasks:
                continue
            async with self.db.write() as tx:
                claimed = await tx.fetch(
                    "UPDATE channel_import SET claimed_until = ? WHERE id = ? AND status IN ('queued', 'running') "
                    "AND (claimed_until IS NULL OR claimed_until < ?) RETURNING id",
                    now + LEASE,
                    job_id,
                    now,
                )
            if not claimed:
                continue  # another process took it first
            if (self.folder / f"{job_id}.csv").exists():
                log.info("resuming CSV import %s", job_id)
                self.launch(job_id)
            else:
                await self._finish(
                    job_id,
                    "failed",
                    "the uploaded file is not on this server any more (the server that took it stopped); upload it again: "
                    "orders already imported are answered as duplicates",
                )

    async def _finish(self, job_id: int, status: str, error: str = "") -> None:
        async with self.db.write() as tx:
            await tx.execute(
                "UPDATE channel_import SET status = ?, error = ?, finished_at = ?, claimed_until = NULL WHERE id = ?",
                status,
                error,
                dt.datetime.now(dt.UTC),
                job_id,
            )
        with contextlib.suppress(OSError):
            await asyncio.to_thread((self.folder / f"{job_id}.csv").unlink, missing_ok=True)

    async def _run(self, job_id: int) -> None:
        try:
            await self._import(job_id)
        except asyncio.CancelledError:
            raise  # the process is stopping: the lease runs out and the job is resumed
        except MalformedFile as error:
            await self._finish(job_id, "failed", f"the file cannot be read past {error}; the rows before it were imported")
        except Exception as error:
            log.exception("CSV import %s failed", job_id)
            await self._finish(job_id, "failed", f"the import stopped: {type(error).__name__}; rows before it were imported")
        else:
            await self._finish(job_id, "done")

    async def _import(self, job_id: int) -> None:
        path = self.folder / f"{job_id}.csv"
        async with self.db.read() as tx:
            job = await tx.fetchrow(
                "SELECT j.*, c.code FROM channel_import j JOIN channel c ON c.id = j.channel WHERE j.id = ?", job_id
            )
        if job is None:
            return
        tally = _Tally(job)
        if job["rows_total"] is None:
            total = await asyncio.to_thread(count_rows, path)
            async with self.db.write() as tx:
                await tx.execute(
                    "UPDATE channel_import SET rows_total = ?, status = 'running', started_at = ? WHERE id = ?",
                    total,
                    dt.datetime.now(dt.UTC),
                    job_id,
                )
        source = await asyncio.to_thread(open_csv, path)
        try:
            batches = _batches(orders(source, job["code"]))
            skip = tally.rows_done  # rows a previous run committed: read again, not submitted again
            while True:
                batch = await asyncio.to_thread(next, batches, None)
                if batch is None:
                    return
                if skip:
                    while batch and skip >= batch[0].rows:
                        skip -= batch.pop(0).rows
                    if not batch:
                        continue
                tally = await self._apply(job_id, job["created_by"], batch, tally)
                await asyncio.sleep(0)  # let requests in between batches
        finally:
            await asyncio.to_thread(source.close)

    async def _apply(self, job_id: int, actor: int | None, batch: list[OrderRows], tally: _Tally) -> _Tally:
        """One batch through the engine, with the job's counters, in one transaction; the new tally."""
        submitted = [group for group in batch if group.op is not None]

        async def work(engine: EngineTx, one_by_one: bool) -> _Tally:
            new = tally.copy()
            now = dt.datetime.now(dt.UTC)
            if submitted:
                ops: list[Any] = [group.op for group in submitted]
                if one_by_one:
                    outcomes = await engine.apply_each([Submission(op) for op in ops], now=now, actor=actor)
                else:
                    outcomes = await engine.apply(ops, now=now, actor=actor, record_rejected=False)
                for group, outcome in zip(submitted, outcomes, strict=True):
                    if outcome.status == "rejected":
                        new.reject([group.problem_at(outcome.field, outcome.message or outcome.code or "refused")])
                    elif outcome.result.get("duplicate"):
                        new.duplicate += 1
                    else:
                        new.created += 1
            for group in batch:
                new.rows_done += group.rows
                if group.op is None:
                    new.reject(group.problems)
            await engine.tx.execute(
                "UPDATE channel_import SET rows_done = ?, orders_created = ?, orders_duplicate = ?, orders_rejected = ?, "
                "rows_bad = ?, report = ?, report_more = ?, claimed_until = ?, status = 'running' WHERE id = ?",
                new.rows_done,
                new.created,
                new.duplicate,
                new.rejected,
                new.rows_bad,
                json.dumps(new.report, ensure_ascii=False),
                new.report_more,
                now + LEASE,
                job_id,
            )
            return new

        try:
            return await engine_transaction(self.db, lambda engine: work(engine, False))
        except DATA_ERRORS:
            # One order's data broke a database limit and the batch rolled back: again op by op, so
            # that order alone is refused.
            log.warning("CSV import %s: a batch hit a data error; retrying it order by order", job_id, exc_info=True)
            return await engine_transaction(self.db, lambda engine: work(engine, True))
