"""Retention: purge what the policy no longer lets the agency keep, and leave a tombstone.

Per record type (requirement 12), under the policy each request was decided under:

- ``probe_images``: a probe photo's bytes (``Document.content``); the row and its
  SHA-256 stay, so the record still proves which photo was searched;
- ``documents``: orders, sworn statements and attachments, the same way;
- ``candidate_lists``: the people a search returned and the examiners' conclusions on
  them. Their rows are deleted: the candidates are mostly people who did nothing, which
  is why the list must not outlive its use. The record keeps every ``review.recorded``
  entry (rank, conclusion, reasons), which names no one.

The audit record is never changed. Each purge appends a ``retention.purged`` entry naming
what was purged and its SHA-256 (for a candidate list, of ``candidate_list_bytes``), so
the chain still verifies and anyone who kept a copy can prove what it was. A request on
legal hold is skipped whole. ``request_records`` retention is not applied here: the
request row is what every other record points at.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from facedocket.audit.canonical import canonical_json
from facedocket.cases.holds import held_requests
from facedocket.governance.access import acting_role
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.roles import Role
from facedocket.policy import Policy, RecordType, load_policy, retention_until
from facedocket.store.locks import lock_rows
from facedocket.store.schema import Candidate, Document, Person, Purge, Review, Search
from facedocket.store.schema import SearchRequest as Request

PURGE_ROLES = (Role.ADMINISTRATOR,)


@dataclass(frozen=True)
class PurgeItem:
    request_id: int
    record_type: RecordType
    document_id: int | None
    search_id: int | None
    sha256: str
    retained_until: datetime

    @property
    def label(self) -> str:
        if self.document_id is not None:
            return f"request {self.request_id}, document {self.document_id}"
        return f"request {self.request_id}, candidate list of search {self.search_id}"


def purge(
    session: Session, actor: Actor, at: datetime, *, dry_run: bool = False
) -> list[PurgeItem]:
    """Purge everything due at ``at``; with ``dry_run``, only say what that would be."""
    role = acting_role(actor, PURGE_ROLES, "purge records")
    items = list(due(session, at))
    if dry_run or not items:
        return items
    # What is due was read unlocked; lock those requests (a search, a review or a hold
    # on them waits, or is waited for) and read it again, as it stands now.
    locked = lock_rows(session, Request, [item.request_id for item in items])
    items = list(due(session, at, [request.id for request in locked]))
    for item in items:
        _purge(session, actor, role, item, at)
    return items


def due(
    session: Session, at: datetime, request_ids: list[int] | None = None
) -> Iterator[PurgeItem]:
    """What retention lets go at ``at``, request by request (of ``request_ids``, if
    given), skipping legal holds."""
    held = held_requests(session)
    policies: dict[str, Policy] = {}
    query = select(Request).order_by(Request.id)
    if request_ids is not None:
        query = query.where(Request.id.in_(request_ids))
    for request in session.scalars(query):
        if request.id in held:
            continue
        policy = policies.get(request.policy_id) or load_policy(request.policy_id, at=at)
        policies[request.policy_id] = policy
        for document in sorted(request.documents, key=lambda d: d.id):
            kind: RecordType = "probe_images" if document.kind == "probe" else "documents"
            until = retention_until(policy, kind, document.uploaded_at)
            if document.purged_at is None and until is not None and until <= at:
                yield PurgeItem(request.id, kind, document.id, None, document.sha256, until)
        for search in request.searches:
            until = retention_until(policy, "candidate_lists", search.run_at)
            if until is None or until > at or not search.candidates:
                continue
            digest = hashlib.sha256(candidate_list_bytes(session, search)).hexdigest()
            yield PurgeItem(request.id, "candidate_lists", None, search.id, digest, until)


def candidate_list_bytes(session: Session, search: Search) -> bytes:
    """The canonical JSON (RFC 8785, as the audit record) of a search's candidates and
    conclusions: what a purge tombstone's SHA-256 is taken over."""
    rows = session.execute(
        select(Candidate, Person)
        .join(Person, Person.id == Candidate.person_id)
        .where(Candidate.search_id == search.id)
        .order_by(Candidate.rank)
    )
    reviews = session.scalars(
        select(Review).where(Review.search_id == search.id).order_by(Review.id)
    )
    ranks = {}
    candidates = []
    for candidate, person in rows:
        ranks[candidate.id] = candidate.rank
        candidates.append(
            {
                "rank": candidate.rank,
                "record_id": person.record_id,
                "name": person.name,
                "photo_id": candidate.photo_id,
                "score": f"{candidate.score:.4f}",
            }
        )
    conclusions = [
        {
            "rank": ranks[review.candidate_id],
            "round": review.round,
            "examiner_id": review.examiner_id,
            "conclusion": review.conclusion,
            "reasons": review.reasons,
        }
        for review in reviews
    ]
    return canonical_json(
        {"search": search.id, "candidates": candidates, "conclusions": conclusions}
    )


def _purge(session: Session, actor: Actor, role: Role, item: PurgeItem, at: datetime) -> None:
    request = session.get_one(Request, item.request_id)
    details: dict[str, object] = {
        "record_type": item.record_type,
        "sha256": item.sha256,
        "retained_until": item.retained_until.isoformat(),
    }
    if item.document_id is not None:
        document = session.get_one(Document, item.document_id)
        document.content, document.purged_at = None, at
        details |= {"document": document.id, "kind": document.kind, "size": document.size}
    else:
        search = session.get_one(Search, item.search_id)
        details |= {"search": search.id, "candidates": len(search.candidates)}
        session.execute(delete(Review).where(Review.search_id == search.id))
        session.execute(delete(Candidate).where(Candidate.search_id == search.id))
        session.expire(search, ["candidates"])
    entry = log(
        session,
        actor,
        role,
        "retention.purged",
        request.id,
        details,
        load_policy(request.policy_id, at=at),
    )
    session.add(
        Purge(
            request_id=request.id,
            record_type=item.record_type,
            document_id=item.document_id,
            search_id=item.search_id,
            sha256=item.sha256,
            retained_until=item.retained_until,
            purged_at=at,
            purged_by_id=actor.user_id,
            audit_seq=entry.seq,
        )
    )
    session.flush()
