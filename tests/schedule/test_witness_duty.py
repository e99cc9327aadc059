"""The witnesses duty: after the checkpoint duty signs, the newest checkpoint goes to a
real witness process, which cosigns it; a witness that does not answer fails the run,
on the record, and it is retried."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import fill
from tests.audit.witnessed import NAME, Witnessed, witnessed
from tests.notify.conftest import free_port
from tests.schedule.test_runs import START

from facedocket.schedule.runs import run_due
from facedocket.settings import Settings
from facedocket.store.schema import AuditEntry, DutyRun


@pytest.fixture
def setup(engine: Engine, sessions: sessionmaker[Session], tmp_path: Path) -> Iterator[Witnessed]:
    yield from witnessed(engine, sessions, Ed25519PrivateKey.generate(), tmp_path)


def settings_for(setup: Witnessed, folder: Path, url: str) -> Settings:
    raw = base64.b64encode(setup.key.private_bytes_raw()).decode()
    witness = {"url": url, "key": setup.store.vkeys()[0][1]}
    return Settings(data_dir=folder / "data", audit_signing_key=raw, witnesses=[witness])


def witness_runs(sessions: sessionmaker[Session]) -> list[tuple[str, dict[str, object]]]:
    with sessions() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.subject_id == "witnesses").order_by(AuditEntry.seq)
        )
        return [(row.action, row.details) for row in rows]


def test_the_newest_checkpoint_is_cosigned_and_a_silent_witness_is_retried(
    setup: Witnessed, tmp_path: Path
) -> None:
    fill(setup.sessions, 5)
    assert Settings(data_dir=tmp_path).witnesses == []  # no witnesses: the duty is off
    settings = settings_for(setup, tmp_path, setup.witness.url)
    ran = run_due(settings, setup.sessions, "w", START)
    assert ran[:2] == ["checkpoint", "witnesses"]
    [(action, details)] = witness_runs(setup.sessions)
    assert action == "duty.ran" and details["cosigned"] == {NAME: 5}
    assert setup.store.logs()[0].size == 5

    silent = settings_for(setup, tmp_path, f"http://127.0.0.1:{free_port()}")
    hour = START + timedelta(hours=1)
    assert run_due(silent, setup.sessions, "w", hour)[:2] == ["checkpoint", "witnesses"]
    action, details = witness_runs(setup.sessions)[-1]
    assert action == "duty.failed" and "NOT cosigned" in str(details["error"])
    with setup.sessions() as session:
        row = session.get_one(DutyRun, "witnesses")
        assert (row.failures, row.next_at) == (1, hour + timedelta(minutes=1))
    assert run_due(settings, setup.sessions, "w", hour + timedelta(minutes=1)) == ["witnesses"]
    action, details = witness_runs(setup.sessions)[-1]
    assert action == "duty.ran" and setup.store.logs()[0].size > 5
