"""Replacing the agency's audit signing key, on the record (docs/tlog.md, key rotation).

The change is a ``record.key_rotated`` entry signed by both keys (``history``); then both
sign a checkpoint over the record up to it: the old key's last and the new key's first,
so each verifies under the key that signed it, and the new key's later checkpoints are
signed (``checkpoint``) by walking only the entries after its own first one.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from facedocket.audit.checkpoints import checkpoint
from facedocket.audit.history import ROTATED, SUBJECT, rotation_message
from facedocket.audit.keys import AuditKeyError, fingerprint, public_key_text
from facedocket.audit.log import AuditError, append
from facedocket.audit.note import DEFAULT_ORIGIN
from facedocket.store.schema import AuditCheckpoint, AuditEntry


def rotate(
    session: Session,
    old: Ed25519PrivateKey,
    new: Ed25519PrivateKey,
    *,
    actor: str,
    role: str,
    origin: str = DEFAULT_ORIGIN,
) -> tuple[AuditEntry, AuditCheckpoint, AuditCheckpoint]:
    """Record the change from ``old`` to ``new`` and sign it with both, in the caller's
    transaction; the entry, the old key's last checkpoint and the new key's first."""
    old_text, new_text = public_key_text(old.public_key()), public_key_text(new.public_key())
    if old_text == new_text:
        raise AuditKeyError("the new key is the key in use: nothing to rotate")
    message = rotation_message(old_text, new_text)
    entry = append(
        session,
        actor=actor,
        role=role,
        action=ROTATED,
        subject_type=SUBJECT[0],
        subject_id=SUBJECT[1],
        details={
            "old_public_key": old_text,
            "old_fingerprint": fingerprint(old.public_key()),
            "new_public_key": new_text,
            "new_fingerprint": fingerprint(new.public_key()),
            "old_signature": base64.b64encode(old.sign(message)).decode(),
            "new_signature": base64.b64encode(new.sign(message)).decode(),
        },
    )
    last_old = checkpoint(session, old, origin=origin)
    first_new = checkpoint(session, new, origin=origin)
    if (last_old.seq, first_new.seq) != (entry.seq, entry.seq):
        raise AuditError("the record grew while its key was rotated: try again")
    return entry, last_old, first_new
