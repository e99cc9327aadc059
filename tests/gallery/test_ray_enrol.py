"""Batch enrolment on Ray gives what local enrolment gives, with the same resume rules.

The local Ray instance comes from ``conftest.py``; enrolment joins it rather than
starting its own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.photos import blank

from facedocket.gallery import ray_engine
from facedocket.gallery.enrol import enrol
from facedocket.gallery.galleries import get_gallery
from facedocket.gallery.indexes import open_index
from facedocket.gallery.sources import EnrolmentItem, from_folder
from facedocket.settings import Settings
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import upgrade
from facedocket.store.schema import EnrolmentRejection, FaceModelRecord, Photo, Template

PEOPLE = ["Aaron_Peirsol", "Abdullah_Gul", "Adrien_Brody", "Adam_Sandler"]


@pytest.fixture
def photos(faces: Path, tmp_path: Path) -> list[EnrolmentItem]:
    """Two photos each of four people, a photo with no face, and one listed twice."""
    target = tmp_path / "photos"
    for name in PEOPLE:
        (target / name).mkdir(parents=True)
        for photo in sorted((faces / "lfw" / name).glob("*.jpg"))[:2]:
            shutil.copy(photo, target / name / photo.name)
    (target / "Nobody").mkdir()
    (target / "Nobody" / "wall.jpg").write_bytes(blank())
    items = from_folder(target)
    return [*items, items[0], EnrolmentItem("gone", "Gone", tmp_path / "missing.jpg")]


def templates(session: Session, gallery: str) -> dict[str, np.ndarray]:
    rows = session.execute(
        select(Photo.sha256, Template.vector)
        .join(Template, Template.photo_id == Photo.id)
        .where(Photo.gallery_id == get_gallery(session, gallery).id)
    )
    return {sha: np.frombuffer(vector, dtype=np.float32) for sha, vector in rows}


@pytest.mark.slow
@pytest.mark.usefixtures("ray_instance")
def test_ray_enrols_what_local_enrols_and_resumes_the_same_way(
    sessions: sessionmaker[Session], photos: list[EnrolmentItem], tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", index_backend="milvus-flat")
    local = enrol(settings, sessions, "local", photos, workers=1)
    # Half done locally, as if a local run had been killed; Ray must pick up the rest.
    enrol(settings, sessions, "ray", photos[:4], workers=1)
    report = enrol(settings, sessions, "ray", photos, engine="ray", workers=2)

    assert (local.enrolled, local.refused, local.skipped, local.unreadable) == (8, 1, 1, 1)
    assert (report.enrolled, report.refused, report.skipped, report.unreadable) == (4, 1, 5, 1)
    assert set(report.stage_seconds) == {"decode", "detect", "align", "embed"}
    with sessions() as session:
        one, two = templates(session, "local"), templates(session, "ray")
        assert one.keys() == two.keys()
        assert all(np.allclose(one[key], two[key], atol=1e-6) for key in one)
        refused = session.scalars(
            select(EnrolmentRejection.code).where(
                EnrolmentRejection.gallery_id == get_gallery(session, "ray").id
            )
        ).all()
        assert refused == ["no_face"]
        model = session.scalars(select(FaceModelRecord)).one()
        index = open_index(session, settings, get_gallery(session, "ray").id, model.id)
        assert len(index) == 8

    again = enrol(settings, sessions, "ray", photos, engine="ray", workers=2)
    assert (again.enrolled, again.refused, again.skipped, again.unreadable) == (0, 0, 10, 1)


@pytest.mark.slow
@pytest.mark.usefixtures("ray_instance")
def test_split_stages_embed_as_one_stage_does(
    photos: list[EnrolmentItem], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The GPU layout (align actors, then embedding actors), run here on CPUs."""
    engine = make_engine(f"sqlite:///{tmp_path / 'split.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    settings = Settings(data_dir=tmp_path / "data", gpu_batch_size=3)
    monkeypatch.setattr(
        ray_engine, "plan", lambda cpus, gpus, workers: ray_engine.Plan(True, 1, 1, 0.0)
    )
    split = enrol(settings, sessions, "split", photos, engine="ray")
    one = enrol(settings, sessions, "one", photos, workers=1)
    assert (split.enrolled, split.refused, split.skipped) == (one.enrolled, one.refused, 1)
    with sessions() as session:
        a, b = templates(session, "split"), templates(session, "one")
    assert a.keys() == b.keys()
    assert all(np.allclose(a[key], b[key], atol=1e-6) for key in a)
