"""What followed a lead: recorded by its requester or a supervisor, several over time,
each on the record; refused for anyone else, for a request without a lead, and for a
date or kind that cannot be; overdue where the law counts outcomes (Montana)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.cases.conftest import World
from tests.cases.leads import ROBBERY, lead, massachusetts_lead, under_montana
from tests.cases.test_pack_scenarios import NOTE, write
from tests.cases.test_workflow import act

from facedocket.cases.outcomes import outcomes_of, overdue_outcomes, record_outcome
from facedocket.kernel.refusals import NotFound, Refused
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, LeadOutcome


def record(world: World, username: str, number: int, kind: str, on: date, note: str = "") -> None:
    with transaction(world.sessions) as session:
        record_outcome(session, world.actor(username), number, kind, on, note)


def count(world: World) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(LeadOutcome)) or 0


def test_outcomes_of_a_lead_over_time_each_on_the_record(world: World, tmp_path: Path) -> None:
    where = under_montana(world, tmp_path)
    number = lead(world, where)
    today = world.clock.at.date()
    record(world, "officer", number, "arrest", today, "Arrested at home.")
    world.clock.advance(days=40)
    record(world, "p.boss", number, "charge", today + timedelta(days=3))
    record(world, "officer", number, "conviction", today + timedelta(days=39))
    with world.sessions() as session:
        kept = outcomes_of(session, number)
        assert [(o.kind, o.occurred_on) for o in kept] == [
            ("arrest", today),
            ("charge", today + timedelta(days=3)),
            ("conviction", today + timedelta(days=39)),
        ]
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "outcome.recorded")
            .order_by(AuditEntry.seq)
        ).all()
    assert [e.seq for e in entries] == [o.audit_seq for o in kept]
    assert [(e.actor, e.role) for e in entries] == [
        ("officer", "requester"),
        ("p.boss", "supervisor"),
        ("officer", "requester"),
    ]
    assert entries[0].details["outcome"] == "arrest"
    assert entries[0].details["occurred_on"] == today.isoformat()
    assert entries[0].details["note"] == "Arrested at home."
    assert entries[0].policy_id == "montana-2023"


def test_refusals_write_nothing(world: World, tmp_path: Path) -> None:
    where = under_montana(world, tmp_path)
    number = lead(world, where)
    today = world.clock.at.date()
    refused = [
        ("p.exam", "arrest", today, "", "requesting officer or a supervisor"),
        ("p.intake", "arrest", today, "", "requesting officer or a supervisor"),
        ("officer", "acquittal", today, "", "is one of arrest, charge, conviction, none"),
        ("officer", "arrest", today + timedelta(days=1), "", "is in the future"),
        ("officer", "arrest", today - timedelta(days=1), "", "before the lead was released"),
        ("officer", "arrest", today, "x" * 2001, "longer than 2000 characters"),
    ]
    for username, kind, on, note, reason in refused:
        with pytest.raises(Refused, match=reason):
            record(world, username, number, kind, on, note)
    with pytest.raises(NotFound):
        record(world, "other.officer", number, "arrest", today)
    assert count(world) == 0
    record(world, "officer", number, "arrest", today)
    with pytest.raises(Refused, match="already recorded") as again:
        record(world, "officer", number, "arrest", today)
    assert again.value.code == "exists"
    assert count(world) == 1


def test_only_a_lead_has_outcomes(world: World, tmp_path: Path) -> None:
    where = under_montana(world, tmp_path)
    none_found = lead(world, where, found=False)
    with pytest.raises(Refused, match="did not conclude with a lead") as refused:
        record(world, "officer", none_found, "none", world.clock.at.date())
    assert refused.value.code == "bad_state"
    searched = write(world, where, ROBBERY, world.clock.at)
    act(world, "officer", "submit", searched)
    act(world, "p.intake", "approve", searched, NOTE)
    act(world, "p.exam", "search", searched)
    with pytest.raises(Refused, match="did not conclude with a lead"):
        record(world, "officer", searched, "arrest", world.clock.at.date())
    assert count(world) == 0


def test_a_lead_without_an_outcome_is_overdue_where_the_law_counts_them(
    world: World, tmp_path: Path
) -> None:
    where = under_montana(world, tmp_path)
    number = lead(world, where)
    boss = world.actor("p.boss")
    with world.sessions() as session:
        assert overdue_outcomes(session, boss) == []
        world.clock.advance(days=181)
        late = overdue_outcomes(session, boss)
        assert [(o.request_id, o.case_number) for o in late] == [(number, "CASE-1")]
        assert late[0].due_at - late[0].lead_at == timedelta(days=180)
        assert overdue_outcomes(session, world.actor("other.officer")) == []
    record(world, "officer", number, "none", world.clock.at.date())
    with world.sessions() as session:
        assert overdue_outcomes(session, boss) == []


def test_a_law_that_counts_no_outcomes_never_makes_one_overdue(world: World) -> None:
    number = massachusetts_lead(world)
    world.clock.advance(days=3000)
    with world.sessions() as session:
        assert overdue_outcomes(session, world.actor("supervisor")) == []
    record(world, "officer", number, "arrest", world.clock.at.date())
    assert count(world) == 1
