"""The auditor's view of the record: reading it, verifying it, signing and exporting it.

Who reads the record is itself recorded: the per-search documentation is confidential, so
an auditor's look is as much an action as an examiner's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from facedocket.audit import (
    EntryFilter,
    VerifyResult,
    append,
    existing_signing_key,
    find_entries,
    verify,
)
from facedocket.cases.signing import sign_record
from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.settings import Settings
from facedocket.store.schema import AuditCheckpoint, AuditEntry


def read_record(session: Session, actor: Actor, wanted: EntryFilter) -> list[AuditEntry]:
    _auditor(actor)
    entries = find_entries(session, wanted)
    filters = {k: _plain(v) for k, v in vars(wanted).items() if v is not None}
    _log(session, actor, "record.viewed", {"filters": filters, "shown": len(entries)})
    return entries


def verify_record(session: Session, settings: Settings, actor: Actor) -> VerifyResult:
    """Recompute the chain; signatures are checked with this deployment's key, if any."""
    _auditor(actor)
    key = existing_signing_key(settings)
    result = verify(session, key.public_key() if key is not None else None)
    _log(
        session,
        actor,
        "record.verified",
        {"ok": result.ok, "entries": result.entries, "first_bad": result.first_bad},
    )
    return result


def sign_checkpoint(session: Session, settings: Settings, actor: Actor) -> AuditCheckpoint:
    _auditor(actor)
    row = sign_record(session, settings, "no checkpoint is signed")
    _log(session, actor, "record.checkpoint_signed", {"seq": row.seq, "head": row.head_hash})
    return row


def export_record(session: Session, actor: Actor, what: str) -> int:
    """Record the export; it covers the record up to and including this entry's number."""
    return _log(session, actor, "record.exported", {"what": what}).seq


def _auditor(actor: Actor) -> Role:
    if not actor.has(Role.AUDITOR):
        raise Refused(
            "only an auditor reads, verifies or exports the record", code=RefusalCode.WRONG_ROLE
        )
    return Role.AUDITOR


def _log(session: Session, actor: Actor, action: str, details: dict[str, Any]) -> AuditEntry:
    return append(
        session,
        actor=actor.username,
        role=_auditor(actor).value,
        action=action,
        subject_type="record",
        subject_id="audit",
        details={"agency": actor.agency_code, **details},
    )


def _plain(value: object) -> str | int:
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, int) else str(value)
