"""The case's audit entries, each proven in the Merkle tree under a signed checkpoint.

The packet holds, in ``record/``:

- ``entries.jsonl``: every entry about the request, in full (canonical JSON lines, as
  ``facedocket audit export`` writes them), so each one's hash can be recomputed; since
  entry format v2 each one also names the case's entry before it (``subject_prev_hash``),
  so together they are the case's chain (docs/tlog.md);
- ``inclusion.jsonl``: ``{seq, proof}`` per entry, the RFC 9162 inclusion path (base64)
  of its leaf in the tree the checkpoint signs;
- ``checkpoint.note``: that checkpoint as a C2SP signed note, exactly as stored, with
  whatever witness cosignature lines it carries; ``checkpoint.json``: the same checkpoint
  in the record's own form (docs/record.md); ``public-key.txt``: the key that signed it.

The checkpoint ends at the case's last entry: the newest one is used if it does, else an
``export.sealed`` entry is added to the case and a checkpoint signed right after it, in
the packet's transaction (the head row's lock is held since the append, so no other entry
comes between). Offline, then, each entry is in the signed tree, the chain back from the
case's last entry fixes every earlier one, and nothing of the case comes after it: no
entry of the case up to the checkpoint can be left out, put in or changed unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit import checkpoint, fingerprint, public_key_text, signing_key
from facedocket.audit.canonical import canonical_json, entry_line
from facedocket.audit.log import checkpoint_record, stored_entries
from facedocket.audit.proofs import encode_hashes
from facedocket.audit.tree import inclusion_proof
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import Refused
from facedocket.kernel.roles import Role
from facedocket.settings import Settings
from facedocket.store.schema import AuditCheckpoint, AuditEntry


@dataclass(frozen=True)
class RecordProof:
    entries: bytes
    inclusion: bytes
    note: str
    checkpoint: dict[str, Any]
    public_key: str
    count: int


def record_proof(
    session: Session, settings: Settings, actor: Actor, role: Role, request_id: int
) -> RecordProof:
    last = _last_entry(session, request_id)
    if last is None:
        raise Refused(f"request {request_id} has no entries on the record")
    key = signing_key(settings)
    signed = _newest(session, fingerprint(key.public_key()))
    if signed is None or signed.seq != last or signed.note is None:
        log(session, actor, role, "export.sealed", request_id, {"kind": "disclosure"})
        signed = checkpoint(session, key, origin=settings.audit_origin)
    note = signed.cosigned_note
    assert note is not None  # every checkpoint signed since the tree has one
    entries, proofs = [], []
    case = ("request", str(request_id))
    for entry in stored_entries(session, last=signed.seq, subject=case):
        entries.append(entry_line(entry))
        path = inclusion_proof(session, entry["seq"] - 1, signed.seq)
        line = {"seq": entry["seq"], "proof": encode_hashes(path)}
        proofs.append(canonical_json(line) + b"\n")
    return RecordProof(
        entries=b"".join(entries),
        inclusion=b"".join(proofs),
        note=note,
        checkpoint=checkpoint_record(signed),
        public_key=public_key_text(key.public_key()),
        count=len(entries),
    )


def _last_entry(session: Session, request_id: int) -> int | None:
    return session.scalar(
        select(AuditEntry.seq)
        .where(AuditEntry.subject_type == "request", AuditEntry.subject_id == str(request_id))
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )


def _newest(session: Session, key_fingerprint: str) -> AuditCheckpoint | None:
    return session.scalar(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.key_fingerprint == key_fingerprint)
        .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc())
        .limit(1)
    )
