"""Writing the record, and reading it back exactly as it is stored.

``append`` runs inside the caller's transaction: the entry commits with the change it
records, or neither does, and a rolled-back entry leaves no gap because its number came
from the head row that rolls back with it.

Taking the next number is the one place two writers can race. The first statement of
``append`` is an UPDATE of the single head row: on PostgreSQL that takes the row lock
(a second appender waits, then sees the new head); on SQLite any write takes the database
write lock, and pysqlite opens the transaction right before it, so the head is never read
from a stale snapshot. Either way two entries can never claim the same number or the same
predecessor. The subject's last entry is read after that UPDATE too, so two entries about
one case can never claim the same predecessor in the case's chain either: the per-subject
chain cannot fork. (Under REPEATABLE READ or SERIALIZABLE isolation PostgreSQL reports a
concurrent append as a serialization failure instead; retry the whole transaction.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from facedocket.audit.canonical import (
    MAX_DETAILS_BYTES,
    SUBJECT_PREV,
    AuditFormatError,
    canonical_json,
    check_json,
    check_text,
    entry_bytes,
    entry_hash,
    format_time,
)
from facedocket.audit.history import ROTATED, SUBJECT
from facedocket.audit.tree import add_leaf
from facedocket.store.schema import AuditCheckpoint, AuditEntry, AuditHead
from facedocket.store.schema.audit import GENESIS_HASH
from facedocket.store.schema.base import utcnow

ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
# Column widths, checked here so SQLite (which ignores them) refuses what PostgreSQL would.
LIMITS = {
    "actor": 200,
    "role": 50,
    "action": 100,
    "subject_type": 50,
    "subject_id": 200,
    "policy_id": 100,
    "policy_version": 50,
}
ENTRY_COLUMNS_V1 = (
    "seq, at, actor, role, action, subject_type, subject_id, details, "
    "policy_id, policy_version, prev_hash, entry_hash"
)
# A database before migration 0014 has no subject_prev_hash: migrations 0008 to 0013 read
# the entries with the v1 columns.
ENTRY_COLUMNS = ENTRY_COLUMNS_V1 + ", subject_prev_hash"


class AuditError(RuntimeError):
    """The record cannot be written or read as asked."""


class PolicyRef(Protocol):
    """Anything naming a policy version, e.g. ``facedocket.policy.Policy``."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> str: ...


def append(
    session: Session,
    *,
    actor: str,
    role: str,
    action: str,
    subject_type: str,
    subject_id: str | int,
    details: Mapping[str, Any],
    policy: PolicyRef | None = None,
) -> AuditEntry:
    """Record one action in the caller's transaction and return the new entry.

    Raises ``AuditFormatError`` for a value the record cannot hold exactly (a float, a
    NUL, an over-long name, an action that is not a dotted name); nothing is written then.
    """
    if isinstance(subject_id, bool):
        raise AuditFormatError("subject_id: expected a string or an integer, got bool")
    fields = {
        "actor": actor,
        "role": role,
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "policy_id": policy.id if policy is not None else None,
        "policy_version": policy.version if policy is not None else None,
    }
    _check_fields(fields)
    content = _plain_details(details)

    head = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.head_hash)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if head is None:
        raise AuditError("the audit head row is missing: migrate the database")
    seq, prev_hash = head
    subject_prev = subject_head(session, fields["subject_type"], fields["subject_id"])
    at = utcnow()
    record = {**fields, "seq": seq, "at": format_time(at), "details": content}
    record |= {"prev_hash": prev_hash, SUBJECT_PREV: subject_prev}
    digest = entry_hash(record)
    entry = AuditEntry(
        seq=seq,
        at=at,
        details=content,
        prev_hash=prev_hash,
        subject_prev_hash=subject_prev,
        entry_hash=digest,
        **fields,
    )
    session.add(entry)
    session.flush()
    add_leaf(session, seq - 1, entry_bytes({**record, "entry_hash": digest}))
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(head_hash=digest)
        .execution_options(synchronize_session=False)
    )
    return entry


def subject_head(session: Session, subject_type: str | None, subject_id: str | None) -> str:
    """The hash of the subject's last entry, or the genesis hash before its first."""
    found = session.scalar(
        select(AuditEntry.entry_hash)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    return found or GENESIS_HASH


def _check_fields(fields: Mapping[str, str | None]) -> None:
    for name, value in fields.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise AuditFormatError(f"{name}: expected a string, got {type(value).__name__}")
        if not value.strip():
            raise AuditFormatError(f"{name}: empty")
        check_text(value, name)
        if len(value) > LIMITS[name]:
            raise AuditFormatError(f"{name}: longer than {LIMITS[name]} characters")
    if not ACTION.fullmatch(str(fields["action"])):
        raise AuditFormatError(
            f"action: {fields['action']!r} is not a dotted lower-case name like 'search.run'"
        )


def _plain_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """A checked copy, so the stored value is exactly the hashed one."""
    if not isinstance(details, Mapping):
        raise AuditFormatError(f"details: expected a mapping, got {type(details).__name__}")
    plain = dict(details)
    check_json(plain)
    size = len(canonical_json(plain))
    if size > MAX_DETAILS_BYTES:
        raise AuditFormatError(
            f"details: {size} bytes; the record takes at most {MAX_DETAILS_BYTES} "
            "(store a document elsewhere and record its SHA-256)"
        )
    return plain


def stored_entries(
    session: Session,
    *,
    first: int = 1,
    last: int | None = None,
    columns: str = ENTRY_COLUMNS,
    subject: tuple[str, str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Entries as stored, in the export form, ordered by number (of one subject only, if
    given: read through the subject index).

    Values are read raw rather than through the ORM types so that a tampered row (on
    SQLite a column can hold any type) is reported by verification instead of crashing it.
    """
    query = f"SELECT {columns} FROM audit_entries WHERE seq >= :first"  # noqa: S608
    params: dict[str, int | str] = {"first": first}
    if last is not None:
        query += " AND seq <= :last"
        params["last"] = last
    if subject is not None:
        query += " AND subject_type = :subject_type AND subject_id = :subject_id"
        params |= {"subject_type": subject[0], "subject_id": subject[1]}
    rows = session.execute(
        text(query + " ORDER BY seq"), params, execution_options={"yield_per": 1000}
    )
    for row in rows:
        entry = dict(row._mapping)
        entry["at"] = _stored_time(entry["at"])
        entry["details"] = _stored_json(entry["details"])
        if entry.get(SUBJECT_PREV, "") is None:
            del entry[SUBJECT_PREV]  # a format v1 entry
        yield entry


def _stored_time(value: Any) -> Any:
    # PostgreSQL drivers give an aware datetime; SQLite gives the text SQLAlchemy wrote.
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return format_time(aware)
    return value


def _stored_json(value: Any) -> Any:
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def stored_checkpoints(session: Session) -> list[dict[str, Any]]:
    """Every checkpoint in the export form, oldest first."""
    rows = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))
    return [checkpoint_record(row) for row in rows]


def checkpoint_record(row: AuditCheckpoint) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "head_hash": row.head_hash,
        "created_at": format_time(row.created_at),
        "key_fingerprint": row.key_fingerprint,
        "signature": row.signature,
        "note": row.cosigned_note,
    }


def head(session: Session) -> tuple[int, str]:
    """The head row: the number and hash of the last entry, as appenders left them."""
    row = session.execute(select(AuditHead.seq, AuditHead.head_hash)).one_or_none()
    if row is None:
        raise AuditError("the audit head row is missing: migrate the database")
    return row[0], row[1]


def recent_entries(session: Session, limit: int) -> list[AuditEntry]:
    """The last ``limit`` entries, newest first, for reading on screen."""
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)))


def rotation_entries(session: Session) -> list[dict[str, Any]]:
    """Every key rotation entry (``history``), oldest first: the entries of their own
    subject, read by the subject index."""
    return [e for e in stored_entries(session, subject=SUBJECT) if e["action"] == ROTATED]
