"""Writing a gallery's changes on the audit record: its creation and every enrolment run.

The entries are written here, inside the library, so no caller (command line, web job,
demo, a script) can enrol without leaving them. A run's entries share its number: the
``seq`` of its ``gallery.enrolment_started`` entry, named as ``run`` by the entry that
ends it. A run killed outright (``kill -9``) has no ending entry; the rerun that resumes it
is a new run whose start names it as ``resumes``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from facedocket.audit import append
from facedocket.audit.canonical import canonical_json
from facedocket.gallery.sources import EnrolmentItem
from facedocket.operator import OPERATOR_ROLE, operator
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry

if TYPE_CHECKING:
    from facedocket.gallery.enrol import EnrolmentReport

STARTED = "gallery.enrolment_started"
ENDINGS = ("gallery.enrolment_finished", "gallery.enrolment_interrupted")


@dataclass(frozen=True)
class Enroller:
    """Who enrols, as the record names them; by default the operating-system account."""

    name: str
    role: str = OPERATOR_ROLE

    @classmethod
    def default(cls, by: Enroller | None) -> Enroller:
        return by if by is not None else cls(operator())


def log(
    session: Session, by: Enroller, action: str, gallery: str, details: dict[str, Any]
) -> AuditEntry:
    return append(
        session,
        actor=by.name,
        role=by.role,
        action=action,
        subject_type="gallery",
        subject_id=gallery,
        details=details,
    )


def items_sha256(items: Sequence[EnrolmentItem]) -> str:
    """SHA-256 of the canonical JSON list of ``[record_id, name, photo path]``, in order:
    what the run was asked to enrol, whether it came from a manifest or a folder."""
    listed = [[item.record_id, item.name, str(item.path)] for item in items]
    return hashlib.sha256(canonical_json({"items": listed})).hexdigest()


def unfinished_run(session: Session, gallery: str) -> int | None:
    """The run of this gallery that started last, if no entry ended it."""
    last = session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.subject_type == "gallery",
            AuditEntry.subject_id == gallery,
            AuditEntry.action.in_((STARTED, *ENDINGS)),
        )
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    return last.seq if last is not None and last.action == STARTED else None


@contextmanager
def recorded_run(
    sessions: sessionmaker[Session],
    by: Enroller,
    report: EnrolmentReport,
    items: Sequence[EnrolmentItem],
    engine: str,
) -> Iterator[None]:
    """Record the run's start, then its end: finished with the counts, or interrupted (an
    error, Ctrl-C) with the counts so far and why."""
    with transaction(sessions) as session:
        details = {
            "photos": len(items),
            "items_sha256": items_sha256(items),
            "engine": engine,
            "resumes": unfinished_run(session, report.gallery),
        }
        run = log(session, by, STARTED, report.gallery, details).seq
    try:
        yield
    except BaseException as error:
        why = f"{type(error).__name__}: {error}"[:1000]
        try:
            _end(sessions, by, report, run, "gallery.enrolment_interrupted", {"error": why})
        except Exception as unrecorded:  # the original error matters more; say both
            error.add_note(f"the interruption is not on the audit record: {unrecorded}")
        raise
    _end(sessions, by, report, run, "gallery.enrolment_finished", {})


def _end(
    sessions: sessionmaker[Session],
    by: Enroller,
    report: EnrolmentReport,
    run: int,
    action: str,
    details: dict[str, Any],
) -> None:
    counts = {
        "enrolled": report.enrolled,
        "refused": report.refused,
        "skipped": report.skipped,
        "unreadable": report.unreadable,
        "conflicts": report.conflicts,
    }
    with transaction(sessions) as session:
        log(session, by, action, report.gallery, {"run": run, **counts, **details})
