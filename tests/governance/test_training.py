"""Training on record, and when it stops counting."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from tests.governance.conftest import Staff
from tests.records import utc

from facedocket.governance.training import record_training, training_decision, training_records
from facedocket.kernel import clock
from facedocket.kernel.refusals import NotFound, Refused
from facedocket.policy import load_policy
from facedocket.store.schema import AuditEntry, User

MARYLAND = load_policy("maryland-2024")  # training required, valid 365 days
COMMISSION = load_policy("ma-commission-2022")  # required, no renewal period
MASSACHUSETTS = load_policy("massachusetts")  # not required


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: utc(2026, 6, 1, 12))


def record(staff: Staff, completed: date, expires: date | None = None, by: str = "admin") -> None:
    with staff.sessions.begin() as session:
        record_training(
            session, staff.actor(by), "examiner", "FISWG facial comparison", completed, expires
        )


def decide(staff: Staff, policy, at):  # type: ignore[no-untyped-def]
    with staff.sessions() as session:
        user = session.scalars(select(User).where(User.username == "examiner")).one()
        return training_decision(session, policy, user.id, at)


def test_no_training_blocks_only_where_required(staff: Staff) -> None:
    assert decide(staff, MASSACHUSETTS, utc(2026, 6, 1)).allowed
    refused = decide(staff, COMMISSION, utc(2026, 6, 1))
    assert not refused.allowed
    assert refused.reasons == ("no face-comparison training on record",)


def test_a_policy_validity_period_lapses(staff: Staff) -> None:
    record(staff, date(2025, 5, 1))
    assert decide(staff, MARYLAND, utc(2026, 4, 30, 12)).allowed
    lapsed = decide(staff, MARYLAND, utc(2026, 5, 1, 12))
    assert lapsed.reasons == ("training of 2025-05-01 lapsed on 2026-05-01",)
    assert decide(staff, COMMISSION, utc(2026, 5, 1, 12)).allowed, "no renewal period there"


def test_a_course_expiry_lapses_and_a_newer_course_counts(staff: Staff) -> None:
    record(staff, date(2025, 1, 10), expires=date(2026, 1, 10))
    assert not decide(staff, COMMISSION, utc(2026, 2, 1, 12)).allowed
    assert "expired on 2026-01-10" in decide(staff, COMMISSION, utc(2026, 2, 1, 12)).reasons[0]
    record(staff, date(2026, 3, 1))
    assert decide(staff, COMMISSION, utc(2026, 3, 2, 12)).allowed
    # A course counts only from the day it was completed.
    assert not decide(staff, COMMISSION, utc(2026, 2, 28, 12)).allowed


def test_training_is_recorded_on_the_record(staff: Staff) -> None:
    record(staff, date(2026, 5, 1), date(2027, 5, 1), by="supervisor")
    with staff.sessions() as session:
        entry = session.scalars(select(AuditEntry)).one()
        assert [r.course for r in training_records(session, "examiner")] == [
            "FISWG facial comparison"
        ]
    assert (entry.action, entry.actor, entry.role) == (
        "training.recorded",
        "supervisor",
        "supervisor",
    )
    assert entry.details["completed_on"] == "2026-05-01"
    assert entry.details["expires_on"] == "2027-05-01"


@pytest.mark.parametrize(
    ("by", "who", "completed", "expires", "error", "match"),
    [
        ("examiner", "examiner", date(2026, 1, 1), None, Refused, "supervisor, administrator"),
        ("auditor", "examiner", date(2026, 1, 1), None, Refused, "supervisor, administrator"),
        ("admin", "officer", date(2026, 1, 1), None, Refused, "not an examiner"),
        ("admin", "nobody", date(2026, 1, 1), None, NotFound, "nobody"),
        ("admin", "examiner", date(2026, 6, 2), None, Refused, "future"),
        ("admin", "examiner", date(2026, 1, 1), date(2026, 1, 1), Refused, "before"),
    ],
)
def test_refusals(
    staff: Staff, by: str, who: str, completed: date, expires: date | None, error: type, match: str
) -> None:
    with pytest.raises(error, match=match), staff.sessions.begin() as session:
        record_training(session, staff.actor(by), who, "A course", completed, expires)
    with staff.sessions() as session:
        assert session.scalars(select(AuditEntry)).all() == []
