"""Scheduled duties: each runs when due, once however many workers look, each run on the
record; a failing duty is recorded and retried later, without stopping the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from tests.people import add_admin
from tests.races import Database, Racers

from facedocket.cases.directory import add_agency
from facedocket.policy import load_policy
from facedocket.schedule.duties import past_quarter, quarter_start_after
from facedocket.schedule.runs import run_due, statuses
from facedocket.settings import Settings
from facedocket.store.db import session_factory, transaction
from facedocket.store.schema import AuditCheckpoint, AuditEntry, DutyRun

START = datetime(2026, 10, 1, 6, 30, tzinfo=UTC)  # 02:30 in Boston, a quarter's first day


def duty_entries(sessions: sessionmaker[Session]) -> list[tuple[str, str, dict[str, Any]]]:
    with sessions() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.subject_type == "duty").order_by(AuditEntry.seq)
        )
        return [(row.action, row.subject_id, row.details) for row in rows]


def rows(sessions: sessionmaker[Session]) -> dict[str, DutyRun]:
    with sessions() as session:
        found = {row.name: row for row in session.scalars(select(DutyRun))}
        session.expunge_all()
        return found


def test_each_duty_runs_when_due_and_a_failing_one_is_retried_with_a_longer_wait(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data")  # no DUTY_USER: purges cannot run
    assert [s.row for s in statuses(sessions, settings)] == [None] * 5  # no worker yet
    assert run_due(settings, sessions, "w1", START) == [
        "checkpoint",
        "retention",
        "statements",
        "quarterly",
    ]
    entries = duty_entries(sessions)
    assert [(action, name) for action, name, _ in entries] == [
        ("duty.ran", "checkpoint"),
        ("duty.failed", "retention"),
        ("duty.ran", "statements"),
        ("duty.failed", "quarterly"),
    ]
    assert entries[0][2]["checkpoint"] is None  # the record was empty: nothing to sign
    assert "FACEDOCKET_DUTY_USER is not set" in entries[1][2]["error"]
    assert entries[2][2] == {
        "worker": "w1",
        "due_at": START.isoformat(),
        "reminded": [],
        "marked_overdue": [],
    }
    after = rows(sessions)
    assert after["checkpoint"].next_at == START + timedelta(hours=1)
    assert after["retention"].next_at == START + timedelta(minutes=1)
    assert (after["retention"].failures, after["retention"].last_outcome) == (1, "failed")

    assert run_due(settings, sessions, "w1", START + timedelta(seconds=59)) == []
    later = START + timedelta(minutes=1)
    assert run_due(settings, sessions, "w1", later) == ["retention", "quarterly"]
    assert rows(sessions)["retention"].next_at == later + timedelta(minutes=2)  # doubled

    with transaction(sessions) as session:  # the administrator the duties act for
        add_agency(session, "operator:test", "state-police", "Massachusetts State Police")
        add_admin(session)
    named = settings.model_copy(update={"duty_user": "admin"})
    hour = START + timedelta(hours=1)
    assert run_due(named, sessions, "w2", hour) == [
        "checkpoint",
        "retention",
        "statements",
        "quarterly",
    ]
    actions = [(action, name, details) for action, name, details in duty_entries(sessions)]
    assert actions[-4][2]["checkpoint"] is not None  # entries came: they are signed
    assert actions[-3][:2] == ("duty.ran", "retention") and actions[-3][2]["purged"] == 0
    assert actions[-1][:2] == ("duty.ran", "quarterly")
    assert actions[-1][2]["quarter"] == "2026Q3" and "state-police" in actions[-1][2]["bodies"]
    stored = sorted((tmp_path / "data" / "reports" / "quarterly").iterdir())
    assert [folder.name for folder in stored] == ["2026Q3-state-police-20261001T073000Z"]
    assert (stored[0] / "manifest.json").is_file()
    with sessions() as session:
        assert session.scalar(select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq.desc()))
    upcoming = {s.duty.name: (s.every, s.row.next_at) for s in statuses(sessions, named) if s.row}
    assert upcoming["quarterly"] == (
        "each quarter's first day, 02:00 local time",
        datetime(2027, 1, 1, 7, 0, tzinfo=UTC),  # 02:00 in Boston, in winter time
    )
    assert upcoming["retention"] == ("every 24 h", hour + timedelta(hours=24))


def test_a_duty_turned_off_has_no_next_run_and_is_due_again_when_turned_on(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    off = Settings(data_dir=tmp_path / "data", duty_checkpoint_minutes=0)
    assert "checkpoint" not in run_due(off, sessions, "w", START)
    assert rows(sessions)["checkpoint"].next_at is None
    on = off.model_copy(update={"duty_checkpoint_minutes": 5})
    assert run_due(on, sessions, "w", START + timedelta(seconds=1))[0] == "checkpoint"
    assert rows(sessions)["checkpoint"].next_at == START + timedelta(minutes=5, seconds=1)


def test_quarters_in_the_policy_local_time() -> None:
    policy = load_policy("massachusetts")
    settings = Settings()
    # 03:59 UTC on 1 January is still 31 December in Boston: the quarter is Q4 then.
    assert past_quarter(policy, datetime(2027, 1, 1, 3, 59, tzinfo=UTC)) == "2026Q3"
    assert past_quarter(policy, datetime(2027, 1, 1, 5, 0, tzinfo=UTC)) == "2026Q4"
    assert quarter_start_after(settings, datetime(2026, 12, 31, 12, tzinfo=UTC)) == datetime(
        2027, 1, 1, 7, tzinfo=UTC
    )
    assert quarter_start_after(settings, datetime(2026, 4, 1, 6, 0, tzinfo=UTC)) == datetime(
        2026, 7, 1, 6, tzinfo=UTC
    )


def run_duties(session: Session, data_dir: str, worker: str) -> list[str]:
    """One racer's turn: what a worker does, on the racer's database."""
    sessions = session_factory(session.get_bind())  # type: ignore[arg-type]
    return run_due(Settings(data_dir=Path(data_dir)), sessions, worker, START)


@pytest.mark.slow
def test_eight_workers_at_once_run_each_duty_once(
    engine: Engine, racers: Racers, tmp_path: Path
) -> None:
    calls = [(run_duties, (str(tmp_path / "data"), f"w{n}")) for n in range(8)]
    answers = racers.race(Database.of(engine), calls)
    ran = sorted(name for answer in answers for name in answer.value)
    assert ran == ["checkpoint", "quarterly", "retention", "statements"]
    assert len(duty_entries(session_factory(engine))) == 4
