"""HTTP routes for releasing waves and for a picker's tasks."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.status_codes import HTTP_201_CREATED

from server.accounts.security import STAFF, CurrentUser, may_send, requires
from server.apply import run_one
from server.errors import responses
from server.params import RowId
from server.waves import service
from server.waves.schemas import TaskOut, WaveIn, WaveOut
from sync.ops import ReleaseWave


async def _wave(state: State, wave_id: int) -> WaveOut:
    """The wave as the API shows it, or 404 (after an applied release it always exists)."""
    wave = await service.get_wave(state.db, wave_id)
    if wave is None:
        raise NotFoundException(f"no wave {wave_id}")
    return wave


class WaveController(Controller):
    path = "/api/waves"
    tags = ["waves"]

    @post("/", guards=[may_send("release_wave")], status_code=HTTP_201_CREATED, responses=responses(400, 401, 403, 404, 409, 422))
    async def release(self, data: WaveIn, request: Request[CurrentUser, str, State], state: State) -> WaveOut:
        """Release allocated orders into pick tasks for a picker, sorted by the locations' pick path."""
        outcome = await run_one(state.db, ReleaseWave(order_ids=data.order_ids, picker=data.picker), actor=request.user.id)
        return await _wave(state, outcome.result["wave_id"])

    @get("/{wave_id:int}", guards=[STAFF], responses=responses(400, 401, 403, 404))
    async def get_one(self, wave_id: RowId, state: State) -> WaveOut:
        return await _wave(state, wave_id)


class TaskController(Controller):
    path = "/api/tasks"
    tags = ["waves"]

    @get("/mine", guards=[requires("picker")], responses=responses(401, 403))
    async def mine(self, request: Request[CurrentUser, str, State], state: State) -> list[TaskOut]:
        """The calling picker's open pick tasks, in walking order."""
        return await service.tasks_for(state.db, request.user.id)
