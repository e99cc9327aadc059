"""Signed checkpoints: the agency's signature over the record as it stands.

A checkpoint is only as good as the chain it signs, so the whole record is verified
first and a broken one is never signed. Verifying from entry 1 costs a pass over the
record; a checkpoint is taken daily or at a report, not per request.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from facedocket.audit.canonical import checkpoint_message, format_time
from facedocket.audit.keys import fingerprint
from facedocket.audit.log import AuditError
from facedocket.audit.verify import verify
from facedocket.store.schema import AuditCheckpoint
from facedocket.store.schema.base import utcnow


def checkpoint(session: Session, signing_key: Ed25519PrivateKey) -> AuditCheckpoint:
    """Sign the record up to its last entry, in the caller's transaction.

    Raises ``AuditError`` when the record is empty or does not verify.
    """
    public_key = signing_key.public_key()
    result = verify(session, public_key)
    if not result.ok:
        raise AuditError(f"the record does not verify, so it is not signed: {result}")
    if result.last_seq == 0:
        raise AuditError("the record is empty: there is nothing to sign")
    created_at = utcnow()
    message = checkpoint_message(result.last_seq, result.last_hash, format_time(created_at))
    row = AuditCheckpoint(
        seq=result.last_seq,
        head_hash=result.last_hash,
        signature=base64.b64encode(signing_key.sign(message)).decode(),
        key_fingerprint=fingerprint(public_key),
        created_at=created_at,
    )
    session.add(row)
    session.flush()
    return row
