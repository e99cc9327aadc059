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
  in the record's own form (docs/record.md); ``public-key.txt``: the key that signed it;
- ``witnessed.json``: who was asked to cosign it and what they answered, and, unless
  every configured witness cosigned it, the checkpoint nearest to it that a witness did
  cosign with the consistency proof between the two (``witnessing``).

The checkpoint ends at the case's last entry: one that does is used (a cosigned one
first), else an ``export.sealed`` entry is added to the case and a checkpoint signed
right after it (the head row's lock is held since the append, so no other entry comes
between). ``packet.seal`` does that in a transaction of its own and has the witnesses
cosign it before the packet is made; the packet's transaction seals only if the case
moved since. Offline, then, each entry is in the signed tree, the chain back from the
case's last entry fixes every earlier one, and nothing of the case comes after it: no
entry of the case up to the checkpoint can be left out, put in or changed unseen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit import checkpoint, fingerprint, public_key_text, signing_key
from facedocket.audit.canonical import canonical_json, entry_line
from facedocket.audit.gaps import gaps
from facedocket.audit.log import checkpoint_record, stored_entries
from facedocket.audit.note import parse
from facedocket.audit.proofs import encode_hashes
from facedocket.audit.tree import consistency_proof, inclusion_proof
from facedocket.audit.witnesses import Witness, configured
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.settings import Settings
from facedocket.store.schema import AuditCheckpoint, AuditEntry

WITNESSING = "facedocket-witnessing/v1"


@dataclass(frozen=True)
class RecordProof:
    entries: bytes
    inclusion: bytes
    note: str
    checkpoint: dict[str, Any]
    public_key: str
    count: int
    witnessed: dict[str, Any]


def sealed_checkpoint(
    session: Session, settings: Settings, actor: Actor, role: Role, request_id: int
) -> AuditCheckpoint:
    """The checkpoint a packet of the case carries: one signed with this deployment's key
    at the case's last entry (a cosigned one first), else one the case is sealed with."""
    last = _last_entry(session, request_id)
    if last is None:
        raise Refused(
            f"request {request_id} has no entries on the record", code=RefusalCode.NOT_FOUND
        )
    key = signing_key(settings)
    at_last = (
        select(AuditCheckpoint)
        .where(
            AuditCheckpoint.key_fingerprint == fingerprint(key.public_key()),
            AuditCheckpoint.seq == last,
            AuditCheckpoint.note.is_not(None),
        )
        .order_by(AuditCheckpoint.id.desc())
        .limit(1)
    )
    found = session.scalar(at_last.where(AuditCheckpoint.cosignatures.any()))
    found = found or session.scalar(at_last)
    if found is not None:
        return found
    log(session, actor, role, "export.sealed", request_id, {"kind": "disclosure"})
    return checkpoint(session, key, origin=settings.audit_origin)


def record_proof(
    session: Session,
    settings: Settings,
    actor: Actor,
    role: Role,
    request_id: int,
) -> RecordProof:
    signed = sealed_checkpoint(session, settings, actor, role, request_id)
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
        public_key=public_key_text(signing_key(settings).public_key()),
        count=len(entries),
        witnessed=witnessing(session, signed, configured(settings)),
    )


def _last_entry(session: Session, request_id: int) -> int | None:
    return session.scalar(
        select(AuditEntry.seq)
        .where(AuditEntry.subject_type == "request", AuditEntry.subject_id == str(request_id))
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )


def witnessing(
    session: Session, signed: AuditCheckpoint, witnesses: Sequence[Witness]
) -> dict[str, Any]:
    """``record/witnessed.json``: each configured witness's answer, and, unless all of them
    cosigned ``signed``, the nearest checkpoint a witness cosigned with the consistency
    proof between the two (docs/tlog.md)."""
    on_note = {cosignature.witness for cosignature in signed.cosignatures}
    answers = {gap.witness: gap.problem for gap in gaps(session, witnesses)}
    listed = [
        {"witness": w.name, "cosigned": w.name in on_note, "last_answer": answers.get(w.name)}
        for w in witnesses
    ]
    missing = sorted({w.name for w in witnesses} - on_note)
    other = None if on_note and not missing else _nearest(signed)
    if other is None:
        statement = (
            f"cosigned by {', '.join(sorted(on_note))}"
            + (f"; NOT by {', '.join(missing)}" if missing else "")
            if on_note
            else "NOT WITNESSED: no witness has cosigned this checkpoint or any other "
            "checkpoint of this record yet"
        )
        return {"format": WITNESSING, "statement": statement, "witnesses": listed}
    low, high = sorted((signed.seq, other.seq))
    statement = (
        f"the checkpoint at entry {signed.seq} is not cosigned by every witness; the "
        f"checkpoint at entry {other.seq}, cosigned by "
        f"{', '.join(sorted(c.witness for c in other.cosignatures))}, "
        + (
            "extends it: every entry of this packet is witnessed"
            if other.seq >= signed.seq
            else f"is extended by it: entries after {other.seq} are NOT WITNESSED yet"
        )
    )
    return {
        "format": WITNESSING,
        "statement": statement,
        "witnesses": listed,
        "other_checkpoint": other.cosigned_note,
        "consistency_proof": encode_hashes(consistency_proof(session, low, high)),
    }


def _nearest(signed: AuditCheckpoint) -> AuditCheckpoint | None:
    """The cosigned checkpoint of the same key and origin that proves most of ``signed``:
    the first one at or after it (it covers every entry), else the newest one before it."""
    session = Session.object_session(signed)
    assert session is not None
    cosigned = select(AuditCheckpoint).where(
        AuditCheckpoint.key_fingerprint == signed.key_fingerprint,
        AuditCheckpoint.note.is_not(None),
        AuditCheckpoint.cosignatures.any(),
        AuditCheckpoint.id != signed.id,
    )
    after = cosigned.where(AuditCheckpoint.seq >= signed.seq).order_by(
        AuditCheckpoint.seq, AuditCheckpoint.id
    )
    before = cosigned.where(AuditCheckpoint.seq < signed.seq).order_by(
        AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc()
    )
    found = session.scalar(after.limit(1)) or session.scalar(before.limit(1))
    # Under another origin it is, to a verifier, another log's checkpoint.
    if found is None or parse(found.note or "").origin != parse(signed.note or "").origin:
        return None
    return found
