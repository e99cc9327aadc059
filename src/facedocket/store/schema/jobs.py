"""Long jobs kept in the database, so that they outlive the processes that run them.

A job is claimed by a worker with a lease that its heartbeat renews; a worker killed
outright stops renewing, and after ``JOB_LEASE_SECONDS`` another worker (or the same one,
restarted) takes the job over and resumes it.
"""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from facedocket.store.schema.base import Base, utcnow


class EnrolmentJobRow(Base):
    """An enrolment of a source from the import folder into a gallery."""

    __tablename__ = "enrolment_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    gallery: Mapped[str] = mapped_column(String(100), index=True)
    # The gallery's name while the job is unfinished, else NULL: unique, so a gallery has
    # one unfinished job at most (NULLs are distinct on SQLite and PostgreSQL alike).
    active_gallery: Mapped[str | None] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(String(1000))
    started_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # queued, running, paused, finished, failed, cancelled
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    # What an administrator asked of a running job: "pause", "cancel" or nothing.
    wanted: Mapped[str | None] = mapped_column(String(20))
    worker: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None]
    runs: Mapped[int] = mapped_column(default=0)
    run_started_at: Mapped[datetime | None]
    run_started_done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    # The counts of the latest run; after a resume, what an earlier run enrolled is
    # "skipped" (already done) in them.
    enrolled: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    unreadable: Mapped[int] = mapped_column(default=0)
    conflicts: Mapped[int] = mapped_column(default=0)
    report_path: Mapped[str | None] = mapped_column(String(1000))
    finished_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(String(1000), default="")
