"""Enrolment started from the web: a background thread per job, with progress to show.

A job lives in memory only. That is safe because enrolment is idempotent by photo hash: if
the server stops mid-job, starting the same job again resumes it, losing and doubling
nothing. ``enrol`` records who started each job and how it ended.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session, sessionmaker

from facedocket.gallery.enrol import EnrolmentReport, enrol
from facedocket.gallery.record import Enroller
from facedocket.gallery.sources import EnrolmentItem, ManifestError, from_folder, from_manifest
from facedocket.settings import Settings
from facedocket.store.schema.base import utcnow

JobState = Literal["running", "finished", "failed"]


@dataclass(frozen=True)
class EnrolmentJob:
    id: int
    gallery: str
    source: str
    started_by: str
    started_at: datetime
    total: int
    done: int = 0
    state: JobState = "running"
    finished_at: datetime | None = None
    report: EnrolmentReport | None = None
    error: str = ""


def resolve_source(settings: Settings, relative: str) -> list[EnrolmentItem]:
    """The photos of a folder or manifest inside the import folder, and nowhere else.

    Containment is judged on the written path with ``..`` folded away, so a name cannot
    climb out; links placed inside the folder by the server's operator are followed.
    """
    root = Path(os.path.abspath(settings.imports_dir))
    path = _inside(root, root / relative)
    if path is None or not path.exists():
        raise ManifestError(f"{relative!r} is not a folder or manifest under the import folder")
    items = from_manifest(path) if path.is_file() else from_folder(path)
    outside = [item.path for item in items if _inside(root, item.path) is None]
    if outside:
        raise ManifestError(f"the manifest names photos outside the import folder: {outside[0]}")
    return items


def _inside(root: Path, path: Path) -> Path | None:
    folded = Path(os.path.normpath(os.path.abspath(path)))
    return folded if folded.is_relative_to(root) else None


class EnrolmentJobs:
    """The jobs of one server process; one running job per gallery at a time."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.sessions = sessions
        self._jobs: dict[int, EnrolmentJob] = {}
        self._threads: dict[int, threading.Thread] = {}
        self._lock = threading.Lock()

    def start(self, gallery: str, items: list[EnrolmentItem], source: str, by: str) -> EnrolmentJob:
        with self._lock:
            if any(j.gallery == gallery and j.state == "running" for j in self._jobs.values()):
                raise ManifestError(f"gallery {gallery!r} is being enrolled already")
            job = EnrolmentJob(len(self._jobs) + 1, gallery, source, by, utcnow(), len(items))
            self._jobs[job.id] = job
        thread = threading.Thread(
            target=self._run, args=(job.id, items), name=f"enrolment-{job.id}", daemon=True
        )
        self._threads[job.id] = thread
        thread.start()
        return job

    def get(self, job_id: int) -> EnrolmentJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def all(self) -> list[EnrolmentJob]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda job: job.id, reverse=True)

    def wait(self, job_id: int, timeout: float) -> EnrolmentJob | None:
        """Block until the job ends (or ``timeout`` seconds pass); for tests and scripts."""
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
        return self.get(job_id)

    def _update(self, job_id: int, **changes: Any) -> EnrolmentJob:
        with self._lock:
            job = replace(self._jobs[job_id], **changes)
            self._jobs[job_id] = job
            return job

    def _run(self, job_id: int, items: list[EnrolmentItem]) -> None:
        job = self._jobs[job_id]

        def progress(done: int, total: int) -> None:
            self._update(job_id, done=done, total=total)

        by = Enroller(job.started_by, "administrator")
        try:
            report = enrol(
                self.settings, self.sessions, job.gallery, items, progress=progress, by=by
            )
        except Exception as error:  # a failed job must say why, not vanish with its thread
            self._update(job_id, state="failed", finished_at=utcnow(), error=str(error)[:1000])
            return
        self._update(job_id, state="finished", finished_at=utcnow(), report=report)
