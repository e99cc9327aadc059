"""Bulk enrolment on real photos: refusals, idempotence, parallel workers, kill -9 resume."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import ray
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.photos import blank, side_by_side

from facedocket.faces.models import OnnxEmbedder
from facedocket.faces.pipeline import FacePipeline
from facedocket.faces.registry import DLIB_RESNET, build_pipeline
from facedocket.gallery.enrol import EnrolmentReport, enrol
from facedocket.gallery.galleries import GalleryNotFoundError, gallery_stats, get_gallery
from facedocket.gallery.indexes import open_index
from facedocket.gallery.sources import EnrolmentItem, from_folder, photo_path
from facedocket.settings import EnrolEngine, Settings
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import upgrade
from facedocket.store.schema import (
    AuditEntry,
    EnrolmentRejection,
    FaceModelRecord,
    Person,
    Photo,
    Template,
)

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


def report_rows(report: EnrolmentReport) -> list[list[str]]:
    assert report.report_path is not None
    with report.report_path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


def conflict_entries(sessions: sessionmaker[Session]) -> list[dict[str, str]]:
    with sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry.details)
                .where(AuditEntry.action == "gallery.enrolment_conflict")
                .order_by(AuditEntry.seq)
            )
        )


def test_same_photo_under_two_records_in_one_run_is_a_reported_conflict(
    settings: Settings, sessions: sessionmaker[Session], faces: Path
) -> None:
    photo = faces / "lfw" / "Adam_Sandler" / "Adam_Sandler_0001.jpg"
    items = [
        EnrolmentItem("A", "Adam Sandler", photo),
        EnrolmentItem("B", "Someone Else", photo),
        EnrolmentItem("A", "Adam Sandler", photo),  # the same record again: simply done
    ]
    report = enrol(settings, sessions, "g", items, workers=1)
    assert (report.enrolled, report.skipped, report.conflicts) == (1, 2, 1)
    ((location, sha, code, reason),) = report_rows(report)
    assert (location, code) == (str(photo), "same_photo_other_record")
    assert "record 'A' (Adam Sandler)" in reason and "record 'B' (Someone Else)" in reason
    (entry,) = conflict_entries(sessions)
    assert entry == {
        "photo": str(photo),
        "photo_sha256": sha,
        "enrolled_under": "A",
        "enrolled_name": "Adam Sandler",
        "not_enrolled_under": "B",
        "not_enrolled_name": "Someone Else",
    }


def test_photo_enrolled_earlier_under_another_record_is_a_reported_conflict(
    settings: Settings, sessions: sessionmaker[Session], faces: Path, tmp_path: Path
) -> None:
    photo = faces / "lfw" / "Adam_Sandler" / "Adam_Sandler_0001.jpg"
    enrol(settings, sessions, "g", [EnrolmentItem("A", "Adam Sandler", photo)], workers=1)
    copy = tmp_path / "renamed.jpg"
    shutil.copy(photo, copy)
    again = [EnrolmentItem("A", "Adam Sandler", photo), EnrolmentItem("B", "Other Name", copy)]
    report = enrol(settings, sessions, "g", again, workers=1)
    assert (report.enrolled, report.skipped, report.conflicts) == (0, 2, 1)
    ((location, _, code, _),) = report_rows(report)
    assert (location, code) == (str(copy), "same_photo_other_record")
    (entry,) = conflict_entries(sessions)
    assert (entry["enrolled_under"], entry["not_enrolled_under"]) == ("A", "B")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 1


def test_rerun_lists_the_refusals_of_earlier_runs(
    settings: Settings, sessions: sessionmaker[Session], faces: Path, tmp_path: Path
) -> None:
    folder = gallery_folder(faces, tmp_path / "photos", PEOPLE[:2], 1)
    for number in range(4):
        (folder / f"Z_Broken_{number}").mkdir()
        (folder / f"Z_Broken_{number}" / "b.jpg").write_bytes(b"not a jpeg %d" % number)
    items = from_folder(folder)
    first = enrol(settings, sessions, "g", items[:4], workers=1)  # stopped after four photos
    assert first.refused == 2
    rest = enrol(settings, sessions, "g", items, workers=1)
    assert (rest.refused, rest.skipped) == (2, 4)
    assert sorted(row[0] for row in report_rows(rest)) == [str(item.path) for item in items[2:]]


def test_relative_source_is_found_from_another_folder(
    settings: Settings,
    sessions: sessionmaker[Session],
    faces: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gallery_folder(faces, tmp_path / "photos", PEOPLE[:1], 1)
    monkeypatch.chdir(tmp_path)
    enrol(settings, sessions, "g", from_folder(Path("photos")), workers=1)
    monkeypatch.chdir(tmp_path / "photos")  # the service starts somewhere else
    with sessions() as session:
        (source,) = session.scalars(select(Photo.source)).all()
    assert Path(source).is_absolute()
    assert photo_path(source, settings.photo_root).is_file()


def test_photos_under_the_photo_root_are_kept_relative_to_it(
    faces: Path, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    root = tmp_path / "store"
    settings = Settings(data_dir=tmp_path / "data", photo_root=root)
    gallery_folder(faces, root, PEOPLE[:1], 1)
    enrol(settings, sessions, "g", from_folder(root), workers=1)
    with sessions() as session:
        (source,) = session.scalars(select(Photo.source)).all()
    assert source == f"{PEOPLE[0]}/{PEOPLE[0]}_0001.jpg"
    assert photo_path(source, root).is_file()


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
from facedocket.gallery.enrol import EnrolmentReport, enrol
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


RUN_WITH_WORKERS = """
import sys
from pathlib import Path
from facedocket.gallery.enrol import enrol
from facedocket.gallery.progress import PlainLines
from facedocket.gallery.sources import from_folder
from facedocket.settings import Settings
from facedocket.store.db import make_engine, session_factory
data, folder = sys.argv[1:]
settings = Settings(data_dir=Path(data))
sessions = session_factory(make_engine(settings.db_url))
lines = PlainLines(lambda line: print(line, flush=True), every=0)
enrol(settings, sessions, "state", from_folder(Path(folder)), workers=2, commit_every=4,
      batch_size=2, progress=lines)
"""


def children(pid: int) -> set[int]:
    """Processes whose parent is ``pid``, from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pids: set[int]) -> set[int]:
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.add(pid)
    return running


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_kill_9_ends_the_workers_and_the_rerun_lists_every_refusal(
    faces: Path, tmp_path: Path
) -> None:
    """Issue 19: workers outlived a killed enrolment, and its rerun lost refusals."""
    people = sorted(p.name for p in (faces / "lfw").iterdir() if len(list(p.iterdir())) >= 2)[:20]
    folder = gallery_folder(faces, tmp_path / "photos", people, 2)
    broken = []
    for number in range(10):  # five refused before the kill, five after it
        person = folder / (f"0_Broken_{number}" if number < 5 else f"z_Broken_{number}")
        person.mkdir()
        (person / "b.jpg").write_bytes(b"not a jpeg %d" % number)
        broken.append(str(person / "b.jpg"))
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    sessions = session_factory(engine)

    def count(table: type[Photo] | type[EnrolmentRejection]) -> int:
        with sessions() as session:
            return session.scalar(select(func.count()).select_from(table)) or 0

    log = tmp_path / "enrolment.log"
    with log.open("w") as output:
        child = subprocess.Popen(  # the sandbox's own interpreter, a fixed script
            [sys.executable, "-c", RUN_WITH_WORKERS, str(data), str(folder)],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
            stdout=output,
        )
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 180
        while (count(EnrolmentRejection) < 5 or count(Photo) < 4) and time.monotonic() < deadline:
            assert child.poll() is None, "the enrolment ended before it could be killed"
            time.sleep(0.05)
        workers = children(child.pid)
        assert len(workers) >= 2, "two worker processes were expected"
        assert child.poll() is None, "the enrolment finished before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait()
        # Progress reached the log while the run went on, not only at its end.
        assert any(line.startswith("enrolling: ") for line in log.read_text().splitlines())
        deadline = time.monotonic() + 10
        while alive(workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(workers), "worker processes outlived the killed enrolment"
    finally:
        for pid in alive(workers | {child.pid}):
            os.kill(pid, signal.SIGKILL)
    assert count(Photo) + count(EnrolmentRejection) < 50, "the kill came too late to test"

    report = enrol(settings, sessions, "state", from_folder(folder), workers=1)
    assert report.enrolled + report.refused + report.skipped == 50
    rows = report_rows(report)
    assert sorted(row[0] for row in rows) == sorted(broken)
    assert {row[2] for row in rows} == {"not_an_image"}


def test_a_pipeline_built_before_is_used_and_must_be_of_the_model(
    settings: Settings, sessions: sessionmaker[Session], faces: Path, tmp_path: Path
) -> None:
    pipeline = build_pipeline(settings)
    items = from_folder(gallery_folder(faces, tmp_path / "photos", PEOPLE[:2], 1))
    report = enrol(settings, sessions, "g", items, workers=1, pipeline=pipeline)
    assert report.enrolled == 2
    assert report.stage_seconds["embed"] > 0

    other = FacePipeline(
        pipeline.detector,
        OnnxEmbedder(replace(DLIB_RESNET, name="another-model"), tmp_path / "another.onnx"),
        pipeline.limits,
    )
    with sessions() as session:
        entries = session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(ValueError, match="runs another-model, the settings name dlib-resnet-v1"):
        enrol(settings, sessions, "h", items, workers=1, pipeline=other)
    with sessions() as session:
        with pytest.raises(GalleryNotFoundError):
            get_gallery(session, "h")
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries
