"""Signed checkpoints: the agency's signature over the record as it stands.

A checkpoint is only as good as the chain it signs, so the record is verified first and a
broken one is never signed. The gate signs one after every search and a scheduler calls
``checkpoint_if_due`` (``facedocket audit checkpoint --if-due``), so a rewrite of the
record cannot hide behind a chain recomputed since the last signature. To keep that cheap,
the entries up to the newest checkpoint made with the same key are vouched for by its
signature and only the entries after it are walked again; ``verify`` still walks all.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit.canonical import checkpoint_message, format_time
from facedocket.audit.keys import fingerprint, public_key_text
from facedocket.audit.log import AuditError, checkpoint_record, head, rotation_entries
from facedocket.audit.note import DEFAULT_ORIGIN, checkpoint_body, sign
from facedocket.audit.verify import verify
from facedocket.store.schema import AuditCheckpoint
from facedocket.store.schema.base import utcnow


def checkpoint(
    session: Session, signing_key: Ed25519PrivateKey, *, origin: str = DEFAULT_ORIGIN
) -> AuditCheckpoint:
    """Sign the record up to its last entry, in the caller's transaction.

    The same moment is signed twice: over the chain's head (the v1 checkpoint) and over
    the Merkle root as a C2SP checkpoint note for ``origin`` (docs/tlog.md), the key
    named by the origin.

    Raises ``AuditError`` when the record is empty or does not verify.
    """
    public_key = signing_key.public_key()
    result = verify(session, public_key, since=_newest_by(session, fingerprint(public_key)))
    if not result.ok:
        raise AuditError(f"the record does not verify, so it is not signed: {result}")
    if result.last_seq == 0:
        raise AuditError("the record is empty: there is nothing to sign")
    own = public_key_text(public_key)
    for rotation in rotation_entries(session):
        if rotation["details"].get("old_public_key") == own and rotation["seq"] < result.last_seq:
            raise AuditError(
                f"key {fingerprint(public_key)[:16]}… was retired at entry {rotation['seq']} "
                "(facedocket audit rotate-key): sign with the key that replaced it"
            )
    created_at = utcnow()
    message = checkpoint_message(result.last_seq, result.last_hash, format_time(created_at))
    row = AuditCheckpoint(
        seq=result.last_seq,
        head_hash=result.last_hash,
        signature=base64.b64encode(signing_key.sign(message)).decode(),
        key_fingerprint=fingerprint(public_key),
        created_at=created_at,
        note=sign(
            checkpoint_body(origin, result.last_seq, bytes.fromhex(result.tree_root)),
            origin,
            signing_key,
        ),
    )
    session.add(row)
    session.flush()
    return row


def checkpoint_if_due(
    session: Session, signing_key: Ed25519PrivateKey, *, origin: str = DEFAULT_ORIGIN
) -> AuditCheckpoint | None:
    """The scheduled signing: a checkpoint if entries came after the newest one, else None."""
    newest = session.scalar(select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq.desc()))
    head_seq, _ = head(session)
    if head_seq == 0 or (newest is not None and newest >= head_seq):
        return None
    return checkpoint(session, signing_key, origin=origin)


def _newest_by(session: Session, key_fingerprint: str) -> dict[str, Any] | None:
    row = session.scalar(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.key_fingerprint == key_fingerprint)
        .order_by(AuditCheckpoint.seq.desc())
        .limit(1)
    )
    return checkpoint_record(row) if row is not None else None
