"""HTTP routes: log in and out, who am I, users (admin), devices."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts import service, throttle
from server.accounts.schemas import (
    DeviceIn,
    DeviceOut,
    GrantsIn,
    GrantsOut,
    LoginIn,
    LoginOut,
    PasswordIn,
    RoleIn,
    UserIn,
    UserOut,
)
from server.accounts.security import ADMIN, ANY_ROLE, STAFF, CurrentUser, token_hash
from server.errors import responses


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", exclude_from_auth=True, status_code=HTTP_200_OK, responses=responses(400, 401, 429))
    async def login(self, data: LoginIn, request: Request, state: State) -> LoginOut:
        """Exchange username and password for a bearer token. Rate-limited per username and per client
        address, across all server processes; a 429 says in `Retry-After` how many seconds to wait."""
        settings = state.settings
        peer = request.client.host if request.client else None
        client = throttle.client_address(peer, request.headers.get("x-forwarded-for"), settings.trusted_proxies)
        wait = await throttle.count_attempt(state.db, data.username, client, settings.login_rate_limit)
        if wait is not None:
            raise TooManyRequestsException(f"too many login attempts: try again in {wait} s", headers={"Retry-After": str(wait)})
        result = await service.login(state.db, data.username, data.password, settings.token_ttl_hours)
        if result is None:
            raise NotAuthorizedException("wrong username or password")
        await throttle.forget_user(state.db, data.username)
        return result

    @post("/logout", guards=[ANY_ROLE], status_code=HTTP_204_NO_CONTENT, responses=responses(401))
    async def logout(self, request: Request, state: State) -> None:
        """Invalidate the token this request carries."""
        await service.logout(state.db, token_hash(request.auth))

    @get("/me", guards=[ANY_ROLE], responses=responses(401))
    async def me(self, request: Request[CurrentUser, str, State]) -> UserOut:
        user = request.user
        return UserOut(user.id, user.username, user.role, user.display_name)


class UserController(Controller):
    path = "/api/users"
    tags = ["users"]

    @get("/", guards=[STAFF], responses=responses(401, 403))
    async def list_users(self, state: State) -> list[UserOut]:
        return await service.list_users(state.db)

    @post("/", guards=[ADMIN], status_code=HTTP_201_CREATED, responses=responses(400, 401, 403, 409))
    async def create_user(self, data: UserIn, state: State) -> UserOut:
        return await service.create_user(state.db, data.username, data.role, data.password, data.display_name)

    @post("/{username:str}/grants", guards=[ADMIN], status_code=HTTP_200_OK, responses=responses(400, 401, 403, 404, 422))
    async def set_grants(self, username: str, data: GrantsIn, state: State) -> GrantsOut:
        """Let this user send device ops beyond the role (e.g. a picker who also receives and counts).
        Replaces the user's earlier grants; the answer lists every op type the user may now send."""
        return await service.set_grants(state.db, username, data.ops)

    @post("/{username:str}/disable", guards=[ADMIN], status_code=HTTP_200_OK, responses=responses(401, 403, 404))
    async def disable_user(self, username: str, state: State) -> UserOut:
        """Disable a user: their tokens stop working at once."""
        return await service.disable_user(state.db, username)

    @post("/{username:str}/enable", guards=[ADMIN], status_code=HTTP_200_OK, responses=responses(401, 403, 404))
    async def enable_user(self, username: str, state: State) -> UserOut:
        """Let a disabled user sign in again."""
        return await service.enable_user(state.db, username)

    @post("/{username:str}/password", guards=[ADMIN], status_code=HTTP_200_OK, responses=responses(400, 401, 403, 404))
    async def reset_password(self, username: str, data: PasswordIn, state: State) -> UserOut:
        """Set a new password (refused when easy to guess, naming `password`); every session of that user ends."""
        return await service.reset_password(state.db, username, data.password)

    @post("/{username:str}/role", guards=[ADMIN], status_code=HTTP_200_OK, responses=responses(400, 401, 403, 404, 409))
    async def change_role(self, username: str, data: RoleIn, state: State) -> UserOut:
        """Give a user another role; their sessions end. The last active admin stays one (409)."""
        return await service.change_role(state.db, username, data.role)


class DeviceController(Controller):
    path = "/api/devices"
    tags = ["devices"]

    @post("/", guards=[ANY_ROLE], status_code=HTTP_201_CREATED, responses=responses(400, 401))
    async def register(self, data: DeviceIn, request: Request[CurrentUser, str, State], state: State) -> DeviceOut:
        """Register the calling device for the current user; its `device_id` numbers its ops."""
        return await service.register_device(state.db, request.user.id, data.name, token_hash(request.auth))

    @get("/", guards=[ANY_ROLE], responses=responses(401))
    async def list_devices(self, request: Request[CurrentUser, str, State], state: State) -> list[DeviceOut]:
        """Supervisors and admins see every device; everyone else their own."""
        user = request.user
        return await service.list_devices(state.db, None if user.role in ("supervisor", "admin") else user.id)

    @post("/{device_id:str}/revoke", guards=[STAFF], status_code=HTTP_200_OK, responses=responses(401, 403, 404))
    async def revoke(self, device_id: str, request: Request[CurrentUser, str, State], state: State) -> DeviceOut:
        """Revoke a lost or retired device: its pushes are refused from now on (their ops kept for a supervisor)
        and every session used from it ends."""
        return await service.revoke_device(state.db, device_id, request.user.id)
