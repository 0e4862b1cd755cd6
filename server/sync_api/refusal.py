"""Why a push or pull is refused as a whole (wrong device, revoked, gap, too large, bad cursor)."""

from __future__ import annotations


class SyncRefused(Exception):
    """The request cannot be taken at all: nothing applied; `status` and `error` become the HTTP answer."""

    def __init__(self, status: int, error: str, message: str, **extra):
        super().__init__(message)
        self.status, self.error, self.message, self.extra = status, error, message, extra
