"""The algorithm register: registration, approval, and what the gate asks of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.governance.conftest import Staff
from tests.records import BENCH, utc

from facedocket.governance.accuracy import read_accuracy
from facedocket.governance.register import (
    approve_model,
    attach_accuracy,
    is_approved,
    register_model,
)
from facedocket.kernel import clock
from facedocket.kernel.refusals import NotFound, Refused
from facedocket.store.schema import AuditEntry, FaceModelRecord


def bench(tmp_path: Path, content: object = BENCH) -> Path:
    path = tmp_path / "accuracy.json"
    path.write_text(json.dumps(content))
    return path


def register(staff: Staff, path: Path, by: str = "admin") -> None:
    with staff.sessions.begin() as session:
        model = session.get_one(FaceModelRecord, staff.model_id)
        register_model(session, staff.actor(by), model, read_accuracy(path))


def approve(staff: Staff, by: str = "admin", note: str = "Measured 98% on LFW pairs.") -> None:
    with staff.sessions.begin() as session:
        approve_model(session, staff.actor(by), staff.model_id, note)


def test_register_then_approve_on_the_record(
    staff: Staff, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "now", lambda: utc(2026, 5, 1))
    register(staff, bench(tmp_path))
    with staff.sessions() as session:
        assert not is_approved(session, staff.model_id, utc(2026, 6, 1))
    approve(staff)
    with staff.sessions() as session:
        assert is_approved(session, staff.model_id, utc(2026, 5, 1))
        assert not is_approved(session, staff.model_id, utc(2026, 4, 30))
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == ["model.registered", "model.approved"]
    accuracy = entries[0].details["accuracy"]
    assert accuracy["verification"]["lfw"] == {
        "accuracy": "0.9844",
        "pairs": "3600",
        "true_accepts": "0.9611",
        "at_false_accepts": "0.0010",
    }
    assert accuracy["verification"]["yale"] == {"accuracy": "0.9750", "pairs": "160"}
    assert accuracy["identification"] == {
        "rank1": "0.9131",
        "rank10": "0.9747",
        "probes": "3279",
        "rank1_orl": "1.0000",
    }
    assert entries[0].details["file_sha256"] == "ab" * 32


def test_only_measured_models_are_approved(staff: Staff, tmp_path: Path) -> None:
    register(staff, tmp_path / "missing.json")
    with pytest.raises(Refused, match="no measured accuracy"):
        approve(staff)


@pytest.mark.parametrize("user", ["supervisor", "auditor", "examiner"])
def test_only_administrators_register_and_approve(staff: Staff, tmp_path: Path, user: str) -> None:
    with pytest.raises(Refused, match="administrator"):
        register(staff, bench(tmp_path), by=user)
    register(staff, bench(tmp_path))
    with pytest.raises(Refused, match="administrator"):
        approve(staff, by=user)


def test_twice_is_refused_and_unknown_models_are_not_found(staff: Staff, tmp_path: Path) -> None:
    register(staff, bench(tmp_path))
    with pytest.raises(Refused, match="already"):
        register(staff, bench(tmp_path))
    with pytest.raises(Refused, match="sentence"):
        approve(staff, note="ok")
    approve(staff)
    with pytest.raises(Refused, match="was approved on"):
        approve(staff)
    with pytest.raises(NotFound), staff.sessions.begin() as session:
        approve_model(session, staff.actor("admin"), 999, "A reason long enough.")


def attach(staff: Staff, path: Path, by: str = "admin") -> None:
    with staff.sessions.begin() as session:
        attach_accuracy(session, staff.actor(by), staff.model_id, read_accuracy(path))


def test_figures_measured_later_are_attached_then_the_model_is_approved(
    staff: Staff, tmp_path: Path
) -> None:
    register(staff, tmp_path / "missing.json")
    with pytest.raises(Refused, match=r"facedocket models accuracy \d+ --accuracy FILE"):
        approve(staff)
    with pytest.raises(Refused, match="nothing to attach") as nothing:
        attach(staff, tmp_path / "missing.json")
    assert nothing.value.code == "not_measured"
    with pytest.raises(Refused, match="administrator"):
        attach(staff, bench(tmp_path), by="supervisor")
    attach(staff, bench(tmp_path))
    with pytest.raises(Refused, match="has these figures already"):
        attach(staff, bench(tmp_path))
    approve(staff)
    with pytest.raises(Refused, match="keeps them") as kept:
        attach(staff, bench(tmp_path, {**BENCH, "environment": {"when": "later"}}))
    assert kept.value.code == "approved"
    with staff.sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == [
        "model.registered",
        "model.accuracy_attached",
        "model.approved",
    ]
    assert entries[0].details["accuracy"]["measured"] is False
    attached = entries[1].details
    assert attached["accuracy"]["identification"]["rank1"] == "0.9131"
    assert attached["replaced"] == {"measured": False, "sha256": None}


def test_attaching_to_a_model_not_in_the_register_is_not_found(
    staff: Staff, tmp_path: Path
) -> None:
    with pytest.raises(NotFound, match="register it first"):
        attach(staff, bench(tmp_path))
