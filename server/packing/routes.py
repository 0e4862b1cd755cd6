"""HTTP routes for package types: the boxes and mailers packers choose from when they seal."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import PermissionDeniedException
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.accounts.security import ADMIN, CurrentUser, requires
from server.errors import responses
from server.packing import service
from server.packing.schemas import PackageTypeIn, PackageTypeOut, PackageTypeUpdate

_READERS = requires("packer", "supervisor", "admin")


class PackageTypeController(Controller):
    path = "/api/package-types"
    tags = ["packing"]

    @get("/", guards=[_READERS], responses=responses(400, 401, 403))
    async def list_types(
        self,
        request: Request[CurrentUser, str, State],
        state: State,
        all: Annotated[bool, Parameter(description="admins only: retired types too")] = False,  # noqa: A002  (the query parameter's name)
    ) -> list[PackageTypeOut]:
        """The package types in use, by code (`?all=true`: retired ones too, for an admin)."""
        if all and request.user.role != "admin":
            raise PermissionDeniedException("only an admin sees retired package types (all=true)")
        return await service.list_package_types(state.db, include_inactive=all)

    @post("/", guards=[ADMIN], status_code=HTTP_201_CREATED, responses=responses(400, 401, 403, 409))
    async def create(self, data: PackageTypeIn, state: State) -> PackageTypeOut:
        """A new package type; `max_weight_g` 0 means no limit (above it a seal is flagged `overweight`)."""
        return await service.create_package_type(state.db, data)

    @post("/{code:str}", guards=[ADMIN], status_code=HTTP_200_OK, responses=responses(400, 401, 403, 404))
    async def update(
        self, code: Annotated[str, Parameter(max_length=16)], data: PackageTypeUpdate, state: State
    ) -> PackageTypeOut:
        """Change a package type's name, size or weight limit, or retire it (`active: false`): retired
        types cannot be sealed with, but packages sealed with them keep their code."""
        return await service.update_package_type(state.db, code, data)
