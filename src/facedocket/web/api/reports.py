"""Reports for programs: the quarterly, annual and compliance reports as the ZIP of the
files ``facedocket reports`` writes (each production on the record), and the dashboard's
counts as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from facedocket.kernel import clock
from facedocket.policy import load_policy
from facedocket.reports.charts import Chart
from facedocket.reports.compliance import compliance_export
from facedocket.reports.dashboard import Crossing, dashboard
from facedocket.reports.publish import produce_annual
from facedocket.reports.quarterly import quarterly_export
from facedocket.web.deps import ReadSession, Reporter, ServicesDep, WriteSession
from facedocket.web.downloads import report_zip
from facedocket.web.schemas.reports import (
    AnnualCreate,
    ChartPublic,
    ComplianceCreate,
    CountPublic,
    DashboardPublic,
    MonthlyPublic,
    QuarterlyCreate,
)

router = APIRouter(prefix="/reports", tags=["reports"])

ZIP: dict[int | str, dict[str, Any]] = {200: {"content": {"application/zip": {}}}}


@router.post("/quarterly", response_class=Response, responses=ZIP)
def quarterly(
    session: WriteSession, app: ServicesDep, me: Reporter, body: QuarterlyCreate
) -> Response:
    """Per-search documentation of one searching body for one quarter (auditors and
    administrators: it names cases and people)."""
    files = quarterly_export(session, app.settings, me.actor, body.quarter, body.searching_body)
    return report_zip(files, f"quarterly-{body.quarter}-{body.searching_body}")


@router.post("/annual", response_class=Response, responses=ZIP)
def annual(session: WriteSession, app: ServicesDep, me: Reporter, body: AnnualCreate) -> Response:
    """The annual public report: aggregates only, small counts withheld."""
    files = produce_annual(session, app.settings, me.actor, body.year, tuple(body.formats))
    return report_zip(files, f"annual-{body.year}")


@router.post("/compliance", response_class=Response, responses=ZIP)
def compliance(session: WriteSession, me: Reporter, body: ComplianceCreate) -> Response:
    """What must be none, case by case (auditors and administrators)."""
    files = compliance_export(session, me.actor, body.at or clock.now())
    return report_zip(files, "compliance")


@router.get("/dashboard")
def counts(session: ReadSession, app: ServicesDep, me: Reporter) -> DashboardPublic:
    """The dashboard's counts over the last twelve months."""
    board = dashboard(session, load_policy(app.settings.policy), clock.now())
    return DashboardPublic(
        first=board.first,
        end=board.end,
        searches_by_basis=_monthly(board.searches_by_basis),
        searches_by_agency=_monthly(board.searches_by_agency),
        charts=[_chart(chart) for chart in board.charts()],
        median_hours_to_result=board.median_hours,
    )


def _monthly(crossing: Crossing) -> MonthlyPublic:
    return MonthlyPublic(
        title=crossing.title,
        columns=list(crossing.columns),
        months={
            month: dict(zip(crossing.columns, row, strict=True))
            for month, row in zip(crossing.months, crossing.cells, strict=True)
        },
    )


def _chart(chart: Chart) -> ChartPublic:
    bars = [CountPublic(label=label, count=value or 0) for label, value in chart.bars]
    return ChartPublic(title=chart.title, bars=bars)
