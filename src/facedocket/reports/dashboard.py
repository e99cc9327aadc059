"""The oversight dashboard: what the office would rather look at than read, over the
last twelve months in the policy's local time.

Searches per month (by legal basis and by requesting agency), how requests ended, what
was refused and why (from the record's refusal entries), how emergency searches'
sworn statements followed, and how long a request took from submission to its result
(the record's ``request.concluded``). Counts for the agencies' own staff, not for
publication: nothing is withheld, and no case or person is named.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.followup import overdue
from facedocket.policy import Policy
from facedocket.reports.annual import BASES, OUTCOMES, outcome
from facedocket.reports.charts import Chart, Stacked
from facedocket.store.schema import Agency, AuditEntry, Document, Search, SearchRequest

MONTHS = 12
REFUSALS = {
    "search.refused": "search",
    "request.approval_refused": "approval",
    "account.sign_in_refused": "sign-in",
    "request.rejected": "request rejected by intake",
}
FOLLOW_UPS = ("statement filed in time", "statement filed late", "statement overdue", "not due")
# Upper bounds of the turnaround bands, and how each is named.
BANDS = (
    (timedelta(hours=1), "within an hour"),
    (timedelta(hours=4), "1 to 4 hours"),
    (timedelta(days=1), "4 to 24 hours"),
    (timedelta(days=3), "1 to 3 days"),
    (timedelta.max, "more than 3 days"),
)


@dataclass(frozen=True)
class Crossing:
    """Counts by month and by one other thing: a table, and its month totals as a chart."""

    title: str
    heading: str
    months: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]  # one row per month

    def chart(self) -> Chart:
        return Chart(self.title, tuple(zip(self.months, map(sum, self.cells), strict=True)))

    def stacked(self) -> Stacked:
        """Each month's bar split by the other thing, as the page draws it."""
        return Stacked(self.title, self.columns, tuple(zip(self.months, self.cells, strict=True)))


@dataclass(frozen=True)
class Dashboard:
    first: datetime
    end: datetime
    searches_by_basis: Crossing
    searches_by_agency: Crossing
    outcomes: Chart
    refusals: Chart
    follow_ups: Chart
    turnaround: Chart
    median_hours: float | None

    def charts(self) -> tuple[Chart, ...]:
        return (self.outcomes, self.refusals, self.follow_ups, self.turnaround)


def dashboard(session: Session, policy: Policy, now: datetime) -> Dashboard:
    """The twelve months up to and including ``now``'s month; nothing is written."""
    months = _months(policy, now)
    first, end = months[0][1], months[-1][2]
    labels = tuple(label for label, _, _ in months)
    agencies = {a.id: a.name for a in session.scalars(select(Agency))}
    searches = list(session.scalars(select(Search).where(Search.run_at >= first)))

    def month_of(moment: datetime) -> str:
        return moment.astimezone(policy.zone).strftime("%Y-%m")

    by_basis = Counter(
        (month_of(s.run_at), BASES[s.request.basis.kind if s.request.basis else "none"])
        for s in searches
    )
    by_agency = Counter((month_of(s.run_at), agencies[s.request.agency_id]) for s in searches)
    requests = list(
        session.scalars(select(SearchRequest).where(SearchRequest.submitted_at >= first))
    )
    outcomes = Counter(outcome(r) for r in requests)
    turnaround, median_hours = _turnaround(session, requests)
    return Dashboard(
        first=first,
        end=end,
        searches_by_basis=_crossing(
            "Searches per month, by legal basis", "Legal basis", labels, by_basis
        ),
        searches_by_agency=_crossing(
            "Searches per month, by requesting agency", "Requesting agency", labels, by_agency
        ),
        outcomes=Chart("Requests by outcome", tuple((OUTCOMES[k], outcomes[k]) for k in OUTCOMES)),
        refusals=_refusals(session, first),
        follow_ups=_follow_ups(session, requests, now),
        turnaround=turnaround,
        median_hours=median_hours,
    )


def _months(policy: Policy, now: datetime) -> list[tuple[str, datetime, datetime]]:
    local = now.astimezone(policy.zone)
    year, month = local.year, local.month
    found = []
    for _ in range(MONTHS):
        start = datetime(year, month, 1, tzinfo=policy.zone)
        following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=policy.zone)
        found.append((f"{year:04d}-{month:02d}", start, following))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


def _crossing(
    title: str, heading: str, months: tuple[str, ...], counts: Counter[tuple[str, str]]
) -> Crossing:
    columns = tuple(sorted({column for _, column in counts}))
    cells = tuple(tuple(counts[(month, column)] for column in columns) for month in months)
    return Crossing(title, heading, months, columns, cells)


def _refusals(session: Session, first: datetime) -> Chart:
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(REFUSALS), AuditEntry.at >= first)
    )
    counts = Counter(_reason(entry) for entry in entries)
    return Chart("Refusals by reason", tuple(sorted(counts.items())))


def _reason(entry: AuditEntry) -> str:
    what = REFUSALS[entry.action]
    code = entry.details.get("code")
    return f"{what}: {str(code).replace('_', ' ')}" if code else what


def _follow_ups(session: Session, requests: list[SearchRequest], now: datetime) -> Chart:
    late = {r.id for r in overdue(session, now)}
    counts: Counter[str] = Counter()
    for request in requests:
        basis = request.basis
        if basis is None or basis.statement_due_at is None:
            continue
        if basis.statement_document_id is not None:
            filed = session.get_one(Document, basis.statement_document_id).uploaded_at
            counts[FOLLOW_UPS[0] if filed <= basis.statement_due_at else FOLLOW_UPS[1]] += 1
        else:
            counts[FOLLOW_UPS[2] if request.id in late else FOLLOW_UPS[3]] += 1
    return Chart(
        "Emergency searches: the sworn statement", tuple((k, counts[k]) for k in FOLLOW_UPS)
    )


def _turnaround(session: Session, requests: list[SearchRequest]) -> tuple[Chart, float | None]:
    concluded = {
        entry.subject_id: entry.at
        for entry in session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "request.concluded", AuditEntry.subject_type == "request"
            )
        )
    }
    waits = [
        concluded[str(r.id)] - r.submitted_at
        for r in requests
        if r.submitted_at is not None and str(r.id) in concluded
    ]
    bands = Counter(next(name for bound, name in BANDS if wait < bound) for wait in waits)
    chart = Chart("Time from submission to result", tuple((name, bands[name]) for _, name in BANDS))
    hours = [wait.total_seconds() / 3600 for wait in waits]
    return chart, round(statistics.median(hours), 1) if hours else None
