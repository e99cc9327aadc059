"""Who may produce what, and the record of every production.

Per-search documentation and the compliance report name cases and people: only auditors
and administrators produce them. The annual report is public, but it reads the whole
record to count, so producing it takes a supervisor, auditor or administrator. Every
production appends ``export.created`` with the SHA-256 of each file and of the manifest,
in the same transaction that read the data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit import append
from facedocket.kernel.actors import Actor
from facedocket.kernel.roles import Role
from facedocket.reports.files import MANIFEST, Files, sha256
from facedocket.store.schema import AuditEntry

CONFIDENTIAL_ROLES = (Role.AUDITOR, Role.ADMINISTRATOR)
PUBLIC_REPORT_ROLES = (Role.AUDITOR, Role.ADMINISTRATOR, Role.SUPERVISOR)


def record_export(
    session: Session,
    actor: Actor,
    role: Role,
    kind: str,
    subject: tuple[str, str | int],
    files: Files,
    details: dict[str, Any],
) -> AuditEntry:
    """Put a production on the record: what it was, for whom, and each file's hash."""
    subject_type, subject_id = subject
    return append(
        session,
        actor=actor.username,
        role=role.value,
        action="export.created",
        subject_type=subject_type,
        subject_id=subject_id,
        details={
            "agency": actor.agency_code,
            "kind": kind,
            "manifest_sha256": sha256(files[MANIFEST]),
            "files": {name: sha256(files[name]) for name in sorted(files) if name != MANIFEST},
            **details,
        },
    )


def productions(session: Session, manifest_sha256: str) -> list[AuditEntry]:
    """Every ``export.created`` entry naming this manifest, oldest first (same record, same
    bytes: one manifest can be produced more than once)."""
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "export.created").order_by(AuditEntry.seq)
    )
    return [entry for entry in entries if entry.details.get("manifest_sha256") == manifest_sha256]
