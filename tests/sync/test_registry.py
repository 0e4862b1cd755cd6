"""The op registry: one registration per op, and everything else derived from it."""

from __future__ import annotations

import datetime as dt
import typing
from pathlib import Path

import pytest

import sync
from sync import ops as o
from sync.catalogue import embed
from sync.engine import DEVICE_OP_TYPES, apply_batch, reads_for
from sync.model import State
from sync.registry import ROLES, all_specs, check_complete, spec_for

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def test_every_op_in_the_union_is_registered_once_with_an_apply_function_and_roles():
    specs = all_specs()
    assert {spec.args for spec in specs} == set(typing.get_args(o.Op))
    assert len({spec.type for spec in specs}) == len(specs)
    for spec in specs:
        assert spec.type == spec.args.__struct_config__.tag and spec.version == spec.args.VERSION
        assert callable(spec.apply) and callable(spec.reads)
        assert spec.roles and spec.roles <= set(ROLES)
        assert {"supervisor", "admin"} <= spec.roles, f"{spec.type}: staff can do what the floor does"


def test_an_op_in_the_union_without_a_registration_fails_at_import_time():
    class Unregistered(o._Op, tag="unregistered_for_test", kw_only=True):
        location: str

    # sync.engine runs this very check when it is imported, so a server with such an op never starts.
    with pytest.raises(RuntimeError, match="not registered: Unregistered"):
        check_complete([*typing.get_args(o.Op), Unregistered])
    check_complete(typing.get_args(o.Op))  # today's union is complete
    engine_source = (ROOT / "sync" / "engine.py").read_text()
    assert "\ncheck_complete(o.Op.__args__)\n" in engine_source


def test_an_unregistered_op_that_reaches_the_engine_is_rejected_as_a_bad_op_never_an_error():
    class Stray(o._Op, tag="stray_for_test", kw_only=True):
        note: str = ""

    assert spec_for(Stray()) is None
    state = State(warehouse_id=1)
    (outcome,) = apply_batch(state, [Stray()], now=NOW, actor=1)
    assert (outcome.status, outcome.code, outcome.http_status) == ("rejected", "unknown_op_type", 422)
    assert outcome.ledger is not None and outcome.ledger.op_type == "stray_for_test"


def test_device_op_types_and_the_loader_needs_come_from_the_registrations():
    assert {spec.type: spec.args for spec in all_specs() if spec.device} == DEVICE_OP_TYPES
    assert {"pick", "pick_short", "pack", "ship", "deliver", "deliver_failed"} <= set(DEVICE_OP_TYPES)
    assert not {"intake_order", "cancel_order", "adjust_stock", "release_wave"} & set(DEVICE_OP_TYPES)
    reads = reads_for(
        [
            o.Pick(order_line_id=7, location="A-01", sku="SKU-A", qty=2),
            o.Move(from_location="A-01", to_location="B-02", sku="SKU-B", qty=1),
            o.CancelOrder(order_id=3),
        ]
    )
    assert reads.line_ids == {7} and reads.order_ids == {3}
    assert reads.skus == {"SKU-A", "SKU-B"} and reads.location_codes == {"A-01", "B-02"}
    assert reads.hot[("A-01", "SKU-A")] == ({7: 2}, [0]) and reads.hot[("A-01", "SKU-B")] == ({}, [1])
    assert reads.feeds and reads.allocates


def test_a_short_pick_may_allocate_only_its_own_product():
    # The loader widens the slice (every order holding units in a bin) only where the batch may
    # reserve that bin's product: a short pick of SKU-A says so for SKU-A alone, an intake for any.
    short = reads_for([o.PickShort(order_line_id=7, location="A-01", sku="SKU-A", qty_short=1, reason="damaged")])
    assert short.allocates_skus == {"SKU-A"} and not short.allocates
    pick = reads_for([o.Pick(order_line_id=8, location="B-02", sku="SKU-B", qty=1)])
    assert not pick.allocates_skus and not pick.allocates


def test_the_limits_route_advertises_exactly_the_registered_device_ops(client, admin):
    body = client.get("/api/sync/limits", headers=admin).json()
    assert body["op_types"] == {spec.type: spec.version for spec in all_specs() if spec.device}


def test_the_op_catalogue_in_the_docs_is_the_one_the_registry_makes():
    page = (ROOT / "docs" / "sync-protocol.md").read_text()
    assert embed(page) == page, "docs/sync-protocol.md is stale: python -m sync.catalogue --write docs/sync-protocol.md"
    for spec in all_specs():
        assert f"| `{spec.type}` | {spec.version} |" in page


def test_the_package_exports_the_registry():
    assert sync.spec_named("pick").args is o.Pick
    assert sync.ROLES == ROLES
