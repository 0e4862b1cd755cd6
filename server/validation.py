"""Strict request bodies: a string where a number belongs is an error, not something to coerce.

Litestar converts bodies leniently (it must, for query strings). Before a handler with a `data`
parameter runs, this hook decodes the body strictly against the same msgspec type, so wrong types
get a 400 naming the field — and nothing is changed.
"""

from __future__ import annotations

from functools import lru_cache

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException


@lru_cache(maxsize=256)
def _decoder(annotation) -> msgspec.json.Decoder:
    return msgspec.json.Decoder(annotation, strict=True)


def _data_annotation(request: Request):
    parameter = request.route_handler.parsed_fn_signature.parameters.get("data")
    return None if parameter is None else parameter.annotation


def _refuse_nul(source: str) -> None:
    raise ValidationException(
        detail="text may not contain NUL characters",
        extra=[{"message": "text may not contain NUL characters (\\u0000)", "key": source, "source": source}],
    )


async def strict_body(request: Request) -> None:
    # No text we store or look up may hold a NUL: PostgreSQL cannot, and no scanner sends one.
    if "\x00" in request.scope["path"]:
        _refuse_nul("path")
    if b"%00" in request.scope.get("query_string", b"").lower():
        _refuse_nul("query")
    annotation = _data_annotation(request)
    if annotation is None:
        return
    body = await request.body()
    if not body:
        return  # Litestar reports a missing body itself
    if b"\\u0000" in body:
        _refuse_nul("body")
    try:
        _decoder(annotation).decode(body)
    except msgspec.ValidationError as error:
        raise ValidationException(
            detail="body does not match the schema", extra=[{"message": str(error), "key": None, "source": "body"}]
        ) from None
    except msgspec.DecodeError as error:
        raise ValidationException(
            detail="body is not valid JSON", extra=[{"message": f"malformed JSON: {error}", "key": "body", "source": "body"}]
        ) from None
