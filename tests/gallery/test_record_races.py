"""Registering a new gallery or a new model, raced by real processes: each is made once
(one row, one creation entry), and every racer gets that row (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from tests.races import RACERS, Database, Racers, assert_verifies, count, pipeline

from facedocket.gallery.galleries import ensure_gallery, ensure_model_record
from facedocket.gallery.record import Enroller
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, FaceModelRecord, Gallery

pytestmark = pytest.mark.slow


def gallery_id(session: Session, name: str) -> int:
    return ensure_gallery(session, name, by=Enroller("admin:test", "administrator")).id


def model_id(session: Session) -> int:
    return ensure_model_record(session, pipeline().embedder).id


def test_a_new_gallery_is_made_once(
    engine: Engine, sessions: sessionmaker[Session], racers: Racers
) -> None:
    answers = racers.race(Database.of(engine), [(gallery_id, ("statewide",))] * RACERS)
    assert {a.outcome for a in answers} == {"done"}, [a.reasons for a in answers]
    assert len({a.value for a in answers}) == 1
    assert count(sessions, Gallery, Gallery.name == "statewide") == 1
    with transaction(sessions) as session:
        created = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "gallery.created")
        ).all()
    assert len(created) == 1
    assert_verifies(sessions)


def test_a_new_model_is_registered_once(
    engine: Engine, sessions: sessionmaker[Session], racers: Racers
) -> None:
    answers = racers.race(Database.of(engine), [(model_id, ())] * RACERS)
    assert {a.outcome for a in answers} == {"done"}, [a.reasons for a in answers]
    assert len({a.value for a in answers}) == 1
    assert count(sessions, FaceModelRecord) == 1
