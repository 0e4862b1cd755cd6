"""The carriers this server books with, by code: the own fleet always, and the adapters the
deployment names in SHIPSHAPE_CARRIERS (`code=package.module:Class, …`, see server.settings)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator

from server.carriers.own_fleet import OwnFleet
from server.carriers.protocol import Carrier


def _load(code: str, path: str) -> Carrier:
    module_name, _, class_name = path.partition(":")
    try:
        adapter_class = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as error:
        raise ValueError(f"carrier {code!r}: cannot import {path!r} ({error})") from None
    carrier = adapter_class()  # an adapter reads its own credentials (its own environment variables)
    if not isinstance(carrier, Carrier):
        raise ValueError(f"carrier {code!r}: {path} does not implement server.carriers.Carrier")
    if carrier.code != code:
        raise ValueError(f"carrier {code!r}: {path} says its code is {carrier.code!r}")
    return carrier


class Carriers:
    """Carrier adapters by code, built once at start-up."""

    def __init__(self, adapters: Iterable[Carrier] = ()):
        self._by_code: dict[str, Carrier] = {}
        for carrier in (OwnFleet(), *adapters):
            if carrier.code in self._by_code or not 0 < len(carrier.code) <= 32:
                raise ValueError(f"carrier code {carrier.code!r} is taken or not 1 to 32 characters")
            self._by_code[carrier.code] = carrier

    @classmethod
    def from_settings(cls, entries: Iterable[tuple[str, str]]) -> Carriers:
        return cls(_load(code, path) for code, path in entries)

    def get(self, code: str) -> Carrier | None:
        return self._by_code.get(code)

    def codes(self) -> list[str]:
        return list(self._by_code)

    def __iter__(self) -> Iterator[Carrier]:
        return iter(self._by_code.values())
