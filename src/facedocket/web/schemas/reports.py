"""What a program sends to produce a report, and the dashboard it reads."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from facedocket import limits
from facedocket.cases.schemas import PLAIN
from facedocket.web.schemas.common import Public, Strict


class QuarterlyCreate(Strict):
    quarter: Annotated[str, StringConstraints(max_length=20), PLAIN] = Field(
        description="The quarter, e.g. 2026Q3."
    )
    searching_body: Annotated[str, StringConstraints(max_length=limits.AGENCY_CODE), PLAIN]


class AnnualCreate(Strict):
    year: Annotated[int, Field(ge=1, le=9999, description="The year the report period starts in.")]
    formats: Annotated[tuple[Literal["html", "pdf"], ...], Field(min_length=1, max_length=2)] = (
        "html",
        "pdf",
    )


class ComplianceCreate(Strict):
    at: AwareDatetime | None = Field(default=None, description="As of this time; now if null.")


class CountPublic(Public):
    label: str
    count: int


class ChartPublic(Public):
    title: str
    bars: list[CountPublic]


class MonthlyPublic(Public):
    title: str
    columns: list[str]
    months: dict[str, dict[str, int]] = Field(description="Month (YYYY-MM): column: count.")


class DashboardPublic(Public):
    first: AwareDatetime
    end: AwareDatetime
    searches_by_basis: MonthlyPublic
    searches_by_agency: MonthlyPublic
    charts: list[ChartPublic] = Field(
        description="Outcomes, refusals by reason, emergency follow-ups, time to result."
    )
    median_hours_to_result: float | None


class LawReportCreate(Strict):
    kind: Annotated[str, StringConstraints(max_length=60), PLAIN] = Field(
        description="A report kind of the law in force (GET /reports/kinds)."
    )
    year: Annotated[int, Field(ge=1, le=9998, description="The calendar year it covers.")]


class ReportKindPublic(Public):
    id: str
    name: str
    content: str
    to: str
    due: str = Field(description="The day it is due each year (MM-DD), on the year before.")
    due_on: date | None = Field(description="Its due day for the year asked, if one was.")


class ReportKindsPublic(Public):
    policy_id: str
    policy_version: str
    kinds: list[ReportKindPublic]


class PublicLogCreate(Strict):
    pack: Annotated[str, StringConstraints(max_length=60), PLAIN] = Field(
        description="The policy pack whose law makes the search log public."
    )
    first: date = Field(description="The first local day, included.")
    last: date = Field(description="The last local day, included (at most five years on).")
