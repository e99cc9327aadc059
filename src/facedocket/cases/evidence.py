"""What the record binds of a case's evidence, and the check that stored bytes still match.

A document's SHA-256 goes into the signed record when the file is stored:
``request.created`` lists the request's files, ``statement.filed`` the sworn statement.
The ``documents`` table keeps the bytes and a copy of that hash, but both are ordinary
rows that whoever holds the database could rewrite. So every use of a document's bytes
(the search gate, each view, each export) hashes them and compares with the record, and
refuses when they differ: a search never runs on a photo other than the one recorded.

A search's candidate list is bound the same way: ``search.run`` records the SHA-256 of
the list as the examiners are shown it (``candidate_list_sha256``), so a disclosure
packet that shows another list, or another name at a rank, is told apart from the record.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit.canonical import canonical_json
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.store.schema import AuditEntry, Candidate, Document, Person

# The entries that record a document's hash when it is stored.
STORING_ACTIONS = ("request.created", "request.edited", "statement.filed")
# What of a candidate the candidate list's hash covers: what the examiners were shown.
CANDIDATE_FIELDS = ("rank", "score", "name", "record_id", "photo_id")


@dataclass(frozen=True)
class RecordedDocument:
    """A document as the entry that stored it recorded it."""

    seq: int
    action: str
    # None where the entry predates numbering documents in it; then kind and hash match.
    document: int | None
    kind: str
    sha256: str

    @property
    def where(self) -> str:
        return f"entry {self.seq}, {self.action}"


def stored_document(document: Document) -> dict[str, Any]:
    """A stored document as its entry records it."""
    return {
        "document": document.id,
        "kind": document.kind,
        "sha256": document.sha256,
        "size": document.size,
    }


def recorded_documents(
    entries: Iterable[tuple[int, str, Mapping[str, Any]]],
) -> list[RecordedDocument]:
    """Every document the entries (seq, action, details) stored, in record order; one a
    correction replaced is known by the kind that correction gave it."""
    found: list[RecordedDocument] = []
    for seq, action, details in entries:
        if action in ("request.created", "request.edited"):
            renamed = {d.get("document"): d["kind"] for d in details.get("replaced", [])}
            found = [
                dataclasses.replace(r, kind=renamed[r.document]) if r.document in renamed else r
                for r in found
            ]
            found += [
                RecordedDocument(seq, action, d.get("document"), d["kind"], d["sha256"])
                for d in details.get("documents", [])
            ]
        elif action == "statement.filed":
            document = details.get("document")
            found.append(
                RecordedDocument(seq, action, document, "sworn_statement", details["sha256"])
            )
    return found


def recorded_document(
    recorded: Sequence[RecordedDocument], document_id: object, kind: object, sha256: object
) -> RecordedDocument | None:
    """The record's entry for a document: by its number, or (older entries) kind and hash."""
    by_number = next((r for r in recorded if r.document == document_id), None)
    if by_number is not None:
        return by_number
    return next(
        (r for r in recorded if r.document is None and (r.kind, r.sha256) == (kind, sha256)),
        None,
    )


def verified_content(session: Session, document: Document) -> bytes:
    """The document's bytes, once they hash to what the record says was stored."""
    label = f"the {document.kind.replace('_', ' ')} (document {document.id})"
    if document.content is None:
        raise Refused(f"{label} was purged under the retention policy", code=RefusalCode.PURGED)
    rows = session.execute(
        select(AuditEntry.seq, AuditEntry.action, AuditEntry.details)
        .where(
            AuditEntry.subject_type == "request",
            AuditEntry.subject_id == str(document.request_id),
            AuditEntry.action.in_(STORING_ACTIONS),
        )
        .order_by(AuditEntry.seq)
    )
    recorded = recorded_document(
        recorded_documents((seq, action, details) for seq, action, details in rows),
        document.id,
        document.kind,
        document.sha256,
    )
    actual = hashlib.sha256(document.content).hexdigest()
    if recorded is None:
        raise Refused(
            f"{label} is not on the record: no entry recorded its SHA-256 when it was stored",
            code=RefusalCode.DOCUMENT_ALTERED,
        )
    if actual != recorded.sha256 or document.sha256 != recorded.sha256:
        raise Refused(
            f"{label} is not the file the record holds: its bytes have SHA-256 {actual}, the "
            f"record ({recorded.where}) says {recorded.sha256}; nothing was done with it. "
            "Restore the file from a backup and find out who changed it",
            code=RefusalCode.DOCUMENT_ALTERED,
        )
    return document.content


def candidate_fact(candidate: Candidate, person: Person) -> dict[str, Any]:
    """One candidate as the examiners are shown it (and as a packet lists it)."""
    return {
        "rank": candidate.rank,
        "score": f"{candidate.score:.4f}",
        "name": person.name,
        "record_id": person.record_id,
        "photo_id": candidate.photo_id,
    }


def candidate_list_sha256(candidates: Iterable[Mapping[str, Any]]) -> str:
    """SHA-256 of a candidate list's canonical JSON (RFC 8785), over ``CANDIDATE_FIELDS``."""
    shown = [{name: candidate[name] for name in CANDIDATE_FIELDS} for candidate in candidates]
    return hashlib.sha256(canonical_json(shown)).hexdigest()
