"""An order's dates: not in force before its issue date (in the policy's own days), never
expiring before it was issued, and running no longer than the policy's ``max_life_days``
(#12). Checked at creation (``check_order_dates``) and again at search (``check_basis``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError
from tests.policy.test_decide import NOW, ORDER

from facedocket.policy import Policy, check_basis, check_order_dates, load_policy
from facedocket.policy.model import BasisRule


@pytest.fixture(scope="module")
def massachusetts() -> Policy:
    return load_policy("massachusetts")


def _reasons(policy: Policy, issued: date, expires: datetime, now: datetime = NOW) -> str:
    decision = check_order_dates(policy, "court_order", issued, expires, now)
    return " ".join(decision.reasons)


def test_an_order_dated_tomorrow_is_not_in_force(massachusetts: Policy) -> None:
    tomorrow = NOW.date() + timedelta(days=1)
    assert "is not in force yet: it is dated" in _reasons(
        massachusetts, tomorrow, NOW + timedelta(days=5)
    )
    future = check_basis(massachusetts, replace(ORDER, issued_on=date(2030, 1, 1)), NOW)
    assert not future.allowed and "not in force yet" in " ".join(future.reasons)


def test_the_policy_day_not_the_utc_day_decides(massachusetts: Policy) -> None:
    # 02:00 UTC on 11 March is still 10 March in Boston: an order dated the 11th waits.
    early = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
    issued = date(2026, 3, 11)
    assert "not in force yet" in _reasons(massachusetts, issued, early + timedelta(days=5), early)
    later = early + timedelta(hours=4)
    assert _reasons(massachusetts, issued, later + timedelta(days=5), later) == ""


def test_an_expiry_before_the_issue_date_is_refused(massachusetts: Policy) -> None:
    issued = NOW.date() - timedelta(days=2)
    expires = datetime.combine(issued - timedelta(days=1), datetime.min.time(), UTC)
    assert f"before it was issued on {issued.isoformat()}" in _reasons(
        massachusetts, issued, expires
    )


def test_an_order_may_run_the_policys_maximum_and_not_a_day_more(massachusetts: Policy) -> None:
    longest = massachusetts.bases["court_order"].max_life_days  # type: ignore[index]
    assert longest == 90
    issued = NOW.date() - timedelta(days=1)
    noon = datetime.min.time().replace(hour=16)
    fits = datetime.combine(issued + timedelta(days=longest), noon, UTC)
    assert _reasons(massachusetts, issued, fits) == ""
    too_long = _reasons(massachusetts, issued, fits + timedelta(days=1))
    assert f"at most {longest} days" in too_long and "policy massachusetts" in too_long
    forever = _reasons(massachusetts, issued, datetime(9999, 12, 31, tzinfo=UTC))
    assert "at most 90 days" in forever


def test_a_basis_with_an_expiry_must_say_how_long_it_may_run(massachusetts: Policy) -> None:
    rule = massachusetts.bases["court_order"].model_dump()  # type: ignore[index]
    rule.pop("max_life_days")
    with pytest.raises(ValidationError, match="needs max_life_days"):
        BasisRule.model_validate(rule)
