"""HTTP routes for proof-of-delivery files: upload (whole or by byte range), progress, and reading back.

Photos and signatures are personal data: drivers, supervisors and admins may upload; only a
supervisor, an admin or the driver who uploaded the file may read it, and nothing is ever cached."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, Response, get, head, put
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import HeaderParameter, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from server.accounts.security import CurrentUser, requires
from server.attachments import service
from server.attachments.schemas import AttachmentOut, UploadConflict, UploadProgress
from server.attachments.service import CONTENT_TYPES, KIND_HEADER, RANGE_HEADER, SHA256_HEADER
from server.errors import responses

UPLOADERS = requires("driver", "supervisor", "admin")
_IMAGE_TYPES = sorted({t for types in CONTENT_TYPES.values() for t in types})
_BINARY = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)

AttachmentId = Annotated[
    str, Parameter(description="the id the phone generated for the file: a lowercase UUID v4 (checked by the route, 400 `id`)")
]


@dataclass
class _RawBodyOperation(Operation):
    """The upload's body is the file's raw bytes (the handler streams it, so Litestar cannot see it)."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={"application/octet-stream": OpenAPIMediaType(schema=_BINARY)},
            required=True,
            description="The whole file, or the bytes `Content-Range` names.",
        )


@dataclass
class _ImageOperation(Operation):
    """The file's bytes, under the type sniffed from them when it was uploaded."""

    def __post_init__(self) -> None:
        if self.responses and "200" in self.responses:
            ok = self.responses["200"]
            if not isinstance(ok, dict) and hasattr(ok, "content"):
                ok.content = {media: OpenAPIMediaType(schema=_BINARY) for media in _IMAGE_TYPES}


_STATUS_CODES = {True: HTTP_201_CREATED, False: HTTP_200_OK}


class AttachmentController(Controller):
    path = "/api/attachments"
    tags = ["attachments"]

    @put(
        "/{attachment_id:str}",
        guards=[UPLOADERS],
        status_code=HTTP_201_CREATED,
        operation_class=_RawBodyOperation,
        responses={
            201: ResponseSpec(AttachmentOut, description="This request completed the file: hash verified, type sniffed, stored"),
            200: ResponseSpec(AttachmentOut, description="Already held whole with this SHA-256: nothing was written"),
            202: ResponseSpec(UploadProgress, description="Chunk stored; the file is not complete yet"),
            409: ResponseSpec(
                UploadConflict,
                description="`attachment_conflict`: the id holds other content; "
                "`range_mismatch`: the chunk does not start at `received`, the bytes held",
            ),
            **responses(400, 401, 403, 413, 415),
        },
    )
    async def upload(
        self,
        attachment_id: AttachmentId,
        request: Request[CurrentUser, str, State],
        state: State,
        sha256: Annotated[
            str | None, HeaderParameter(name=SHA256_HEADER, description="SHA-256 of the whole file, 64 lowercase hex digits")
        ] = None,
        kind: Annotated[str | None, HeaderParameter(name=KIND_HEADER, description="`photo` or `signature`")] = None,
        content_range: Annotated[
            str | None,
            HeaderParameter(
                name=RANGE_HEADER, description="`bytes <start>-<end>/<total>` for a chunk; absent: the body is the whole file"
            ),
        ] = None,
    ) -> Response[AttachmentOut | UploadProgress]:
        """Upload a photo (≤ 307,200 bytes: JPEG, PNG or WebP) or a signature (≤ 102,400 bytes: PNG), whole
        or chunk by chunk from byte 0. The type is judged by the content. 201: this request completed the
        file; 200: it was already held with this SHA-256; 202: chunk stored, send the next from `received`.
        """
        length = request.headers.get("content-length", "")
        chunk = service.parse_chunk(attachment_id, kind, sha256, content_range, int(length) if length.isdigit() else None)
        result = await service.upload(state.db, state.attachments, request.user, chunk, request.stream())
        if isinstance(result, UploadProgress):
            return Response(result, status_code=HTTP_202_ACCEPTED)
        return Response(result, status_code=_STATUS_CODES[result.stored])

    @get("/{attachment_id:str}/status", guards=[UPLOADERS], responses=responses(400, 401, 403, 404))
    async def status(self, attachment_id: AttachmentId, state: State) -> UploadProgress:
        """How many bytes of the file the server holds: where an interrupted upload resumes."""
        found = await service.progress(state.db, state.attachments, attachment_id)
        if found is None:
            raise NotFoundException(f"no attachment {attachment_id}")
        return found

    @head("/{attachment_id:str}/status", guards=[UPLOADERS], responses=responses(400, 401, 403, 404))
    async def status_head(self, attachment_id: AttachmentId, state: State) -> Response[None]:
        """The same as GET, in headers: `X-Attachment-Received`, `X-Attachment-Total`, `X-Attachment-Complete`."""
        found = await service.progress(state.db, state.attachments, attachment_id)
        if found is None:
            raise NotFoundException(f"no attachment {attachment_id}")
        return Response(
            None,
            headers={
                "X-Attachment-Received": str(found.received),
                "X-Attachment-Total": str(found.total),
                "X-Attachment-Complete": "true" if found.complete else "false",
            },
        )

    @get(
        "/{attachment_id:str}",
        guards=[UPLOADERS],
        operation_class=_ImageOperation,
        responses=responses(400, 401, 403, 404),
    )
    async def read(self, attachment_id: AttachmentId, request: Request[CurrentUser, str, State], state: State) -> Response[bytes]:
        """The file, under the type sniffed from it. Supervisors and admins; a driver only a file they uploaded."""
        found = await service.stored_file(state.db, state.attachments, attachment_id)
        if found is None:
            raise NotFoundException(f"no attachment {attachment_id}")
        user = request.user
        if user.role == "driver" and found.uploaded_by != user.id:
            raise PermissionDeniedException(f"role 'driver' may read only the attachments they uploaded, not {attachment_id}")
        try:
            content = await asyncio.to_thread(found.path.read_bytes)
        except FileNotFoundError:
            raise NotFoundException(f"the file of attachment {attachment_id} is missing from the server") from None
        return Response(
            content,
            media_type=found.content_type,
            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Content-Disposition": "inline"},
        )
