"""The oversight dashboard counted by hand from the seeded record (tests/reports/conftest.py):
each chart holds what the record holds, months in the policy's local time, and nothing
outside the twelve months."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from tests.records import utc
from tests.reports.conftest import Seeded

import facedocket.audit.log as audit_log
from facedocket.policy import load_policy
from facedocket.reports.charts import stacked_svg
from facedocket.reports.dashboard import Dashboard, dashboard
from facedocket.store.db import transaction
from facedocket.store.schema import SearchRequest

NOW = utc(2026, 9, 15, 12)  # the twelve months 2025-10 to 2026-09, Boston time


def recorded(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch, at: datetime, action: str, **what: object
) -> None:
    """One entry on the record, written at ``at`` (the record's time is the machine's)."""
    monkeypatch.setattr(audit_log, "utcnow", lambda: at)
    with transaction(seeded.sessions) as session:
        audit_log.append(
            session,
            actor="someone",
            role="examiner",
            action=action,
            subject_type=str(what.pop("subject_type", "request")),
            subject_id=str(what.pop("subject_id", "0")),
            details=what,
        )


def board(seeded: Seeded) -> Dashboard:
    with seeded.sessions() as session:
        return dashboard(session, load_policy("massachusetts"), NOW)


def bars(seeded: Seeded) -> dict[str, dict[str, object]]:
    return {chart.title: dict(chart.bars) for chart in board(seeded).charts()}


def submitted(seeded: Seeded, name: str) -> datetime:
    with seeded.sessions() as session:
        moment = session.get_one(SearchRequest, seeded.requests[name]).submitted_at
    assert moment is not None
    return moment


def test_searches_per_month_by_basis_and_by_agency(seeded: Seeded) -> None:
    shown = board(seeded)
    basis, agency = shown.searches_by_basis, shown.searches_by_agency
    assert basis.months[0] == "2025-10" and basis.months[-1] == "2026-09"
    assert basis.columns == ("court order", "emergency")
    by_month = dict(zip(basis.months, basis.cells, strict=True))
    # R7's search (2025-09-02) is before the months; R3's, 04:30 UTC on 1 January, was
    # 23:30 on 31 December in Boston.
    assert by_month["2025-10"] == (1, 0) and by_month["2025-11"] == (1, 0)
    assert by_month["2025-12"] == (0, 1) and by_month["2026-01"] == (0, 0)
    assert by_month["2026-02"] == (1, 2), "R6 by order; R10 and R11 in an emergency"
    assert sum(map(sum, basis.cells)) == 6
    assert agency.columns == ("Boston Police Department", "Cambridge Police Department")
    assert dict(zip(agency.months, agency.cells, strict=True))["2026-02"] == (2, 1)
    assert dict(agency.chart().bars)["2026-02"] == 3


def test_outcomes_and_emergency_follow_ups(seeded: Seeded) -> None:
    charts = bars(seeded)
    # R7 was submitted before the months and R8 never was.
    assert charts["Requests by outcome"] == {
        "investigative lead": 3,
        "no lead": 1,
        "request refused": 1,
        "withdrawn by the requester": 0,
        "not yet concluded": 5,
    }
    assert charts["Emergency searches: the sworn statement"] == {
        "statement filed in time": 0,
        "statement filed late": 1,
        "statement overdue": 1,
        "not due": 0,
    }


def test_refusals_by_reason_and_time_to_result(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bars(seeded)["Refusals by reason"] == {}
    assert board(seeded).median_hours is None, "no request has a result on the record"
    r1, r6 = submitted(seeded, "R1"), submitted(seeded, "R6")
    concluded = (("R1", r1 + timedelta(minutes=30)), ("R6", r6 + timedelta(hours=47, minutes=30)))
    for name, at in concluded:
        recorded(seeded, monkeypatch, at, "request.concluded", subject_id=seeded.requests[name])
    recorded(seeded, monkeypatch, utc(2026, 2, 1), "search.refused", code="policy")
    recorded(seeded, monkeypatch, utc(2026, 2, 2), "search.refused", code="policy")
    recorded(seeded, monkeypatch, utc(2026, 3, 1), "request.approval_refused", code="bad_state")
    recorded(seeded, monkeypatch, utc(2026, 4, 1), "account.sign_in_refused", subject_type="user")
    recorded(seeded, monkeypatch, utc(2025, 9, 1), "search.refused", code="expired")  # before
    charts = bars(seeded)
    assert charts["Refusals by reason"] == {
        "search: policy": 2,
        "approval: bad state": 1,
        "sign-in": 1,
    }
    assert charts["Time from submission to result"] == {
        "within an hour": 1,
        "1 to 4 hours": 0,
        "4 to 24 hours": 0,
        "1 to 3 days": 1,
        "more than 3 days": 0,
    }
    assert board(seeded).median_hours == 24.0


def test_the_monthly_charts_split_each_bar_by_basis(seeded: Seeded) -> None:
    drawn = stacked_svg(board(seeded).searches_by_basis.stacked())
    # February's bar is the longest (3 searches): one court order, then two emergencies.
    february = drawn.split(">2026-02</text>")[1].split("</text>")[0]
    bar = r'<rect x="(\d+)" y="\d+" width="(\d+)" height="18" fill="(#\w+)"/>'
    parts = re.findall(bar, february)
    assert [(int(x), int(w)) for x, w, _ in parts] == [(190, 87), (277, 173)]
    assert parts[0][2] != parts[1][2], "each basis its own colour"
    assert february.endswith(">3"), "the total after the bar"
    legend = re.findall(r'fill="(#\w+)"/><text x="210" y="\d+">([^<]+)</text>', drawn)
    assert legend == [(parts[0][2], "court order"), (parts[1][2], "emergency")]
    assert '>2026-01</text><text x="196"' in drawn and ">0</text>" in drawn, "no bar: 0"
