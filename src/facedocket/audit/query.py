"""Finding entries for an auditor: by who, what, which record and when, newest first.

Reading never checks the chain (``verify`` does); it shows the rows as stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.store.schema import AuditEntry


@dataclass(frozen=True)
class EntryFilter:
    actor: str | None = None
    action: str | None = None  # a dotted name or its start: "request." finds every request action
    subject_type: str | None = None
    subject_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_seq: int | None = None  # for paging: only entries numbered below this
    limit: int = 100


def find_entries(session: Session, wanted: EntryFilter) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(wanted.limit)
    if wanted.actor:
        query = query.where(AuditEntry.actor == wanted.actor)
    if wanted.action:
        query = query.where(AuditEntry.action.startswith(wanted.action, autoescape=True))
    if wanted.subject_type:
        query = query.where(AuditEntry.subject_type == wanted.subject_type)
    if wanted.subject_id:
        query = query.where(AuditEntry.subject_id == wanted.subject_id)
    if wanted.since is not None:
        query = query.where(AuditEntry.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEntry.at < wanted.until)
    if wanted.before_seq is not None:
        query = query.where(AuditEntry.seq < wanted.before_seq)
    return list(session.scalars(query))
