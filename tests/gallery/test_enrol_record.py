"""Enrolment leaves its trace on the audit record, whoever calls ``enrol`` (#10 item 6)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from facedocket.audit import verify
from facedocket.gallery.enrol import enrol
from facedocket.gallery.galleries import create_gallery, ensure_gallery
from facedocket.gallery.record import STARTED, Enroller, log
from facedocket.gallery.sources import EnrolmentItem
from facedocket.operator import operator
from facedocket.settings import Settings
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, Photo

PEOPLE = ["Aaron_Peirsol", "Abdullah_Gul", "Adrien_Brody"]


def items(faces: Path) -> list[EnrolmentItem]:
    return [
        EnrolmentItem(name, name.replace("_", " "), faces / "lfw" / name / f"{name}_0001.jpg")
        for name in PEOPLE
    ]


def entries(sessions: sessionmaker[Session]) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    with sessions() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        return [(r.actor, r.role, r.action, r.subject_id, r.details) for r in rows]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def test_an_enrolment_records_the_gallery_the_run_and_its_counts(
    settings: Settings, sessions: sessionmaker[Session], faces: Path
) -> None:
    photos = items(faces)
    enrol(settings, sessions, "licences", photos, workers=1)
    recorded = entries(sessions)
    assert [action for _, _, action, _, _ in recorded] == [
        "gallery.created",
        "gallery.enrolment_started",
        "gallery.enrolment_finished",
    ]
    assert {(actor, role, subject) for actor, role, _, subject, _ in recorded} == {
        (operator(), "operator", "licences")
    }
    started, finished = recorded[1][4], recorded[2][4]
    listed = [[p.record_id, p.name, str(p.path)] for p in photos]
    canonical = json.dumps({"items": listed}, separators=(",", ":")).encode()
    assert started == {
        "photos": 3,
        "items_sha256": hashlib.sha256(canonical).hexdigest(),
        "engine": "local",
        "resumes": None,
    }
    with sessions() as session:
        run = session.scalar(select(AuditEntry.seq).where(AuditEntry.action == STARTED))
        assert verify(session).ok
    assert finished == {
        "run": run,
        "enrolled": 3,
        "refused": 0,
        "skipped": 0,
        "unreadable": 0,
        "conflicts": 0,
    }

    enrol(settings, sessions, "licences", photos, workers=1, by=Enroller("admin.one", "x"))
    again = entries(sessions)[3:]
    assert [(actor, action) for actor, _, action, _, _ in again] == [
        ("admin.one", "gallery.enrolment_started"),
        ("admin.one", "gallery.enrolment_finished"),
    ], "an existing gallery is not created again"
    assert again[1][4]["skipped"] == 3


def test_an_interrupted_run_is_recorded_with_what_it_had_done(
    settings: Settings, sessions: sessionmaker[Session], faces: Path
) -> None:
    def stop(done: int, total: int) -> None:
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        enrol(settings, sessions, "g", items(faces), workers=1, commit_every=1, progress=stop)
    last = entries(sessions)[-1]
    assert last[2] == "gallery.enrolment_interrupted"
    assert last[4]["error"] == "KeyboardInterrupt: "
    with sessions() as session:
        stored = len(list(session.scalars(select(Photo.id))))
    assert last[4]["enrolled"] == stored >= 1, "the counts say what was committed"

    def break_down(done: int, total: int) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        enrol(settings, sessions, "g", items(faces), workers=1, progress=break_down)
    failed = entries(sessions)[-2:]
    assert [action for _, _, action, _, _ in failed] == [
        "gallery.enrolment_started",
        "gallery.enrolment_interrupted",
    ]
    assert failed[1][4]["error"] == "OSError: [Errno 28] No space left on device"


def test_a_run_killed_outright_is_named_by_the_run_that_resumes_it(
    settings: Settings, sessions: sessionmaker[Session], faces: Path
) -> None:
    # What ``kill -9`` leaves: a started entry with no end.
    with transaction(sessions) as session:
        ensure_gallery(session, "g")
        killed = log(session, Enroller("operator:x"), STARTED, "g", {"photos": 3}).seq
    enrol(settings, sessions, "g", items(faces), workers=1)
    started = [d for _, _, action, _, d in entries(sessions) if action == STARTED]
    assert started[-1]["resumes"] == killed
    enrol(settings, sessions, "g", items(faces), workers=1)
    started = [d for _, _, action, _, d in entries(sessions) if action == STARTED]
    assert started[-1]["resumes"] is None, "the finished run ended nothing left open"


def test_a_gallery_is_recorded_once_however_it_is_made(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        create_gallery(session, "admin.one", "rmv", "Licence photos")
        ensure_gallery(session, "rmv")
        ensure_gallery(session, "other")
    assert [
        (actor, role, action, subject) for actor, role, action, subject, _ in entries(sessions)
    ] == [
        ("admin.one", "administrator", "gallery.created", "rmv"),
        (operator(), "operator", "gallery.created", "other"),
    ]
