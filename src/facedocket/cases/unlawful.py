"""Declaring a search unlawful, where the law then has its results deleted (Maine's act:
the results of an unlawful search are deleted and kept out of evidence).

A supervisor of the searching body or an auditor declares it, with the reason. Its
results, the candidate list and the examiners' conclusions on it, are deleted in the
same transaction; a tombstone (``UnlawfulDeletion``) and the ``search.declared_unlawful``
entry keep what the record must: that the search ran and when (its ``searches`` row
stays), why and by whom its results were deleted, how many there were, and two SHA-256s:
the candidate list's as the ``search.run`` entry recorded it, and the deleted rows'
(``retention.candidate_list_bytes``, as a purge takes it). The audit record is never
changed: its entries hold hashes, ranks and conclusions, never a candidate's identity, so
the chain verifies as before. A request on legal hold keeps everything: deletion waits
for the hold's release.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from facedocket.cases.holds import active_hold
from facedocket.cases.requests import locked_case
from facedocket.cases.retention import candidate_list_bytes
from facedocket.governance.access import acting_role, sentence
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import NotFound, RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.policy import Policy, load_policy
from facedocket.policy.unlawful import check_unlawful_deletion
from facedocket.store.schema import (
    AuditEntry,
    Candidate,
    Review,
    SearchRequest,
    UnlawfulDeletion,
    User,
)

UNLAWFUL_ROLES = (Role.SUPERVISOR, Role.AUDITOR)


def declare_unlawful(
    session: Session, actor: Actor, request_id: int, search_id: int, reason: str
) -> UnlawfulDeletion:
    """Declare one search of a request unlawful and delete its results, leaving a tombstone."""
    request, actor = locked_case(session, actor, request_id)
    role = acting_role(actor, UNLAWFUL_ROLES, "declare a search unlawful")
    why = sentence(reason, "reason the search was unlawful")
    search = next((s for s in request.searches if s.id == search_id), None)
    if search is None:
        raise NotFound(f"request {request.id} has no search {search_id}")
    earlier = tombstone_of(session, search.id)
    if earlier is not None:
        by = session.get_one(User, earlier.declared_by_id).username
        raise Refused(
            f"search {search.id} was declared unlawful on {earlier.declared_at:%Y-%m-%d %H:%M} "
            f"UTC by {by}; its results are deleted already (record entry {earlier.audit_seq})",
            code=RefusalCode.BAD_STATE,
        )
    now = clock.now()
    policy = _deleting_law(request, now)
    _not_held(session, request)
    digest = hashlib.sha256(candidate_list_bytes(session, search)).hexdigest()
    run = _search_entry(session, request.id, search.id)
    candidates = len(search.candidates)
    conclusions = session.scalar(
        select(func.count()).select_from(Review).where(Review.search_id == search.id)
    )
    session.execute(delete(Review).where(Review.search_id == search.id))
    session.execute(delete(Candidate).where(Candidate.search_id == search.id))
    session.expire(search, ["candidates"])
    recorded = run.details.get("candidates_sha256") if run is not None else None
    entry = log(
        session,
        actor,
        role,
        "search.declared_unlawful",
        request.id,
        {
            "search": search.id,
            "reason": why,
            "search_entry": run.seq if run is not None else None,
            "candidates": candidates,
            "conclusions": conclusions or 0,
            "candidates_sha256": recorded,
            "deleted_sha256": digest,
        },
        policy,
    )
    tombstone = UnlawfulDeletion(
        request_id=request.id,
        search_id=search.id,
        search_run_at=search.run_at,
        reason=why,
        declared_by_id=actor.user_id,
        role=role.value,
        declared_at=now,
        candidates=candidates,
        conclusions=conclusions or 0,
        candidates_sha256=recorded,
        deleted_sha256=digest,
        search_entry_seq=run.seq if run is not None else None,
        audit_seq=entry.seq,
    )
    session.add(tombstone)
    session.flush()
    return tombstone


def _deleting_law(request: SearchRequest, now: datetime) -> Policy:
    """The request's law in force ``now``, if it deletes an unlawful search's results."""
    policy = load_policy(request.policy_id, at=now)
    decision = check_unlawful_deletion(policy)
    if not decision.allowed:
        raise Refused(list(decision.reasons), code=RefusalCode.POLICY)
    return policy


def _not_held(session: Session, request: SearchRequest) -> None:
    hold = active_hold(session, request.id)
    if hold is not None:
        raise Refused(
            f"request {request.id} is on legal hold (hold {hold.id}, set "
            f"{hold.set_at:%Y-%m-%d}: {hold.reason}); the results of its searches are "
            "kept until the hold is released, then they can be deleted",
            code=RefusalCode.ON_HOLD,
        )


class UnlawfulOffer(NamedTuple):
    searches: list[int]  # not yet declared unlawful
    refused: str | None  # why none can be declared now (a legal hold), or None


def unlawful_offer(session: Session, request: SearchRequest, actor: Actor) -> UnlawfulOffer | None:
    """For a page: the searches of ``request`` not yet declared unlawful, and why
    ``actor`` cannot declare one now (a legal hold) if so; None where ``actor``'s role may
    not declare or the request's law deletes nothing (the act does not exist for them, so
    it is not offered at all). The checks are the ones ``declare_unlawful`` makes."""
    try:
        acting_role(actor, UNLAWFUL_ROLES, "declare a search unlawful")
        _deleting_law(request, clock.now())
    except Refused:
        return None
    try:
        _not_held(session, request)
    except Refused as refusal:
        why: str | None = "; ".join(refusal.reasons)
    else:
        why = None
    declared = {t.search_id for t in tombstones(session, request.id)}
    return UnlawfulOffer([s.id for s in request.searches if s.id not in declared], why)


def tombstones(session: Session, request_id: int) -> list[UnlawfulDeletion]:
    """The request's searches declared unlawful, oldest first."""
    return list(
        session.scalars(
            select(UnlawfulDeletion)
            .where(UnlawfulDeletion.request_id == request_id)
            .order_by(UnlawfulDeletion.id)
        )
    )


def tombstone_of(session: Session, search_id: int) -> UnlawfulDeletion | None:
    return session.scalar(select(UnlawfulDeletion).where(UnlawfulDeletion.search_id == search_id))


def _search_entry(session: Session, request_id: int, search_id: int) -> AuditEntry | None:
    """The ``search.run`` entry of ``search_id`` (the record names the search in details)."""
    entries = session.scalars(
        select(AuditEntry).where(
            AuditEntry.subject_type == "request",
            AuditEntry.subject_id == str(request_id),
            AuditEntry.action == "search.run",
        )
    )
    return next((e for e in entries if e.details.get("search") == search_id), None)
