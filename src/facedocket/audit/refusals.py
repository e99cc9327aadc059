"""A witness's refusal of the agency's checkpoint, put on the agency's own record.

A witness refuses a checkpoint that does not extend the one it cosigned: a fork (another
root for the same size), a rollback (fewer entries than it cosigned), a consistency proof
that fails, or a note it cannot trust. That is evidence against the record, so it becomes
an entry (``witness.refused``, subject ``witness`` NAME) and not only a line of the
witness's status. A retry meets the same refusal again (after every search, on every
scheduled run, each new checkpoint included), so a refusal is written once: not again
while the witness keeps refusing in the same way (same kind, status and size it holds)
with no cosignature from it in between. Otherwise the entry would be signed into the next
checkpoint, refused, and recorded again on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit.log import append
from facedocket.store.schema import AuditEntry, WitnessStatus

ACTION = "witness.refused"
SUBJECT = "witness"
# Submissions run after a search has committed and from the scheduler, in no user's name.
ACTOR = "facedocket.witnessing"
ROLE = "service"
# The witness's HTTP answer (C2SP tlog-witness), as a kind of refusal.
KINDS = {403: "untrusted", 404: "unknown_log", 422: "inconsistent"}


@dataclass(frozen=True)
class Refusal:
    """Why a witness would not cosign: the checkpoint does not extend what it holds."""

    kind: str  # fork, rollback, inconsistent, untrusted, unknown_log, conflict, refused
    status: int  # the witness's HTTP status
    size: int  # entries of the checkpoint submitted
    witness_size: int  # entries of the checkpoint the witness last cosigned

    @classmethod
    def answered(cls, status: int, size: int, witness_size: int) -> Refusal:
        return cls(KINDS.get(status, "refused"), status, size, witness_size)


def record_refusal(
    session: Session, witness: str, url: str, refusal: Refusal, reason: str
) -> AuditEntry | None:
    """The ``witness.refused`` entry, or None when it repeats the last one.

    Call in the transaction that updates the witness's status, before it does, holding
    the witness's lock (``store.locks.lock_name``), so two submitters refused at once
    write one entry.
    """
    if _repeats(session, witness, refusal):
        return None
    return append(
        session,
        actor=ACTOR,
        role=ROLE,
        action=ACTION,
        subject_type=SUBJECT,
        subject_id=witness,
        details={
            "witness": witness,
            "url": url,
            "kind": refusal.kind,
            "status": refusal.status,
            "size": refusal.size,
            "witness_size": refusal.witness_size,
            "reason": reason,
        },
    )


def _repeats(session: Session, witness: str, refusal: Refusal) -> bool:
    status = session.get(WitnessStatus, witness, populate_existing=True)
    if status is None or status.problem is None:
        return False  # its last answer was a cosignature (or it was never asked): a new refusal
    last = session.scalar(
        select(AuditEntry.details)
        .where(
            AuditEntry.subject_type == SUBJECT,
            AuditEntry.subject_id == witness,
            AuditEntry.action == ACTION,
        )
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    if last is None:
        return False
    said = (last.get("kind"), last.get("status"), last.get("witness_size"))
    return said == (refusal.kind, refusal.status, refusal.witness_size)
