"""HTTP routes for choosing orders for a wave, releasing waves, following them, and a picker's tasks."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.accounts.security import STAFF, CurrentUser, may_send, requires
from server.apply import run_one
from server.apply.runner import EngineTx, engine_transaction
from server.errors import DomainError, responses
from server.params import RowId
from server.waves import service
from server.waves.schemas import Candidate, ReassignWaveIn, TaskOut, WaveIn, WaveOut, WaveSummary
from server.waves.split import split_by_units
from sync import Rejected
from sync.ops import ReassignTask, ReleaseWave

_INDEX = re.compile(r"^order_ids\[(\d+)\]$")


async def _wave(state: State, wave_id: int) -> WaveOut:
    """The wave as the API shows it, or 404 (after an applied release it always exists)."""
    wave = await service.get_wave(state.db, wave_id)
    if wave is None:
        raise NotFoundException(f"no wave {wave_id}")
    return wave


def _invalid(field: str, message: str, code: str = "invalid_filter") -> DomainError:
    return DomainError(code, message, field=field, status=422)


def _moment(value: str, field: str) -> dt.datetime:
    """A date (that day's start, UTC) or a date and time (UTC when it names no offset)."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _invalid(field, f"{field} must be a date (2026-12-01) or a date and time (2026-12-01T12:00:00Z)") from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


class WaveController(Controller):
    path = "/api/waves"
    tags = ["waves"]

    @post("/", guards=[may_send("release_wave")], status_code=HTTP_201_CREATED, responses=responses(400, 401, 403, 404, 409, 422))
    async def release(self, data: WaveIn, request: Request[CurrentUser, str, State], state: State) -> WaveOut | list[WaveOut]:
        """Release allocated orders into pick tasks, sorted by the locations' pick path. With `picker`: one
        wave (the answer is that wave). With `pickers`: one wave per picker (the answer is the list, in the
        pickers' order), the orders split so each walks about the same number of units — every order stays
        whole, the largest goes first to whoever has the fewest units so far. All waves or none."""
        if (data.picker is None) == (data.pickers is None):
            raise _invalid("pickers", "name one picker (picker) or several (pickers), not both and not neither", "bad_pickers")
        if data.picker is not None:
            outcome = await run_one(state.db, ReleaseWave(order_ids=data.order_ids, picker=data.picker), actor=request.user.id)
            return await _wave(state, outcome.result["wave_id"])
        pickers = data.pickers or []
        if len(set(pickers)) != len(pickers):
            raise _invalid("pickers", "a picker appears twice in pickers", "duplicate_picker")
        if len(pickers) > len(data.order_ids):
            raise _invalid(
                "pickers",
                f"{len(pickers)} pickers for {len(data.order_ids)} orders: each picker needs an order",
                "too_many_pickers",
            )
        if len(set(data.order_ids)) != len(data.order_ids):
            raise _invalid("order_ids", "an order appears twice in order_ids", "duplicate_order")
        position = {order_id: i for i, order_id in enumerate(data.order_ids)}

        async def work(engine: EngineTx) -> list[int]:
            units = await service.units_of(engine.tx, data.order_ids)
            shares = split_by_units(units, data.order_ids, pickers)
            ops = [ReleaseWave(order_ids=shares[p], picker=p) for p in pickers]
            outcomes = await engine.apply(ops, now=dt.datetime.now(dt.UTC), actor=request.user.id, record_rejected=False)
            for op, outcome in zip(ops, outcomes, strict=True):
                if outcome.status == "rejected":
                    # Nothing is released: raising rolls the whole transaction back. The field names the
                    # request's own order_ids index, not the index inside one picker's share.
                    field = outcome.field
                    match = _INDEX.match(field or "")
                    if match:
                        field = f"order_ids[{position[op.order_ids[int(match.group(1))]]}]"
                    elif field == "picker":
                        field = f"pickers[{pickers.index(op.picker)}]"
                    raise Rejected(outcome.code or "rejected", outcome.message or "refused", field, outcome.http_status)
            return [outcome.result["wave_id"] for outcome in outcomes]

        wave_ids = await engine_transaction(state.db, work)
        return [await _wave(state, wave_id) for wave_id in wave_ids]

    @get("/", guards=[STAFF], responses=responses(400, 401, 403, 422))
    async def list_waves(
        self,
        state: State,
        status: Literal["open", "done", "all"] = "open",
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> list[WaveSummary]:
        """Waves newest first with their progress, overall and per picker. `open`: some task still open."""
        return await service.list_waves(state.db, status, limit)

    @get("/candidates", guards=[STAFF], responses=responses(400, 401, 403, 422))
    async def candidates(
        self,
        state: State,
        channel: Annotated[str | None, Parameter(max_length=32, description="a sales channel's code")] = None,
        promised_before: Annotated[
            str | None, Parameter(max_length=40, description="orders promised before this date or time (UTC unless given)")
        ] = None,
        zone: Annotated[str | None, Parameter(max_length=16, description="orders with stock reserved in this zone")] = None,
        size: Annotated[
            str | None, Parameter(max_length=16, description="small: 1–3 units, medium: 4–10, large: 11 or more")
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> list[Candidate]:
        """Orders that can go into a wave: allocated (not released, not held), oldest promise first, with
        their channel, size (units, lines) and the zones of the bins their stock is reserved in."""
        if size is not None and size not in service.SIZES:
            raise _invalid("size", f"size must be one of {', '.join(service.SIZES)}")
        moment = _moment(promised_before, "promised_before") if promised_before is not None else None
        async with state.db.read() as tx:
            if channel is not None and not await service.known(tx, "channel", "code", channel):
                raise _invalid("channel", f"no sales channel with code {channel!r}")
            if zone is not None and not await service.known(tx, "location", "zone", zone):
                raise _invalid("zone", f"no location is in zone {zone!r}")
        return await service.candidates(state.db, channel=channel, promised_before=moment, zone=zone, size=size, limit=limit)

    @get("/{wave_id:int}", guards=[STAFF], responses=responses(400, 401, 403, 404))
    async def get_one(self, wave_id: RowId, state: State) -> WaveOut:
        """A wave with its tasks in walking order: bin, SKU, quantity, picked, status and who has it."""
        return await _wave(state, wave_id)

    @post(
        "/{wave_id:int}/reassign",
        guards=[may_send("reassign_task")],
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 404, 409, 422),
    )
    async def reassign(
        self, wave_id: RowId, data: ReassignWaveIn, request: Request[CurrentUser, str, State], state: State
    ) -> WaveOut:
        """Give a wave's open tasks (or only those of `only_from`) to another picker, all or none; the old
        pickers' next pull drops them. Done tasks stay with whoever picked them."""
        task_ids = await service.open_task_ids(state.db, wave_id, data.only_from)
        if task_ids is None:
            raise NotFoundException(f"no wave {wave_id}")
        if not task_ids:
            who = f" for {data.only_from}" if data.only_from else ""
            raise DomainError("no_open_tasks", f"wave {wave_id} has no open tasks{who}", field="wave_id", status=409)

        async def work(engine: EngineTx) -> None:
            ops = [ReassignTask(task_id=task_id, picker=data.picker) for task_id in task_ids]
            outcomes = await engine.apply(ops, now=dt.datetime.now(dt.UTC), actor=request.user.id, record_rejected=False)
            for outcome in outcomes:
                if outcome.status == "rejected":
                    raise Rejected(outcome.code or "rejected", outcome.message or "refused", outcome.field, outcome.http_status)

        await engine_transaction(state.db, work)
        wave = await _wave(state, wave_id)
        wave.done = f"{len(task_ids)} open task{'' if len(task_ids) == 1 else 's'} of wave {wave_id} given to {data.picker}."
        return wave


class TaskController(Controller):
    path = "/api/tasks"
    tags = ["waves"]

    @get("/mine", guards=[requires("picker")], responses=responses(401, 403))
    async def mine(self, request: Request[CurrentUser, str, State], state: State) -> list[TaskOut]:
        """The calling picker's open pick tasks, in walking order."""
        return await service.tasks_for(state.db, request.user.id)
