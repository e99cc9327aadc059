"""Every 1:1 comparison is on the audit record: who, when, both photos, the score (#10)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.databases import migrated_file
from tests.photos import blank, lfw
from typer.testing import CliRunner

from facedocket.audit import verify
from facedocket.cli import app, context
from facedocket.faces.errors import FaceError
from facedocket.faces.registry import build_pipeline
from facedocket.governance.comparisons import compare_photos
from facedocket.operator import operator
from facedocket.settings import Settings, get_settings
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry


def test_a_comparison_records_both_photos_and_the_score(
    sessions: sessionmaker[Session], faces: Path, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    pipeline = build_pipeline(settings)
    first = lfw(faces, "Abdullah_Gul", 1).read_bytes()
    second = lfw(faces, "Abdullah_Gul", 2).read_bytes()
    with transaction(sessions) as session:
        result = compare_photos(
            session, settings, pipeline, ("exam.okafor", "examiner"), (first, second)
        )
    assert result.similar
    with sessions() as session:
        entry = session.scalars(select(AuditEntry)).one()
        assert verify(session).ok
    assert (entry.seq, entry.actor, entry.role, entry.action) == (
        result.entry,
        "exam.okafor",
        "examiner",
        "faces.compared",
    )
    assert entry.details["photo_a_sha256"] == hashlib.sha256(first).hexdigest()
    assert entry.details["photo_b_sha256"] == hashlib.sha256(second).hexdigest()
    assert entry.details["score"] == f"{result.score:.4f}"
    assert entry.details["threshold"] == f"{result.threshold:.4f}"
    assert entry.details["model_sha256"] == pipeline.embedder.file_sha256

    with pytest.raises(FaceError), transaction(sessions) as session:
        compare_photos(session, settings, pipeline, ("x", "examiner"), (blank(), second))
    with sessions() as session:
        assert len(session.scalars(select(AuditEntry)).all()) == 1, "a refusal records nothing"


def test_faces_compare_on_the_command_line_is_recorded(
    faces: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACEDOCKET_DATA_DIR", str(tmp_path / "data"))
    migrated_file(tmp_path / "data" / "facedocket.db")
    monkeypatch.delenv("FACEDOCKET_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    context.sessions.cache_clear()
    try:
        photos = [str(lfw(faces, "Abdullah_Gul", 1)), str(lfw(faces, "Aaron_Peirsol", 1))]
        shown = CliRunner().invoke(app, ["faces", "compare", *photos])
        assert shown.exit_code == 0, shown.output
        with context.sessions()() as session:
            entry = session.scalars(select(AuditEntry)).one()
    finally:
        get_settings.cache_clear()
        context.sessions.cache_clear()
    assert (entry.actor, entry.action) == (operator(), "faces.compared")
    assert f"similarity {entry.details['score']}" in shown.output
    assert f"recorded as audit entry {entry.seq}" in shown.output
