"""Durable enrolment jobs: the queue's rules, a worker's lease, pause and cancel, and a
worker killed with SIGKILL and restarted (issue 17)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker
from tests.gallery.test_enrol import gallery_folder

from facedocket.gallery.galleries import ensure_gallery
from facedocket.gallery.jobs import (
    JobNotFoundError,
    JobStateError,
    ask,
    claim,
    get_job,
    progress_of,
    submit,
)
from facedocket.gallery.record import Enroller
from facedocket.gallery.runner import run_next
from facedocket.gallery.sources import ManifestError
from facedocket.settings import Settings
from facedocket.store.db import make_engine, session_factory, transaction
from facedocket.store.migrate import upgrade
from facedocket.store.schema import (
    AuditEntry,
    EnrolmentJobRow,
    EnrolmentRejection,
    Photo,
    Template,
)
from facedocket.store.schema.base import utcnow

ADMIN = Enroller("admin.one", "administrator")


def photo_folder(faces: Path, target: Path, people: int, per_person: int) -> Path:
    """The first ``people`` of the development set with two photos or more."""
    names = sorted(p.name for p in (faces / "lfw").iterdir() if len(list(p.iterdir())) >= 2)
    return gallery_folder(faces, target, names[:people], per_person)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    imports = tmp_path / "imports" / "batch" / "Someone"
    imports.mkdir(parents=True)
    (imports / "1.jpg").write_bytes(b"not read until a worker runs the job")
    return Settings(data_dir=tmp_path / "data", enrolment_dir=tmp_path / "imports")


@pytest.fixture
def gallery(sessions: sessionmaker[Session]) -> str:
    with transaction(sessions) as session:
        ensure_gallery(session, "county", by=ADMIN)
    return "county"


def state(sessions: sessionmaker[Session], job_id: int) -> str:
    with sessions() as session:
        return get_job(session, job_id).state


def test_a_gallery_has_one_unfinished_job_and_requests_follow_the_states(
    settings: Settings, sessions: sessionmaker[Session], gallery: str
) -> None:
    job = submit(settings, sessions, gallery, "batch", ADMIN)
    assert (job.state, job.total) == ("queued", 1)
    with pytest.raises(JobStateError, match="unfinished enrolment job"):
        submit(settings, sessions, gallery, "batch", ADMIN)
    with pytest.raises(JobStateError, match="only a paused job can resume"):
        ask(sessions, job.id, "resume", ADMIN)
    ask(sessions, job.id, "pause", ADMIN)
    assert state(sessions, job.id) == "paused"
    assert claim(sessions, "w", timedelta(seconds=60)) is None  # a paused job is not taken
    ask(sessions, job.id, "resume", ADMIN)
    ask(sessions, job.id, "cancel", ADMIN)
    assert state(sessions, job.id) == "cancelled"
    with pytest.raises(JobStateError, match="job 1 is cancelled"):
        ask(sessions, job.id, "pause", ADMIN)
    with pytest.raises(JobNotFoundError):
        ask(sessions, 99, "cancel", ADMIN)
    assert submit(settings, sessions, gallery, "batch", ADMIN).state == "queued"  # a new one
    with sessions() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("gallery.job_%"))
        ).all()
    assert actions == [
        "gallery.job_queued",
        "gallery.job_pause_requested",
        "gallery.job_resume_requested",
        "gallery.job_cancel_requested",
        "gallery.job_queued",
    ]


def test_bad_sources_and_galleries_are_refused_before_anything_is_queued(
    settings: Settings, sessions: sessionmaker[Session], gallery: str
) -> None:
    for source in ("../..", "/etc", "missing", "batch/../../data"):
        with pytest.raises(ManifestError):
            submit(settings, sessions, gallery, source, ADMIN)
    with pytest.raises(LookupError, match="no gallery called 'nowhere'"):
        submit(settings, sessions, "nowhere", "batch", ADMIN)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(EnrolmentJobRow)) == 0


def test_a_lease_is_held_until_it_runs_out(
    settings: Settings, sessions: sessionmaker[Session], gallery: str
) -> None:
    job = submit(settings, sessions, gallery, "batch", ADMIN)
    lease = timedelta(seconds=30)
    taken = claim(sessions, "first", lease)
    assert taken is not None and (taken.id, taken.worker, taken.runs) == (job.id, "first", 1)
    assert claim(sessions, "second", lease) is None
    with transaction(sessions) as session:  # the first worker stops beating (kill -9)
        session.execute(
            update(EnrolmentJobRow).values(heartbeat_at=utcnow() - timedelta(seconds=31))
        )
    again = claim(sessions, "second", lease)
    assert again is not None and (again.worker, again.runs) == ("second", 2)


@pytest.mark.slow
def test_pause_stops_a_running_job_and_resume_finishes_it_once(
    faces: Path, sessions: sessionmaker[Session], gallery: str, tmp_path: Path
) -> None:
    # Enough photos, and a beat (a third of the lease) often enough, that the pause lands
    # mid-run on a loaded machine too: the worker learns of it at its next beat.
    photo_folder(faces, tmp_path / "imports" / "lfw", 30, 2)
    settings = Settings(
        data_dir=tmp_path / "data",
        enrolment_dir=tmp_path / "imports",
        job_lease_seconds=1,
        enrol_batch_size=1,
        enrol_commit_every=2,
        workers=1,
    )
    job = submit(settings, sessions, gallery, "lfw", ADMIN)
    runner = threading.Thread(target=run_next, args=(settings, sessions))
    runner.start()
    deadline = time.monotonic() + 120
    while photos_in(sessions) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    ask(sessions, job.id, "pause", ADMIN)
    runner.join(120)
    with sessions() as session:
        paused = get_job(session, job.id)
        photos = session.scalar(select(func.count()).select_from(Photo))
    assert paused.state == "paused" and paused.wanted is None
    assert 0 < (photos or 0) < 60, "the pause came too late to test"
    ask(sessions, job.id, "resume", ADMIN)
    assert run_next(settings, sessions) == job.id
    with sessions() as session:
        finished = progress_of(get_job(session, job.id))
        shas = session.scalars(select(Photo.sha256)).all()
    assert (finished.job.state, finished.job.runs, finished.job.done) == ("finished", 2, 60)
    assert finished.job.enrolled + finished.job.refused + finished.job.skipped == 60
    assert len(shas) == len(set(shas)) == 60 - finished.job.refused


def photos_in(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Photo)) or 0


WORKER = "from facedocket.cli import app; app(['worker', *__import__('sys').argv[1:]])"


@pytest.mark.slow
def test_kill_9_of_the_worker_then_a_restart_finishes_with_every_photo_once(
    faces: Path, tmp_path: Path
) -> None:
    """The web service holds nothing of a job: only the worker is killed, then started."""
    photo_folder(faces, tmp_path / "imports" / "lfw", 20, 2)
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "FACEDOCKET_DATA_DIR": str(tmp_path / "data"),
        "FACEDOCKET_ENROLMENT_DIR": str(tmp_path / "imports"),
        "FACEDOCKET_JOB_LEASE_SECONDS": "2",
        "FACEDOCKET_ENROL_BATCH_SIZE": "2",
        "FACEDOCKET_ENROL_COMMIT_EVERY": "4",
        "FACEDOCKET_WORKERS": "2",
    }
    environment.pop("FACEDOCKET_DATABASE_URL", None)
    settings = Settings(data_dir=tmp_path / "data", enrolment_dir=tmp_path / "imports")
    engine = make_engine(settings.db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        ensure_gallery(session, "state", by=ADMIN)
    job = submit(settings, sessions, "state", "lfw", ADMIN)

    def photos() -> int:
        with sessions() as session:
            return session.scalar(select(func.count()).select_from(Photo)) or 0

    worker = subprocess.Popen(  # the sandbox's own interpreter, a fixed script
        [sys.executable, "-c", WORKER], env=environment, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 180
        while photos() < 8 and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker.poll() is None, "the worker ended before it could be killed"
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
    interrupted = photos()
    with sessions() as session:
        refused_before = session.scalar(select(func.count()).select_from(EnrolmentRejection))
    assert 8 <= interrupted < 40, "the kill came too late to test"
    assert state(sessions, job.id) == "running"  # as the killed worker left it
    time.sleep(2.5)  # its lease runs out
    restarted = subprocess.run(  # the sandbox's own interpreter, a fixed script
        [sys.executable, "-c", WORKER, "--once"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert restarted.returncode == 0, restarted.stderr[-2000:]
    assert f"job {job.id}: finished" in restarted.stderr
    with sessions() as session:
        done = get_job(session, job.id)
        shas = session.scalars(select(Photo.sha256)).all()
        templates = session.scalar(select(func.count()).select_from(Template))
    assert (done.state, done.runs, done.done, done.total) == ("finished", 2, 40, 40)
    assert done.active_gallery is None
    assert len(shas) == len(set(shas)) == templates == 40 - done.refused
    assert done.skipped == interrupted + refused_before  # the killed run's work, found done
