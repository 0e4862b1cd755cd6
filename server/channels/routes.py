"""HTTP routes for sales channels: setup (admin), CSV imports of orders, and the stock feed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from server.accounts.security import ADMIN, STAFF, CurrentUser, may_send
from server.channels import imports, service, stock_feed
from server.channels.feed_auth import check_feed_caller
from server.channels.schemas import ChannelIn, ChannelOut, ChannelUpdate, ImportOut, StockLevelOut
from server.errors import DomainError, responses
from server.params import RowId


class ChannelController(Controller):
    path = "/api/channels"
    tags = ["channels"]

    @get("/", guards=[ADMIN], responses=responses(401, 403))
    async def list_channels(self, state: State) -> list[ChannelOut]:
        """Every channel; a webhook secret only as a hint (`…a1b2`); how its stock webhook is doing."""
        return await service.list_channels(state.db)

    @post("/", guards=[ADMIN], status_code=HTTP_201_CREATED, responses=responses(400, 401, 403, 409))
    async def create(self, data: ChannelIn, state: State) -> ChannelOut:
        """Add a channel. Its `webhook_secret` (made by the server unless given) and its stock-feed
        `api_token` are in this answer only: copy them now; afterwards only the secret's hint is shown."""
        return await service.create_channel(state.db, data)

    @post("/{code:str}", guards=[ADMIN], status_code=HTTP_200_OK, responses=responses(400, 401, 403, 404))
    async def update(self, code: str, data: ChannelUpdate, state: State) -> ChannelOut:
        """Change name, kind, `active` or `stock_webhook_url` ("" switches it off); `rotate_secret: true`
        makes a new secret, `rotate_api_token: true` a new stock-feed token (each shown in this answer only)."""
        return await service.update_channel(state.db, code, data)

    @post(
        "/{code:str}/imports",
        guards=[may_send("intake_order")],
        status_code=HTTP_202_ACCEPTED,
        request_max_body_size=imports.MAX_BYTES,
        responses=responses(400, 401, 403, 404, 409, 413, 415),
    )
    async def import_csv(self, code: str, request: Request[CurrentUser, str, State], state: State) -> ImportOut:
        """Import orders from a CSV file (the body, `Content-Type: text/csv`, UTF-8, at most 64 MiB):
        one row per order line, rows of one order next to each other (docs/channels.md, CSV import).
        A header lacking a required column is refused (400) and nothing is imported. Otherwise the
        answer (202) is the import job; it runs in the background — follow it at
        `GET /api/channels/imports/{id}`. Idempotent on (channel, external_ref): importing a file again
        doubles nothing. `?name=` is the file's name, as shown in the job."""
        name = request.query_params.get("name", "")
        path, size = await imports.receive(request, imports.folder_of(state.settings.attachment_path))
        job = await imports.create_job(state.db, code, request.user.id, path, size, name)
        state.imports.launch(job.id)
        return job

    @get("/{code:str}/imports", guards=[STAFF], responses=responses(401, 403))
    async def list_imports(self, code: str, state: State) -> list[ImportOut]:
        """The channel's latest 20 imports, newest first (their reports at `GET /api/channels/imports/{id}`)."""
        return await imports.list_jobs(state.db, code)

    @get("/imports/{job_id:int}", guards=[STAFF], responses=responses(400, 401, 403, 404))
    async def get_import(self, job_id: RowId, state: State) -> ImportOut:
        """An import's progress (`rows_done` of `rows_total`), its counts and its row-by-row report:
        each bad row with its line in the file (the header is line 1) and the reason."""
        return await imports.get_job(state.db, job_id)

    @get("/{code:str}/stock", exclude_from_auth=True, responses=responses(400, 401, 403, 404))
    async def stock(
        self,
        code: str,
        request: Request,
        state: State,
        sku: Annotated[list[str] | None, Parameter(max_items=500, description="only these SKUs (repeat the parameter)")] = None,
        updated_since: Annotated[
            dt.datetime | None, Parameter(description="only SKUs whose level changed after this time (ISO 8601)")
        ] = None,
    ) -> list[StockLevelOut]:
        """Available-to-promise per SKU (on hand minus reserved in the site's pickable bins), for a
        storefront: `Authorization: Bearer <the channel's api_token>` (or a supervisor's or admin's
        token). Poll with `updated_since` = the newest `updated_at` you hold."""
        await check_feed_caller(request, state.db, code)
        if await state.db.fetchrow("SELECT id FROM channel WHERE code = ?", code) is None:
            raise DomainError("unknown_channel", f"no channel {code!r}", field="code", status=404)
        if updated_since is not None and updated_since.tzinfo is None:
            updated_since = updated_since.replace(tzinfo=dt.UTC)
        found = await stock_feed.levels(state.db, sku or (), updated_since)
        return [StockLevelOut(s, a, t) for s, a, t in found]
