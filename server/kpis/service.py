"""KPIs of a period from what was recorded: the order timeline (order_event) and the ledger.

Four queries whatever the period's size: the orders received, shipped or delivered in it (with
their first shipped, delivered and cancelled times and their units, by correlated subqueries on
indexed columns), the period's pick and short-pick ledger rows, its return rows, and the RMAs opened in it. Everything
else is arithmetic in server/kpis/measures.py. Nothing is cached or stored: any past period is
recomputed from the same rows, and gives the same answer.
"""

from __future__ import annotations

import csv
import io
import json

from server.db import Database
from server.kpis import measures
from server.kpis.measures import OrderFlow, PickScan, ReturnScan, RmaOpened
from server.kpis.period import Period, utc
from server.kpis.schemas import Kpi, KpisOut

_FLOWS = """
SELECT o.id, o.created_at, o.promised_at,
  (SELECT MIN(e.at) FROM order_event e WHERE e.sales_order = o.id AND e.status = 'shipped') AS shipped_at,
  (SELECT MIN(e.at) FROM order_event e WHERE e.sales_order = o.id AND e.status = 'delivered') AS delivered_at,
  (SELECT MIN(e.at) FROM order_event e WHERE e.sales_order = o.id AND e.status = 'cancelled') AS cancelled_at,
  (SELECT SUM(l.qty) FROM order_line l WHERE l.sales_order = o.id) AS ordered_units,
  (SELECT SUM(l.qty_picked) FROM order_line l WHERE l.sales_order = o.id) AS picked_units
FROM sales_order o
WHERE o.id IN (
  SELECT e.sales_order FROM order_event e WHERE e.status IN ('new', 'shipped', 'delivered') AND e.at >= ? AND e.at < ?
)
"""
_PICKS = (
    "SELECT u.username, l.op_type, l.status, l.code, l.result, l.device_at, l.committed_at FROM ledger l "
    "JOIN app_user u ON u.id = l.actor WHERE l.op_type IN ('pick', 'pick_short') AND l.committed_at >= ? AND l.committed_at < ?"
)
_RETURNS = (
    "SELECT args, result, committed_at FROM ledger WHERE op_type = 'return_receive' AND status <> 'rejected' "
    "AND committed_at >= ? AND committed_at < ?"
)
_RMAS = (
    "SELECT r.created_at, (SELECT COALESCE(SUM(qty_expected), 0) FROM rma_line WHERE rma = r.id) AS units FROM rma r "
    "WHERE r.created_at >= ? AND r.created_at < ?"
)


async def kpis(db: Database, period: Period) -> KpisOut:
    """Every KPI of the period."""
    async with db.read() as tx:
        flow_rows = await tx.fetch(_FLOWS, period.start, period.end)
        pick_rows = await tx.fetch(_PICKS, period.start, period.end)
        return_rows = await tx.fetch(_RETURNS, period.start, period.end)
        rma_rows = await tx.fetch(_RMAS, period.start, period.end)
    flows = [
        OrderFlow(
            order_id=r["id"],
            received_at=utc(r["created_at"]),
            promised_at=utc(r["promised_at"]) if r["promised_at"] is not None else None,
            shipped_at=utc(r["shipped_at"]) if r["shipped_at"] is not None else None,
            delivered_at=utc(r["delivered_at"]) if r["delivered_at"] is not None else None,
            cancelled_at=utc(r["cancelled_at"]) if r["cancelled_at"] is not None else None,
            ordered_units=int(r["ordered_units"] or 0),
            picked_units=int(r["picked_units"] or 0),
        )
        for r in flow_rows
    ]
    scans = [
        PickScan(
            picker=r["username"],
            op_type=r["op_type"],
            status=r["status"],
            code=r["code"],
            units=int(json.loads(r["result"] or "{}").get("picked", 0)) if r["op_type"] == "pick" else 0,
            at=utc(r["device_at"] if r["device_at"] is not None else r["committed_at"]),
            committed_at=utc(r["committed_at"]),
        )
        for r in pick_rows
    ]
    returns = []
    for r in return_rows:
        args = json.loads(r["args"])
        # A receipt on an RMA may name only the RMA; its result names the order.
        order_id = args.get("order_id") or json.loads(r["result"] or "{}").get("order_id", 0)
        returns.append(ReturnScan(int(order_id), int(args["qty"]), utc(r["committed_at"])))
    return KpisOut(
        from_=period.first,
        to=period.last,
        bucket=period.bucket,
        buckets=period.buckets(),
        kpis=[
            measures.lead_time(period, flows),
            measures.pick_accuracy(period, scans),
            measures.on_time_shipment(period, flows),
            measures.fill_rate(period, flows),
            measures.return_rate(period, flows, returns),
            measures.units_per_hour(period, scans),
            measures.rma_rate(period, flows, [RmaOpened(int(r["units"]), utc(r["created_at"])) for r in rma_rows]),
        ],
    )


def as_csv(kpi: Kpi) -> str:
    """One KPI as CSV: a header row, then one row per bucket (per picker for units per hour)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if kpi.by_picker is not None:
        writer.writerow(["picker", "sessions", "units", "timed_units", "active_hours", "units_per_hour"])
        for p in kpi.by_picker:
            writer.writerow([p.picker, p.sessions, p.units, p.timed_units, p.active_hours, _cell(p.units_per_hour)])
        return out.getvalue()
    names = list(kpi.total.parts)
    writer.writerow(["bucket", "value", *names])
    for point in kpi.series:
        writer.writerow([point.bucket, _cell(point.value), *(_cell(point.parts.get(n)) for n in names)])
    return out.getvalue()


def _cell(value: float | int | None) -> str:
    return "" if value is None else str(value)
