"""Proof files: an entry's inclusion, or the log's growth, checkable with no database.

An inclusion proof file (``facedocket-inclusion-proof/v1``) holds the entry as exported,
the newest signed checkpoint note that covers it, and the RFC 9162 inclusion path from
the entry's leaf to that note's root. A consistency proof file
(``facedocket-consistency-proof/v1``) holds an older checkpoint note someone kept, the
newest one, and the RFC 9162 consistency path between them: it shows that the log only
grew, so nothing the older one covered was changed, removed or reordered since.
Hashes are standard base64, as in the notes. See docs/tlog.md.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from facedocket.audit.canonical import entry_bytes, entry_shape_problem
from facedocket.audit.history import Keys, listed
from facedocket.audit.log import AuditError, stored_entries
from facedocket.audit.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion
from facedocket.audit.note import Checkpoint, NoteError, check_cosignature, check_signature, parse
from facedocket.audit.tree import consistency_proof, inclusion_proof
from facedocket.store.schema import AuditCheckpoint

INCLUSION = "facedocket-inclusion-proof/v1"
CONSISTENCY = "facedocket-consistency-proof/v1"
Witness = tuple[str, Ed25519PublicKey]


def prove_entry(session: Session, seq: int) -> dict[str, Any]:
    """The inclusion proof of entry ``seq`` under the newest checkpoint note covering it."""
    entries = list(stored_entries(session, first=seq, last=seq))
    if not entries:
        raise AuditError(f"there is no entry {seq}")
    note = _newest_note(session, seq)
    checkpoint = parse(note)
    path = inclusion_proof(session, seq - 1, checkpoint.size)
    return {
        "format": INCLUSION,
        "entry": entries[0],
        "checkpoint": note,
        "proof": encode_hashes(path),
    }


def prove_growth(session: Session, old_note: str) -> dict[str, Any]:
    """The consistency proof from ``old_note`` (a checkpoint kept earlier) to the newest."""
    old = parse(old_note)
    note = _newest_note(session, old.size)
    new = parse(note)
    path = consistency_proof(session, old.size, new.size)
    return {
        "format": CONSISTENCY,
        "old_checkpoint": old_note,
        "checkpoint": note,
        "proof": encode_hashes(path),
    }


def check_proof_file(
    document: Mapping[str, Any],
    agency_keys: Keys,
    witnesses: Sequence[Witness] = (),
) -> str:
    """Check a proof file offline; what it proved, or ``ProofError`` / ``NoteError``.

    ``agency_keys`` is the agency's key history: each note must be signed by one of them
    (an older checkpoint kept before a rotation, by an older key)."""
    kind = document.get("format")
    if kind not in (INCLUSION, CONSISTENCY):
        raise ProofError(f"not a FaceDocket proof file (format {kind!r})")
    keys = listed(agency_keys)
    checkpoint = _signed(document.get("checkpoint"), keys, witnesses)
    proof = decode_hashes(document.get("proof"))
    cosigned = f", cosigned by {', '.join(name for name, _ in witnesses)}" if witnesses else ""
    if kind == INCLUSION:
        entry = document.get("entry")
        shape = entry_shape_problem(entry)
        if shape is not None or not isinstance(entry, Mapping):
            raise ProofError(f"the entry in the file is not an entry: {shape}")
        leaf = leaf_hash(entry_bytes(entry))
        verify_inclusion(entry["seq"] - 1, checkpoint.size, leaf, proof, checkpoint.root)
        return (
            f"entry {entry['seq']} ({entry['action']}) is in the log {checkpoint.origin} "
            f"of {checkpoint.size} entries signed by the agency{cosigned}"
        )
    old = _signed(document.get("old_checkpoint"), keys, ())
    if old.origin != checkpoint.origin:
        raise ProofError(f"the checkpoints are of two logs: {old.origin}, {checkpoint.origin}")
    verify_consistency(old.size, checkpoint.size, old.root, checkpoint.root, proof)
    return (
        f"the log {checkpoint.origin} of {checkpoint.size} entries extends the one of "
        f"{old.size} entries: nothing of those was changed, removed or reordered{cosigned}"
    )


def _signed(
    note: object, agency_keys: Sequence[Ed25519PublicKey], witnesses: Sequence[Witness]
) -> Checkpoint:
    if not isinstance(note, str):
        raise ProofError("the file holds no checkpoint note")
    checkpoint = parse(note)
    problems = []
    for key in agency_keys:
        try:
            check_signature(checkpoint, checkpoint.origin, key)
            break
        except NoteError as error:
            problems.append(str(error))
    else:
        raise NoteError(problems[-1] if problems else "no agency key given")
    for name, key in witnesses:
        check_cosignature(checkpoint, name, key)
    return checkpoint


def _covering(size: int) -> Select[AuditCheckpoint]:
    return (
        select(AuditCheckpoint)
        .where(AuditCheckpoint.note.is_not(None), AuditCheckpoint.seq >= size)
        .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc())
        .limit(1)
    )


def newest_cosigned(session: Session, size: int = 0) -> AuditCheckpoint | None:
    """The newest checkpoint covering ``size`` entries that a witness cosigned (None:
    none is)."""
    return session.scalar(_covering(size).where(AuditCheckpoint.cosignatures.any()))


def _newest_note(session: Session, size: int) -> str:
    """The note of the newest checkpoint covering ``size`` entries that a witness cosigned,
    else of the newest one: a proof that shows a cosignature proves more."""
    row = newest_cosigned(session, size) or session.scalar(_covering(size))
    if row is None or row.cosigned_note is None:
        raise AuditError(
            f"no signed checkpoint covers entry {size} yet: run 'facedocket audit checkpoint'"
        )
    return row.cosigned_note


def encode_hashes(hashes: Sequence[bytes]) -> list[str]:
    return [base64.b64encode(value).decode() for value in hashes]


def decode_hashes(values: object) -> list[bytes]:
    """A proof's hashes from their base64 list, or ``ProofError``."""
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ProofError("the proof is not a list of base64 hashes")
    try:
        return [base64.b64decode(value, validate=True) for value in values]
    except (binascii.Error, ValueError):
        raise ProofError("a hash of the proof is not base64") from None
