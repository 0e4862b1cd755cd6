"""Typed business errors raised by the rules and turned into op outcomes by the engine."""

from __future__ import annotations


class Rejected(Exception):
    """The op has no domain effect. `code` is for machines, `message` for people, `field` names the arg."""

    status = 409

    def __init__(self, code: str, message: str, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class NotFound(Rejected):
    """The op names something that does not exist (unknown SKU, order, location …)."""

    status = 404


class Invalid(Rejected):
    """The op's args break a rule that does not depend on state (negative quantity, empty lines …)."""

    status = 422


class IllegalTransition(Rejected):
    """An order (or line) cannot move from its current status to the one asked for."""

    status = 409
