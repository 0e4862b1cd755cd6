"""HTTP face of the sync engine: POST /api/sync/push, GET /api/sync/pull, the limits, the exception queue."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK

from server.accounts.security import ANY_ROLE, STAFF, CurrentUser, token_hash
from server.db_errors import unavailable
from server.errors import responses
from server.live.backlog import MAX_PENDING
from server.ops import epoch as epochs
from server.ops import metrics
from server.sync_api import pull as pull_service
from server.sync_api import quarantine, service
from server.sync_api.refusal import SyncRefused
from server.sync_api.schemas import (
    MAX_BYTES,
    MAX_OPS,
    ApplyQuarantinedIn,
    DiscardQuarantinedIn,
    HandOverResult,
    Limits,
    PullOut,
    PushOut,
    QuarantinedOpOut,
)
from sync.engine import DEVICE_OP_TYPES

log = logging.getLogger("shipshape.sync")


def _refusal(error: SyncRefused) -> Response:
    body = {"error": error.error, "message": error.message, **error.extra}
    return Response(body, status_code=error.status)


def _error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> Response[Any]:
    """An error body from a route whose success type is something else (OpenAPI lists them via `responses`)."""
    return Response({"error": error, "message": message}, status_code=status, headers=headers)


class SyncController(Controller):
    path = "/api/sync"
    tags = ["sync"]

    @get("/limits", guards=[ANY_ROLE], responses=responses(401))
    async def limits(self) -> Limits:
        """What a push may carry, and the op types and versions this server applies."""
        return Limits(MAX_OPS, MAX_BYTES, {name: cls.VERSION for name, cls in DEVICE_OP_TYPES.items()})

    @post(
        "/push",
        guards=[ANY_ROLE],
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_BYTES,
        responses=responses(400, 401, 403, 409, 413),
    )
    async def push(self, request: Request[CurrentUser, str, State], state: State) -> Response[PushOut]:
        """Body `{device_id, ops: [{seq, type, version, at, args}]}` (see docs/sync-protocol.md). Each new op
        gets exactly one outcome; replays return their stored result; a gap answers 409 with `expected_seq`;
        an infrastructure failure rolls the whole batch back and answers 503."""
        body = await request.body()
        try:
            batch, defused = service.decode_push(body)
        except msgspec.ValidationError as error:
            return _error(400, "validation_failed", str(error))
        except msgspec.DecodeError as error:
            return _error(400, "bad_request", f"malformed JSON: {error}")
        revoked = request.user.revoked_device
        if revoked is not None and revoked != batch.device_id:
            return _error(401, "device_revoked", "this session ended with a revoked device: sign in again on a trusted phone")

        async def apply() -> PushOut:
            with metrics.PUSH_DURATION.time():
                return await service.push(
                    state.db,
                    request.user.id,
                    request.user.username,
                    batch,
                    defused,
                    allowed=request.user.allowed_ops,
                    # Bind the session to this device only when it is not already (no write on the usual push).
                    token_hash=None if request.user.session_device == batch.device_id else token_hash(request.auth),
                )

        try:
            try:
                return Response(await apply())
            except SyncRefused as error:
                # After a restore the device's next seq may be past what the restored database acknowledged
                # (the ops between were acknowledged, deleted on the phone, then lost): accepted once.
                if error.error != "seq_gap" or not await epochs.accept_restore_gap(state.db, batch.device_id, batch.ops[0].seq):
                    raise
                return Response(await apply())
        except SyncRefused as error:
            return _refusal(error)
        except Exception as error:  # infrastructure failure: the transaction rolled back, the device retries
            if unavailable(error):  # the database restarting or a connection cut: one line, not a traceback
                log.warning("push of %s failed, database unavailable: %s: %s", batch.device_id, type(error).__name__, error)
            else:
                log.exception("push failed; batch rolled back")
            return _error(
                503,
                "unavailable",
                "the push could not be finished; send it again unchanged (an op already applied answers as a replay, never twice)",
                headers={"Retry-After": "1"},
            )

    @get("/pull", guards=[ANY_ROLE], responses=responses(400, 401, 403))
    async def pull(
        self,
        request: Request[CurrentUser, str, State],
        state: State,
        device_id: str,
        cursor: str | None = None,
        pending: Annotated[
            int | None, Parameter(ge=0, le=MAX_PENDING, description="ops this device holds unsent (shown on the live floor)")
        ] = None,
    ) -> Response[PullOut]:
        """The device's work in scope: a delta since `cursor` with `removed` tombstones, or a snapshot with `reset: true`."""
        try:
            out = await pull_service.pull(state.db, request.user.id, request.user.role, device_id, cursor, pending)
        except SyncRefused as error:
            return _refusal(error)
        metrics.PULLS.labels("reset" if out.reset else "delta").inc()
        return Response(out)


class QuarantineController(Controller):
    """A revoked phone's unsent ops, handed over to a supervisor (server/sync_api/quarantine.py)."""

    path = "/api/devices/{device_id:str}/quarantined"
    tags = ["devices"]

    @get("/", guards=[STAFF], responses=responses(401, 403, 404))
    async def list_ops(self, device_id: str, state: State) -> list[QuarantinedOpOut]:
        """The ops a revoked device pushed after it was revoked: each as the phone sent it (seq, type,
        args, its clock) and what became of it (pending, applied or discarded, by whom, when, why)."""
        return await quarantine.list_quarantined(state.db, device_id)

    @post("/apply", guards=[STAFF], status_code=HTTP_200_OK, responses=responses(400, 401, 403, 404))
    async def apply(
        self, device_id: str, data: ApplyQuarantinedIn, request: Request[CurrentUser, str, State], state: State
    ) -> list[HandOverResult]:
        """Apply the chosen ops, in seq order, through the engine as the phone's user would have (their rights,
        their name in the ledger, the phone's clock), recording the calling supervisor as the one who applied
        them; each is applied at most once — a second request reports `already_handled`."""
        return await quarantine.apply_quarantined(state.db, device_id, data.seqs, request.user.id)

    @post("/discard", guards=[STAFF], status_code=HTTP_200_OK, responses=responses(400, 401, 403, 404))
    async def discard(
        self, device_id: str, data: DiscardQuarantinedIn, request: Request[CurrentUser, str, State], state: State
    ) -> list[HandOverResult]:
        """Discard the chosen ops with a reason; who discarded them and why is kept."""
        return await quarantine.discard_quarantined(state.db, device_id, data.seqs, data.reason, request.user.id)
