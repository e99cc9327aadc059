"""Reports for programs: the quarterly, annual and compliance reports, the law's own
reports and the public search log, each as the ZIP of the files ``facedocket reports``
writes (each production on the record); the law's report kinds and the dashboard's
counts as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from facedocket.kernel import clock
from facedocket.policy import load_policy
from facedocket.reports.charts import Chart
from facedocket.reports.compliance import compliance_export
from facedocket.reports.dashboard import Crossing, dashboard
from facedocket.reports.law import due_on, law_report, report_kinds
from facedocket.reports.public_log import public_log_export
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
    LawReportCreate,
    MonthlyPublic,
    PublicLogCreate,
    QuarterlyCreate,
    ReportKindPublic,
    ReportKindsPublic,
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


@router.get("/kinds")
def kinds(
    app: ServicesDep,
    me: Reporter,
    year: Annotated[
        int | None, Query(ge=1, le=9998, description="Due days of this year's report.")
    ] = None,
) -> ReportKindsPublic:
    """The reports the law in force requires of its own, with the day each is due."""
    policy = load_policy(app.settings.policy, at=clock.now())
    return ReportKindsPublic(
        policy_id=policy.id,
        policy_version=policy.version,
        kinds=[
            ReportKindPublic(
                id=kind.id,
                name=kind.name,
                content=kind.content,
                to=kind.to,
                due=f"{kind.due.month:02d}-{kind.due.day:02d}",
                due_on=None if year is None else due_on(kind, year),
            )
            for kind in report_kinds(policy)
        ],
    )


@router.post("/law", response_class=Response, responses=ZIP)
def law(session: WriteSession, app: ServicesDep, me: Reporter, body: LawReportCreate) -> Response:
    """A report the law in force requires, on one calendar year: aggregates and request
    numbers only."""
    files = law_report(session, me.actor, app.settings.policy, body.kind, body.year)
    return report_zip(files, f"{body.kind}-{body.year}")


@router.post("/public-log", response_class=Response, responses=ZIP)
def public_log(session: WriteSession, me: Reporter, body: PublicLogCreate) -> Response:
    """The public search log of a pack whose law makes one public: only the fields that
    law names, in its formats (CSV, JSON)."""
    files = public_log_export(session, me.actor, body.pack, body.first, body.last)
    return report_zip(files, f"public-log-{body.pack}-{body.first}-{body.last}")


@router.get("/dashboard")
def counts(session: ReadSession, app: ServicesDep, me: Reporter) -> DashboardPublic:
    """The dashboard's counts over the last twelve months."""
    now = clock.now()
    board = dashboard(session, load_policy(app.settings.policy, at=now), now)
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
