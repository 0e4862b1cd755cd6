"""Packing: picked units of an order line scanned into a package, and the package sealed."""

from __future__ import annotations

from typing import Any

from .context import ApplyContext
from .errors import NotFound, Rejected
from .floor import line_named, order_of, product_named, unpack_task
from .model import Package, PackageItem, State
from .ops import Pack, Seal
from .orders import own_lines, set_status
from .reads import Reads
from .registry import STAFF, registers


def _reads_pack(op: Pack, reads: Reads) -> None:
    reads.line_ids.add(op.order_line_id)
    reads.skus.add(op.sku)
    reads.package_codes.add(op.package)


@registers(Pack, reads=_reads_pack, roles=STAFF | {"packer"}, device=True)
def apply_pack(state: State, op: Pack, ctx: ApplyContext) -> dict[str, Any]:
    line = line_named(state, op.order_line_id)
    product = product_named(state, op.sku)
    order = order_of(state, line)
    ctx.about(sales_order=order.id, order_line=line.id, product=product.id)
    if product.id != line.product:
        raise Rejected("wrong_item", f"{op.sku} does not belong on line {line.id}; set it aside", field="sku")
    if order.status in ("cancelled", "on_hold"):
        raise Rejected(
            f"order_{order.status}", f"order {order.external_ref} is {order.status}; do not pack it", field="order_line_id"
        )
    packed = sum(item.qty for item in state.items_of_line(line.id))
    if packed + op.qty > line.qty_picked:
        code = "already_packed" if packed >= line.qty_picked and packed > 0 else "not_picked"
        raise Rejected(
            code,
            f"line {line.id} has {line.qty_picked} picked and {packed} packed; {op.qty} more cannot be packed",
            field="qty",
        )
    package = state.packages_by_code.get(op.package)
    if package is not None and package.sales_order != order.id:
        raise Rejected("package_of_other_order", f"package {op.package} belongs to another order", field="package")
    if package is not None and (package.status != "open" or package.sealed):
        state_now = "sealed" if package.status == "open" else package.status
        raise Rejected("package_sealed", f"package {op.package} is already {state_now}; open a new package", field="package")
    if package is None:
        package = state.add(Package(state.temp_id(), op.package, order.id, "open", "", ctx.now))
    existing = next((i for i in state.items_of_package(package.id) if i.order_line == line.id), None)
    if existing is not None:
        existing.qty += op.qty
        state.touch(existing)
    else:
        state.add(PackageItem(state.temp_id(), package.id, line.id, op.qty))
    live = own_lines(state.lines_of(order.id))  # drop-ship lines leave from the supplier
    if order.status == "picked" and all(sum(i.qty for i in state.items_of_line(l.id)) >= l.qty for l in live):
        set_status(state, order, "packed", ctx.now, ctx.ledger_id)
    return {"package_id": package.id, "packed": packed + op.qty}


def _reads_seal(op: Seal, reads: Reads) -> None:
    reads.package_codes.add(op.package)
    reads.package_type_codes.add(op.package_type)


@registers(Seal, reads=_reads_seal, roles=STAFF | {"packer"}, device=True)
def apply_seal(state: State, op: Seal, ctx: ApplyContext) -> dict[str, Any]:
    package = state.packages_by_code.get(op.package)
    if package is None:
        raise NotFound("unknown_package", f"no package {op.package!r}: scan an item into it first", field="package")
    order = state.orders[package.sales_order]
    ctx.about(sales_order=order.id)
    if order.status in ("cancelled", "on_hold"):
        unpack_task(state, ctx, order, package.id, f"is {order.status}")
        raise Rejected(
            f"order_{order.status}",
            f"order {order.external_ref} is {order.status}: do not seal {package.code}; "
            "unpack it and return the units to stock (a task was created)",
            field="package",
        )
    if package.sealed or package.status != "open":
        if (package.package_type, package.weight_g) == (op.package_type, op.weight_g):
            return {"package_id": package.id, "duplicate": True}
        raise Rejected(
            "package_sealed",
            f"package {package.code} was already sealed as {package.package_type or 'a package'} "
            f"of {package.weight_g} g; open a new package to change it",
            field="package",
        )
    kind = state.package_types_by_code.get(op.package_type)
    if kind is None or not kind.active:
        raise NotFound("unknown_package_type", f"no package type {op.package_type!r} in use", field="package_type")
    if not state.items_of_package(package.id):
        raise Rejected("empty_package", f"package {package.code} holds nothing; scan items into it first", field="package")
    package.sealed_at = ctx.now
    package.package_type = kind.code
    package.weight_g = op.weight_g
    state.touch(package)
    if kind.max_weight_g and op.weight_g > kind.max_weight_g:
        # The scale is the physical fact: the package is sealed as weighed, and someone looks at it.
        ctx.adjust(
            "overweight",
            f"{package.code} weighs {op.weight_g} g, more than a {kind.code} should carry ({kind.max_weight_g} g)",
        )
    return {"package_id": package.id, "duplicate": False}
