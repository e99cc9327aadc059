"""The worker that runs enrolment jobs from the database (``facedocket worker``).

It claims one job at a time and enrols its source with ``enrol``; a heartbeat thread
renews the job's lease every third of ``JOB_LEASE_SECONDS``, saves the progress and reads
what people asked (pause, cancel), which the enrolment's progress callback then acts on
between batches. Restart the worker at any moment: a job it held is taken over when its
lease runs out and resumes from its last commit (enrolment is idempotent by photo hash).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from facedocket.gallery.enrol import enrol
from facedocket.gallery.jobs import beat, claim, end, resolve_source
from facedocket.gallery.progress import PlainLines
from facedocket.gallery.record import Enroller
from facedocket.settings import Settings
from facedocket.store.schema import EnrolmentJobRow

log = logging.getLogger("facedocket.worker")


class JobStopped(Exception):  # noqa: N818 - a stop that was asked for, not an error
    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass
class _Shared:
    """What the enrolment and the heartbeat thread tell each other."""

    done: int = 0
    total: int = 0
    wanted: str | None = None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_next(settings: Settings, sessions: sessionmaker[Session]) -> int | None:
    """Claim and run one job to its end (or until paused, cancelled or lost); its id, or
    None when no job waits."""
    me = worker_name()
    lease = timedelta(seconds=settings.job_lease_seconds)
    job = claim(sessions, me, lease)
    if job is None:
        return None
    log.info("job %d: enrolling %s into %s (run %d)", job.id, job.source, job.gallery, job.runs)
    shared = _Shared(total=job.total)
    stopped = threading.Event()
    heart = threading.Thread(
        target=_heartbeat,
        args=(sessions, job.id, me, lease.total_seconds() / 3, shared, stopped),
        name=f"job-{job.id}-heartbeat",
        daemon=True,
    )
    heart.start()
    try:
        _run(settings, sessions, job, me, shared)
    finally:
        stopped.set()
        heart.join()
    return job.id


def serve_jobs(
    settings: Settings, sessions: sessionmaker[Session], stop: threading.Event, idle: float = 2.0
) -> None:
    """Run jobs until ``stop`` is set, looking for new ones every ``idle`` seconds."""
    while not stop.is_set():
        if run_next(settings, sessions) is None:
            stop.wait(idle)


def _run(
    settings: Settings,
    sessions: sessionmaker[Session],
    job: EnrolmentJobRow,
    me: str,
    shared: _Shared,
) -> None:
    lines = PlainLines(lambda line: log.info("job %d: %s", job.id, line))

    def progress(done: int, total: int) -> None:
        shared.done, shared.total = done, total
        lines(done, total)
        if shared.wanted:
            raise JobStopped(shared.wanted)

    try:
        items = resolve_source(settings, job.source)
        by = Enroller(job.started_by, "administrator")
        report = enrol(settings, sessions, job.gallery, items, progress=progress, by=by)
    except JobStopped as stop:
        log.info("job %d: stopped (%s)", job.id, stop.why)
        if stop.why != "lost":  # another worker holds it now: leave it to that one
            state = "paused" if stop.why == "pause" else "cancelled"
            end(sessions, job.id, me, state, {"done": shared.done})
        return
    except Exception as error:  # a failed job must say why, not vanish with its worker
        log.exception("job %d failed", job.id)
        end(sessions, job.id, me, "failed", {"error": str(error)[:1000]})
        return
    counts = {
        "enrolled": report.enrolled,
        "refused": report.refused,
        "skipped": report.skipped,
        "unreadable": report.unreadable,
        "conflicts": report.conflicts,
    }
    path = str(report.report_path) if report.report_path else None
    end(sessions, job.id, me, "finished", {"done": report.total, **counts, "report_path": path})
    log.info("job %d: finished", job.id)


def _heartbeat(
    sessions: sessionmaker[Session],
    job_id: int,
    me: str,
    every: float,
    shared: _Shared,
    stopped: threading.Event,
) -> None:
    while not stopped.wait(every):
        try:
            wanted = beat(sessions, job_id, me, {"done": shared.done, "total": shared.total})
        except Exception:  # a database hiccup: the next beat tries again within the lease
            log.exception("job %d: heartbeat failed", job_id)
            continue
        if wanted:
            shared.wanted = wanted
