"""HTTP routes for sales channels (admin): list, add, change, rotate the webhook secret."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.accounts.security import ADMIN
from server.channels import service
from server.channels.schemas import ChannelIn, ChannelOut, ChannelUpdate
from server.errors import responses


class ChannelController(Controller):
    path = "/api/channels"
    tags = ["channels"]

    @get("/", guards=[ADMIN], responses=responses(401, 403))
    async def list_channels(self, state: State) -> list[ChannelOut]:
        """Every channel; a webhook secret only as a hint (`…a1b2`)."""
        return await service.list_channels(state.db)

    @post("/", guards=[ADMIN], status_code=HTTP_201_CREATED, responses=responses(400, 401, 403, 409))
    async def create(self, data: ChannelIn, state: State) -> ChannelOut:
        """Add a channel. Its `webhook_secret` (made by the server unless given) is in this answer only:
        copy it now; afterwards only its hint is shown."""
        return await service.create_channel(state.db, data)

    @post("/{code:str}", guards=[ADMIN], status_code=HTTP_200_OK, responses=responses(400, 401, 403, 404))
    async def update(self, code: str, data: ChannelUpdate, state: State) -> ChannelOut:
        """Change name, kind or `active`; `rotate_secret: true` makes a new secret (shown in this answer only)."""
        return await service.update_channel(state.db, code, data)
