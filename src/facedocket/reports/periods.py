"""Reporting periods in the policy's local time: quarters, and the annual report's year.

Boundaries are local midnights (a search at 11 p.m. on 30 September in Boston belongs
to September), held as aware datetimes, so comparing them with UTC times in the store
is exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.policy import Policy, report_period

QUARTER = re.compile(r"([0-9]{4})Q([1-4])")
FIRST_YEAR, LAST_YEAR = 2000, 2999


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime
    end: datetime

    def describe(self) -> str:
        last = (self.end - timedelta(days=1)).date()
        return f"{self.start.date().isoformat()} to {last.isoformat()} ({self.start.tzinfo})"


def quarter(policy: Policy, text: str) -> Period:
    """``2026Q3``: July to September 2026, local time."""
    match = QUARTER.fullmatch(text.strip())
    if match is None:
        raise Refused(f"{text[:20]!r} is not a quarter like 2026Q3", code=RefusalCode.INVALID)
    year, number = int(match.group(1)), int(match.group(2))
    _check_year(year)
    start = datetime(year, 3 * number - 2, 1, tzinfo=policy.zone)
    end = (
        datetime(year + 1, 1, 1, tzinfo=policy.zone)
        if number == 4
        else datetime(year, 3 * number + 1, 1, tzinfo=policy.zone)
    )
    return Period(f"{year}Q{number}", start, end)


def annual(policy: Policy, year: int) -> Period:
    """The annual report period that starts in ``year`` (Massachusetts: 1 September)."""
    _check_year(year)
    first = policy.reporting.period_start
    noon = datetime(year, first.month, first.day, 12, tzinfo=policy.zone)
    start, end = report_period(policy, noon)
    label = str(year) if (first.month, first.day) == (1, 1) else f"{year}-{year + 1}"
    return Period(label, start, end)


def calendar_year(policy: Policy, year: int) -> Period:
    """Calendar ``year`` in the policy's local time: what a law's own report covers."""
    _check_year(year)
    start = datetime(year, 1, 1, tzinfo=policy.zone)
    return Period(str(year), start, datetime(year + 1, 1, 1, tzinfo=policy.zone))


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Refused(
            f"year {year} is outside {FIRST_YEAR} to {LAST_YEAR}", code=RefusalCode.INVALID
        )
