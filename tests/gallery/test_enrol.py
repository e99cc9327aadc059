"""Bulk enrolment on real photos: refusals, idempotence, parallel workers, kill -9 resume."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import ray
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.photos import blank, side_by_side

from facedocket.gallery.enrol import enrol
from facedocket.gallery.indexes import open_index
from facedocket.gallery.records import gallery_stats, get_gallery
from facedocket.gallery.sources import EnrolmentItem, from_folder
from facedocket.settings import EnrolEngine, Settings
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import upgrade
from facedocket.store.schema import EnrolmentRejection, FaceModelRecord, Photo, Template

PEOPLE = ["Aaron_Peirsol", "Abdullah_Gul", "Adrien_Brody", "Adam_Sandler", "Alejandro_Toledo"]


def gallery_folder(faces: Path, target: Path, people: list[str], per_person: int) -> Path:
    """A per-person folder copied from the development set into a temporary place."""
    for name in people:
        (target / name).mkdir(parents=True)
        for photo in sorted((faces / "lfw" / name).glob("*.jpg"))[:per_person]:
            shutil.copy(photo, target / name / photo.name)
    return target


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def test_enrols_refuses_and_reports(
    settings: Settings, sessions: sessionmaker[Session], faces: Path, tmp_path: Path
) -> None:
    folder = gallery_folder(faces, tmp_path / "photos", PEOPLE, 3)
    (folder / "Nobody").mkdir()
    (folder / "Nobody" / "wall.jpg").write_bytes(blank())
    (folder / "Nobody" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "Two_People").mkdir()
    (folder / "Two_People" / "pair.jpg").write_bytes(
        side_by_side(
            folder / PEOPLE[0] / "Aaron_Peirsol_0001.jpg",
            folder / PEOPLE[1] / os.listdir(folder / PEOPLE[1])[0],
        )
    )
    items = from_folder(folder)
    report = enrol(settings, sessions, "licences", items, workers=1)

    assert report.enrolled == 15
    assert report.refused == 3
    assert report.report_path is not None
    lines = report.report_path.read_text().splitlines()
    assert lines[0] == "photo,sha256,code,reason"
    assert {line.split(",")[2] for line in lines[1:]} == {
        "no_face",
        "corrupt_image",
        "ambiguous_faces",
    }
    with sessions() as session:
        stats = gallery_stats(session, "licences")
        assert (stats.persons, stats.photos) == (5, 15)
        assert stats.rejections_by_code == {"no_face": 1, "corrupt_image": 1, "ambiguous_faces": 1}
        model = session.scalars(select(FaceModelRecord)).one()
        assert model.name == "dlib-resnet-v1" and len(model.file_sha256) == 64
        gallery = get_gallery(session, "licences")
        index = open_index(session, settings, gallery.id, model.id)
        assert len(index) == 15

    again = enrol(settings, sessions, "licences", items, workers=1)
    assert (again.enrolled, again.refused, again.skipped) == (0, 0, 18)


def test_parallel_workers_match_one_worker(
    settings: Settings, sessions: sessionmaker[Session], faces: Path, tmp_path: Path
) -> None:
    items = from_folder(gallery_folder(faces, tmp_path / "photos", PEOPLE, 2))
    enrol(settings, sessions, "one", items, workers=1)
    report = enrol(settings, sessions, "two", items, workers=2)
    assert report.enrolled == 10
    with sessions() as session:

        def vectors(name: str) -> dict[str, np.ndarray]:
            rows = session.execute(
                select(Photo.sha256, Template.vector)
                .join(Template, Template.photo_id == Photo.id)
                .where(Photo.gallery_id == get_gallery(session, name).id)
            )
            return {sha: np.frombuffer(vector, dtype=np.float32) for sha, vector in rows}

        one, two = vectors("one"), vectors("two")
    assert one.keys() == two.keys()
    assert all(np.allclose(one[key], two[key], atol=1e-6) for key in one)


def test_same_photo_twice_in_one_run_is_enrolled_once(
    settings: Settings, sessions: sessionmaker[Session], faces: Path
) -> None:
    photo = faces / "lfw" / "Adam_Sandler" / "Adam_Sandler_0001.jpg"
    items = [EnrolmentItem("A", "Adam Sandler", photo), EnrolmentItem("B", "Someone Else", photo)]
    report = enrol(settings, sessions, "g", items, workers=1)
    assert (report.enrolled, report.skipped) == (1, 1)


def test_missing_file_is_reported_not_fatal(
    settings: Settings, sessions: sessionmaker[Session], faces: Path, tmp_path: Path
) -> None:
    photo = faces / "lfw" / "Adam_Sandler" / "Adam_Sandler_0001.jpg"
    items = [
        EnrolmentItem("A", "Adam Sandler", photo),
        EnrolmentItem("B", "Gone", tmp_path / "gone.jpg"),
    ]
    report = enrol(settings, sessions, "g", items, workers=1)
    assert (report.enrolled, report.unreadable) == (1, 1)
    assert report.report_path is not None
    assert "unreadable" in report.report_path.read_text()


RESUMABLE_RUN = """
import sys
from pathlib import Path
from facedocket.gallery.enrol import enrol
from facedocket.gallery.sources import from_folder
from facedocket.settings import EnrolEngine, Settings
from facedocket.store.db import make_engine, session_factory
data, folder, engine, address = sys.argv[1:]
settings = Settings(data_dir=Path(data), ray_address=address or None)
sessions = session_factory(make_engine(settings.db_url))
enrol(settings, sessions, "state", from_folder(Path(folder)), engine=engine, workers=1,
      commit_every=8, batch_size=4)
"""


@pytest.mark.slow
@pytest.mark.parametrize("enrol_engine", ["local", "ray"])
def test_kill_9_then_resume_loses_and_doubles_nothing(
    enrol_engine: EnrolEngine, faces: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The driver killed mid-run (for Ray, while its actors work on a running cluster)."""
    address = ""
    if enrol_engine == "ray":
        request.getfixturevalue("ray_instance")
        address = ray.get_runtime_context().gcs_address
    people = sorted(p.name for p in (faces / "lfw").iterdir() if len(list(p.iterdir())) >= 4)[:20]
    folder = gallery_folder(faces, tmp_path / "photos", people, 4)
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    sessions = session_factory(engine)

    def photos() -> int:
        with sessions() as session:
            return session.scalar(select(func.count()).select_from(Photo)) or 0

    child = subprocess.Popen(  # the sandbox's own interpreter, a fixed script
        [sys.executable, "-c", RESUMABLE_RUN, str(data), str(folder), enrol_engine, address],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    deadline = time.monotonic() + 120
    while photos() < 16 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert child.poll() is None, "the enrolment finished before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.wait()
    interrupted = photos()
    assert 16 <= interrupted < 80

    with sessions() as session:
        refused_before = session.scalar(select(func.count()).select_from(EnrolmentRejection))
    report = enrol(settings, sessions, "state", from_folder(folder), engine=enrol_engine, workers=1)
    assert report.skipped == interrupted + refused_before
    assert report.enrolled + report.refused + report.skipped == 80
    with sessions() as session:
        shas = session.scalars(select(Photo.sha256)).all()
        templates = session.scalar(select(func.count()).select_from(Template))
    assert len(shas) == len(set(shas)) == report.enrolled + interrupted
    assert templates == len(shas)
