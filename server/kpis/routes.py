"""HTTP routes for the KPIs of a period and their CSV export."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.params import QueryParameter

from server.accounts.security import STAFF
from server.errors import DomainError, responses
from server.kpis import service
from server.kpis.period import Period
from server.kpis.schemas import KPI_NAMES, KpisOut

# Read as text and checked by Period.parse, so that a refusal names the parameter as the client spells
# it (`from` is no Python name) and the rule it broke.
From = Annotated[str | None, QueryParameter(name="from", description="first day of the period (UTC), YYYY-MM-DD; required")]
To = Annotated[
    str | None,
    QueryParameter(name="to", description="last day of the period (UTC, included), YYYY-MM-DD; required; at most 366 days"),
]
BucketParam = Annotated[str, QueryParameter(name="bucket", description="series step: day, week (from Monday) or month")]


class KpiController(Controller):
    path = "/api/kpis"
    tags = ["supervisor"]
    guards = [STAFF]

    @get("/", responses=responses(400, 401, 403))
    async def period(self, state: State, start: From = None, end: To = None, bucket: BucketParam = "day") -> KpisOut:
        """Order lead time, pick accuracy, on-time shipment, fill rate, return rate and units per hour
        per picker over whole UTC days `from`..`to`: each a total and one point per bucket, computed
        from the ledger and the order timeline (definitions: docs/kpis.md)."""
        return await service.kpis(state.db, Period.parse(start, end, bucket))

    @get(
        "/{file:str}",
        responses=responses(400, 401, 403, 404),
        media_type="text/csv",
        response_description="CSV: a header row, one row per bucket (per picker for units_per_hour)",
    )
    async def csv(
        self, state: State, file: str, start: From = None, end: To = None, bucket: BucketParam = "day"
    ) -> Response[str]:
        """One KPI as CSV, e.g. `/api/kpis/fill_rate.csv?from=2026-11-01&to=2026-11-30`."""
        name = file.removesuffix(".csv")
        if not file.endswith(".csv") or name not in KPI_NAMES:
            raise DomainError(
                "unknown_kpi",
                f"no KPI export {file!r}: one of {', '.join(n + '.csv' for n in KPI_NAMES)}",
                field="name",
                status=404,
            )
        period = Period.parse(start, end, bucket)
        result = await service.kpis(state.db, period)
        (kpi,) = [k for k in result.kpis if k.name == name]
        filename = f"{name}_{period.first}_{period.last}.csv"
        return Response(
            service.as_csv(kpi),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
