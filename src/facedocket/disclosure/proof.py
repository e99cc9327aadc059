"""The case's audit entries, and the chain from them to a signed checkpoint.

The packet holds, in ``record/``:

- ``entries.jsonl``: every entry about the request, in full (canonical JSON lines, as
  ``facedocket audit export`` writes them), so each one's hash can be recomputed;
- ``chain.jsonl``: ``{seq, prev_hash, entry_hash}`` of every entry from the case's first
  to the checkpoint, so the links can be followed from each case entry to the head;
- ``checkpoint.json``: the latest checkpoint covering the case, signed by the agency's
  key, and ``public-key.txt``: that key's public half.

What this proves offline, and what it does not: the case entries are intact (their hashes
recompute) and sit, linked, in a chain whose head the agency signed. The other entries
in between belong to other cases and are given by hash only, so they cannot be recomputed
here: a packet built from a rewritten record could carry invented links. Whoever holds
an export of the full record (the oversight office, or an auditor under court order) can
confirm that every link matches it, and so that the packet's entries are in the record
and that no entry of the case was left out. If no checkpoint signed by the current key
covers the case yet, one is signed when the packet is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit import checkpoint, fingerprint, public_key_text, signing_key
from facedocket.audit.canonical import canonical_json, entry_line
from facedocket.audit.log import checkpoint_record, stored_checkpoints, stored_entries
from facedocket.cases.errors import Refused
from facedocket.settings import Settings
from facedocket.store.schema import AuditEntry


@dataclass(frozen=True)
class RecordProof:
    entries: bytes
    chain: bytes
    checkpoint: dict[str, Any]
    public_key: str
    count: int


def record_proof(session: Session, settings: Settings, request_id: int) -> RecordProof:
    seqs = list(
        session.scalars(
            select(AuditEntry.seq)
            .where(AuditEntry.subject_type == "request", AuditEntry.subject_id == str(request_id))
            .order_by(AuditEntry.seq)
        )
    )
    if not seqs:
        raise Refused(f"request {request_id} has no entries on the record")
    key = signing_key(settings).public_key()
    covering = [
        c
        for c in stored_checkpoints(session)
        if c["seq"] >= seqs[-1] and c["key_fingerprint"] == fingerprint(key)
    ]
    if covering:
        signed = covering[-1]
    else:
        signed = checkpoint_record(checkpoint(session, signing_key(settings)))
    case = set(seqs)
    entries, chain = [], []
    for entry in stored_entries(session, first=seqs[0], last=signed["seq"]):
        link = {k: entry[k] for k in ("seq", "prev_hash", "entry_hash")}
        chain.append(canonical_json(link) + b"\n")
        if entry["seq"] in case:
            entries.append(entry_line(entry))
    return RecordProof(
        entries=b"".join(entries),
        chain=b"".join(chain),
        checkpoint=signed,
        public_key=public_key_text(key),
        count=len(entries),
    )
