"""Running the due duties, each once, on the record.

Why a table and not a scheduler library: APScheduler 3 keeps jobs in a shared store but
lets every process that opens it fire them (its documentation says not to share a job
store between schedulers), and APScheduler 4, which coordinates several schedulers, is
still a pre-release; neither puts a run in the transaction of what the run changes. Here
a worker takes the duty's ``duty_runs`` row with the database's lock (``store/locks.py``:
a row lock on PostgreSQL, the write lock on SQLite), runs the duty only if the row says it
is due, and in that same transaction writes what the duty changed, its ``duty.ran`` audit
entry and its next due time. Two workers cannot both run it; a worker killed mid-duty
leaves no trace of the run, and the duty is still due.

A duty that talks to other servers (the witnesses) runs outside that transaction, so
no lock is held while they answer: the row is taken for a lease first, and the outcome
written after. A duty that fails is rolled back to a savepoint, keeping the lock; its failure is
recorded (``duty.failed``, with the error's type and message) and it is tried again after
a wait that doubles with each failure in a row, up to its interval.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from facedocket.audit import append
from facedocket.schedule.duties import DUTIES, SCHEDULER, SCHEDULER_ROLE, Context, Duty
from facedocket.settings import Settings
from facedocket.store.db import insert_new, transaction
from facedocket.store.locks import lock_row
from facedocket.store.schema import DutyRun
from facedocket.store.schema.base import utcnow

log = logging.getLogger("facedocket.duties")

FIRST_RETRY = timedelta(minutes=1)
# How long a duty that runs outside the lock (it talks to the network) is held for its
# worker; one killed meanwhile leaves it due again after this.
ALONE_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class DutyStatus:
    duty: Duty
    every: str
    row: DutyRun | None  # None until a worker first looks


def ensure_rows(sessions: sessionmaker[Session], settings: Settings, at: datetime) -> None:
    """A row for each duty, due at once (a new deployment runs each duty when it starts);
    kept as it is when there is one, and another worker adding it first is no error. A
    duty the settings turn off has no next run; one turned back on is due at once."""
    with transaction(sessions) as session:
        for duty in DUTIES:
            due = at if duty.next_after(settings, at) is not None else None
            insert_new(session, DutyRun, "name", name=duty.name, next_at=due, failures=0)
            row = session.get_one(DutyRun, duty.name)
            if (row.next_at is None) != (due is None):
                row.next_at = due


def run_due(
    settings: Settings, sessions: sessionmaker[Session], worker: str, at: datetime | None = None
) -> list[str]:
    """Run every duty due at ``at`` (now by default); the names of those that ran."""
    moment = at or utcnow()
    ensure_rows(sessions, settings, moment)
    ran = []
    for duty in DUTIES:
        with transaction(sessions) as session:
            row = lock_row(session, DutyRun, duty.name)
            if row is None or row.next_at is None or row.next_at > moment:
                continue
            due = row.next_at
            row.last_started_at, row.last_worker = utcnow(), worker
            if duty.run is not None:
                error, details = _attempt(session, settings, duty, moment)
                _finish(session, settings, duty, row, worker, moment, due, error, details)
            else:  # taken for the lease's length, so no other worker starts it meanwhile
                row.next_at = moment + ALONE_LEASE
        if duty.run_alone is not None:
            try:
                error, details = None, duty.run_alone(sessions, settings)
            except Exception as failed:  # as in _attempt
                log.exception("duty %s failed", duty.name)
                error, details = failed, {}
            with transaction(sessions) as session:
                row = lock_row(session, DutyRun, duty.name)
                assert row is not None  # rows are never deleted
                _finish(session, settings, duty, row, worker, moment, due, error, details)
        ran.append(duty.name)
    return ran


def _attempt(
    session: Session, settings: Settings, duty: Duty, at: datetime
) -> tuple[Exception | None, dict[str, Any]]:
    """Run the duty in a savepoint of the locked transaction: what it did, or its error
    with everything it changed undone."""
    assert duty.run is not None
    try:
        with session.begin_nested():
            return None, duty.run(Context(session, settings, at))
    except Exception as error:  # any failure must be visible, and must not stop the others
        log.exception("duty %s failed", duty.name)
        return error, {}


def _finish(
    session: Session,
    settings: Settings,
    duty: Duty,
    row: DutyRun,
    worker: str,
    at: datetime,
    due: datetime,
    error: Exception | None,
    details: dict[str, Any],
) -> None:
    """The run's outcome on its row and on the record, and when the duty is due next."""
    regular = duty.next_after(settings, at)
    if error is not None:
        row.failures += 1
        details = {"error": f"{type(error).__name__}: {error}"[:500], "failures": row.failures}
        wait = FIRST_RETRY * 2 ** min(row.failures - 1, 20)
        row.next_at = min(at + wait, regular) if regular is not None else None
    else:
        row.failures = 0
        row.next_at = regular
    outcome = "failed" if error is not None else "done"
    row.last_outcome, row.last_details, row.last_ended_at = outcome, details, utcnow()
    append(
        session,
        actor=SCHEDULER,
        role=SCHEDULER_ROLE,
        action="duty.ran" if outcome == "done" else "duty.failed",
        subject_type="duty",
        subject_id=duty.name,
        details={"worker": worker, "due_at": due.isoformat(), **details},
    )
    log.info("duty %s %s: %s", duty.name, outcome, details)


def statuses(sessions: sessionmaker[Session], settings: Settings) -> list[DutyStatus]:
    """Each duty with its last and next run, for the administrator's page and the CLI."""
    with sessions() as session:
        rows = {row.name: row for row in session.scalars(select(DutyRun))}
        session.expunge_all()
    return [DutyStatus(duty, duty.every(settings), rows.get(duty.name)) for duty in DUTIES]
