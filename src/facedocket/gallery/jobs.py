"""Enrolment jobs, kept in the database: queued from the web or the command line, run by
``facedocket worker`` (``gallery/runner.py``), paused, resumed and cancelled by people.

The table is the queue. A worker claims a job with one conditional UPDATE (a queued job,
or a running one whose lease ran out because its worker died), which is atomic on SQLite
and PostgreSQL alike, and renews the lease with a heartbeat that also saves the progress.
Enrolment is idempotent by photo hash, so a job taken over after a ``kill -9`` resumes
where the last commit ended, with every photo enrolled once. Each change a person asks
for is on the audit record.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from facedocket.gallery.galleries import get_gallery
from facedocket.gallery.progress import Pace
from facedocket.gallery.record import Enroller, log
from facedocket.gallery.sources import EnrolmentItem, ManifestError, from_folder, from_manifest
from facedocket.notify import notices
from facedocket.settings import Settings
from facedocket.store.db import transaction
from facedocket.store.schema import EnrolmentJobRow, EnrolmentRejection
from facedocket.store.schema.base import utcnow

UNFINISHED = ("queued", "running", "paused")


class JobNotFoundError(LookupError):
    pass


class JobStateError(ValueError):
    """The job is not in a state that allows what was asked; nothing changed."""


@dataclass(frozen=True)
class JobProgress:
    """A job as people see it: its row, with the rate and time left of its current run."""

    job: EnrolmentJobRow
    pace: Pace

    @property
    def seconds_left(self) -> float | None:
        return self.pace.seconds_left if self.job.state == "running" else None


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


def submit(
    settings: Settings, sessions: sessionmaker[Session], gallery: str, source: str, by: Enroller
) -> EnrolmentJobRow:
    """Queue the enrolment of ``source`` (checked now) into an existing gallery."""
    with sessions() as session:
        get_gallery(session, gallery)
    items = resolve_source(settings, source)
    try:
        with transaction(sessions) as session:
            job = EnrolmentJobRow(
                gallery=gallery,
                active_gallery=gallery,
                source=source,
                started_by=by.name,
                total=len(items),
            )
            session.add(job)
            session.flush()
            details = {"job": job.id, "source": source, "photos": len(items)}
            log(session, by, "gallery.job_queued", gallery, details)
    except IntegrityError:
        raise JobStateError(f"gallery {gallery!r} has an unfinished enrolment job") from None
    return job


def progress_of(job: EnrolmentJobRow) -> JobProgress:
    began = job.run_started_at
    seconds = (utcnow() - began).total_seconds() if began else 0.0
    done = max(job.done - job.run_started_done, 0)
    return JobProgress(job, Pace(done, max(job.total - job.run_started_done, 0), seconds))


def refused_by(session: Session, job: EnrolmentJobRow, limit: int) -> list[EnrolmentRejection]:
    """The photos the job's runs refused, in the order they were refused (``limit`` at
    most): the gallery's refusals recorded since the job was queued, and until it ended."""
    which = [
        EnrolmentRejection.gallery_id == get_gallery(session, job.gallery).id,
        EnrolmentRejection.created_at >= job.created_at,
    ]
    if job.finished_at is not None:
        which.append(EnrolmentRejection.created_at <= job.finished_at)
    return list(
        session.scalars(
            select(EnrolmentRejection).where(*which).order_by(EnrolmentRejection.id).limit(limit)
        )
    )


def get_job(session: Session, job_id: int) -> EnrolmentJobRow:
    job = session.get(EnrolmentJobRow, job_id)
    if job is None:
        raise JobNotFoundError(f"no enrolment job {job_id}")
    return job


def list_jobs(session: Session, limit: int = 100) -> list[EnrolmentJobRow]:
    return list(
        session.scalars(select(EnrolmentJobRow).order_by(EnrolmentJobRow.id.desc()).limit(limit))
    )


# What each request does: the states it applies to, and the change it makes. A running job
# is asked (``wanted``) and its worker stops at the next batch; the others change at once.
_REQUESTS: dict[str, dict[str, dict[str, object]]] = {
    "pause": {"queued": {"state": "paused"}, "running": {"wanted": "pause"}},
    "resume": {"paused": {"state": "queued"}},
    "cancel": {
        "queued": {"state": "cancelled", "active_gallery": None},
        "paused": {"state": "cancelled", "active_gallery": None},
        "running": {"wanted": "cancel"},
    },
}


def ask(sessions: sessionmaker[Session], job_id: int, what: str, by: Enroller) -> None:
    """Pause, resume or cancel a job, if its state allows; on the record either way."""
    changes = _REQUESTS[what]
    with transaction(sessions) as session:
        job = get_job(session, job_id)
        if job.state not in changes:
            allowed = ", ".join(changes)
            raise JobStateError(f"job {job_id} is {job.state}; only a {allowed} job can {what}")
        change = dict(changes[job.state])
        if change.get("state") == "cancelled":
            change["finished_at"] = utcnow()
        # Conditional on the state read, so a worker's change in between is not overwritten.
        done = session.execute(
            update(EnrolmentJobRow)
            .where(EnrolmentJobRow.id == job_id, EnrolmentJobRow.state == job.state)
            .values(**change)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise JobStateError(f"job {job_id} changed while asked to {what}; ask again")
        log(session, by, f"gallery.job_{what}_requested", job.gallery, {"job": job_id})


def claim(sessions: sessionmaker[Session], worker: str, lease: timedelta) -> EnrolmentJobRow | None:
    """Take the oldest job that is queued, or running under a lease that ran out."""
    now = utcnow()
    stale = now - lease
    with transaction(sessions) as session:
        candidates = session.scalars(
            select(EnrolmentJobRow.id)
            .where(
                or_(
                    EnrolmentJobRow.state == "queued",
                    (EnrolmentJobRow.state == "running") & (EnrolmentJobRow.heartbeat_at < stale),
                )
            )
            .order_by(EnrolmentJobRow.id)
            .limit(10)
        ).all()
    for job_id in candidates:
        with transaction(sessions) as session:
            job = session.get_one(EnrolmentJobRow, job_id)
            taken = session.execute(
                update(EnrolmentJobRow)
                .where(
                    EnrolmentJobRow.id == job_id,
                    or_(
                        EnrolmentJobRow.state == "queued",
                        (EnrolmentJobRow.state == "running")
                        & (EnrolmentJobRow.heartbeat_at < stale),
                    ),
                )
                .values(
                    state="running",
                    worker=worker,
                    heartbeat_at=now,
                    runs=EnrolmentJobRow.runs + 1,
                    run_started_at=now,
                    run_started_done=0,
                    done=0,
                )
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                session.refresh(job)
                return job
    return None


def beat(
    sessions: sessionmaker[Session], job_id: int, worker: str, values: dict[str, object]
) -> str | None:
    """Renew the lease and save progress; what was asked of the job ("pause", "cancel"),
    or "lost" when another worker holds it now."""
    with transaction(sessions) as session:
        renewed = session.execute(
            update(EnrolmentJobRow)
            .where(
                EnrolmentJobRow.id == job_id,
                EnrolmentJobRow.worker == worker,
                EnrolmentJobRow.state == "running",
            )
            .values(heartbeat_at=utcnow(), **values)
        )
        if renewed.rowcount != 1:  # type: ignore[attr-defined]
            return "lost"
        return session.scalar(select(EnrolmentJobRow.wanted).where(EnrolmentJobRow.id == job_id))


def end(
    sessions: sessionmaker[Session], job_id: int, worker: str, state: str, values: dict[str, object]
) -> None:
    """Leave the job in ``state`` (finished, failed, paused or cancelled) if still ours."""
    final = state in ("finished", "failed", "cancelled")
    with transaction(sessions) as session:
        session.execute(
            update(EnrolmentJobRow)
            .where(EnrolmentJobRow.id == job_id, EnrolmentJobRow.worker == worker)
            .values(
                state=state,
                wanted=None,
                heartbeat_at=utcnow(),
                **({"active_gallery": None, "finished_at": utcnow()} if final else {}),
                **values,
            )
        )
        if state == "failed":
            notices.job_failed(session, job_id)
