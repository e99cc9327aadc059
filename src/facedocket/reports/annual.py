"""The annual public report (requirement 14): aggregates only, by agency, basis, offence
class and outcome, with the searching bodies and galleries used.

Counted: requests submitted in the period (drafts never sent are not requests) and
searches run in it. No name, case number or request number appears; counts below the
policy's ``suppress_below`` are withheld (see ``suppress``). The report states the head
of the audit record as it stood when the report was made: anyone holding a later export
of the record can check that entry still has that hash, which proves that no entry up to
it (so none of the period) was removed or changed since. It also embeds the newest
checkpoint a witness cosigned (``reports.witnessed``), or says that none was.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit.log import head, stored_checkpoints
from facedocket.cases.states import State
from facedocket.policy import Policy
from facedocket.reports.charts import Chart
from facedocket.reports.periods import Period
from facedocket.reports.suppress import Shown, Table, count_table
from facedocket.reports.witnessed import Cosigned, latest_cosigned
from facedocket.store.schema import Agency, AuditEntry, Gallery, Search, SearchRequest

BASES = {
    "court_order": "court order",
    "warrant": "warrant",
    "emergency": "emergency",
    "deceased": "deceased person",
    "missing_person": "missing person",
    "investigation": "investigation",
    "none": "no basis on record",
}
OUTCOMES = {
    "lead": "investigative lead",
    "no_lead": "no lead",
    "rejected": "request refused",
    "withdrawn": "withdrawn by the requester",
    "pending": "not yet concluded",
}


@dataclass(frozen=True)
class AnnualReport:
    title: str
    oversight_body: str
    policy: str
    period: Period
    suppress_below: int
    requests: Shown
    searches: Shown
    tables: tuple[Table, ...]
    head_seq: int
    head_hash: str
    # When the head entry was written: what the report is "as of".
    as_of: datetime
    checkpoint: str | None
    # The newest checkpoint a witness cosigned, with its note (None: none was).
    cosigned: Cosigned | None

    def suppression_note(self) -> str:
        below = self.suppress_below
        if below <= 1:
            return "Every count is published as it is; none is withheld."
        return (
            f"Counts from 1 to {below - 1} are withheld, so that no case can be singled out; "
            "so is a second count wherever the withheld one could be worked out from a total."
        )

    def head_note(self) -> str:
        """What the report says of the audit record, and how a reader checks it."""
        if self.head_seq == 0:
            return "The audit record held no entries when this report was made."
        return (
            f"Audit record head when this report was made: entry {self.head_seq}, hash "
            f"{self.head_hash} (written {self.as_of:%Y-%m-%d %H:%M:%S} UTC). Anyone holding "
            "a later export of the record can check that this entry still has this hash: "
            "then no entry up to it, and so none of this period, was removed or changed."
        )

    def charts(self) -> tuple[Chart, ...]:
        """The totals of the tables, as bar charts."""
        basis, offences, bodies, galleries = self.tables
        return (
            _chart("Requests by legal basis", basis.columns, basis.column_totals),
            _chart("Requests by requesting agency", basis.rows, basis.row_totals),
            _chart("Requests by outcome", offences.columns, offences.column_totals),
            _chart("Searches by the body that ran them", bodies.columns, bodies.column_totals),
            _chart("Searches by gallery", galleries.rows, galleries.row_totals),
        )


def annual_report(session: Session, policy: Policy, period: Period) -> AnnualReport:
    """Count the period; nothing is written."""
    below = policy.reporting.suppress_below
    agencies = {a.id: a.name for a in session.scalars(select(Agency))}
    galleries = {g.id: g.name for g in session.scalars(select(Gallery))}
    requests = list(
        session.scalars(
            select(SearchRequest).where(
                SearchRequest.submitted_at >= period.start, SearchRequest.submitted_at < period.end
            )
        )
    )
    searches = list(
        session.scalars(
            select(Search).where(Search.run_at >= period.start, Search.run_at < period.end)
        )
    )
    by_basis = Counter((agencies[r.agency_id], _basis(r)) for r in requests)
    by_outcome = Counter((r.offence_class, outcome(r)) for r in requests)
    by_body = Counter(
        (agencies[s.request.agency_id], agencies[s.searching_agency_id]) for s in searches
    )
    by_gallery = Counter((galleries[s.gallery_id], "searches") for s in searches)
    kinds = {kind for _, kind in by_basis}
    basis_columns = [k for k in BASES if k in policy.bases or k in kinds]
    tables = (
        _table(
            "Requests by requesting agency and legal basis",
            "Requesting agency",
            by_basis,
            basis_columns,
            BASES,
            below,
        ),
        _table(
            "Requests by offence class and outcome",
            "Offence class",
            by_outcome,
            list(OUTCOMES),
            OUTCOMES,
            below,
        ),
        _table(
            "Searches by requesting agency and the body that ran them",
            "Requesting agency",
            by_body,
            sorted({body for _, body in by_body}),
            {},
            below,
        ),
        _table("Searches by gallery", "Gallery", by_gallery, ["searches"], {}, below),
    )
    seq, digest = head(session)
    last = session.get(AuditEntry, seq)
    signed = [c for c in stored_checkpoints(session) if c["seq"] <= seq]
    return AnnualReport(
        title=f"Face recognition searches in {policy.jurisdiction}",
        oversight_body=policy.reporting.oversight_body,
        policy=f"{policy.id} {policy.version}",
        period=period,
        suppress_below=below,
        requests=tables[0].total,
        searches=tables[2].total,
        tables=tables,
        head_seq=seq,
        head_hash=digest,
        as_of=last.at if last is not None else period.end,
        checkpoint=(
            f"entry {signed[-1]['seq']}, hash {signed[-1]['head_hash']}, signed "
            f"{signed[-1]['created_at']} by key {signed[-1]['key_fingerprint']}"
            if signed
            else None
        ),
        cosigned=latest_cosigned(session),
    )


def outcome(request: SearchRequest) -> str:
    """``lead``, ``no_lead``, ``rejected``, ``withdrawn`` or ``pending``: how a request
    ended, if it did."""
    if request.outcome in ("lead", "no_lead"):
        return request.outcome
    # A request is closed only once concluded (with an outcome) or rejected.
    if request.state in (State.REJECTED, State.CLOSED):
        return "rejected"
    if request.state == State.WITHDRAWN:
        return "withdrawn"
    return "pending"


def _table(
    title: str,
    heading: str,
    counts: Counter[tuple[str, str]],
    columns: list[str],
    labels: dict[str, str],
    below: int,
) -> Table:
    rows = sorted({row for row, _ in counts})
    return count_table(
        title,
        heading,
        rows,
        [labels.get(column, column) for column in columns],
        [[counts[(row, column)] for column in columns] for row in rows],
        below,
    )


def _basis(request: SearchRequest) -> str:
    return request.basis.kind if request.basis is not None else "none"


def _chart(title: str, labels: tuple[str, ...], values: tuple[Shown, ...]) -> Chart:
    return Chart(title, tuple(zip(labels, values, strict=True)))
