"""A case as the defence reads it: request, basis, files, searches, candidates, conclusions.

Plain JSON values only (times as ISO text, scores as decimal strings) so the packet's
JSON files are the exact text; the PDF summary is a reading aid made from them. Only the
candidates the examiners were shown are included (a search's list as stored), with every
conclusion made on them; nothing else of the gallery is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.evidence import candidate_fact
from facedocket.governance.register import registration_of
from facedocket.store.schema import (
    Agency,
    Candidate,
    Document,
    FaceModelRecord,
    Gallery,
    LegalHold,
    Person,
    Purge,
    Review,
    Search,
    SearchRequest,
    User,
)

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def document_path(document: Document) -> str:
    """Where a document's bytes sit in the packet: never the name it was uploaded with."""
    extension = EXTENSIONS.get(document.media_type, "bin")
    return f"case/documents/{document.id}-{document.kind}.{extension}"


def request_view(session: Session, request: SearchRequest) -> dict[str, Any]:
    users = _users(session)
    holds = session.scalars(
        select(LegalHold).where(LegalHold.request_id == request.id).order_by(LegalHold.id)
    )
    return {
        "request": request.id,
        "agency": session.get_one(Agency, request.agency_id).name,
        "officer": request.officer_name,
        "officer_rank": request.officer_rank,
        "case_number": request.case_number,
        "offence": request.offence,
        "offence_class": request.offence_class,
        "offence_code": request.offence_code,
        "narrative": request.narrative,
        "gallery": session.get_one(Gallery, request.gallery_id).name,
        "state": request.state,
        "outcome": request.outcome,
        "policy": f"{request.policy_id} {request.policy_version}",
        "created_at": when(request.created_at),
        "submitted_at": when(request.submitted_at),
        "decided_at": when(request.decided_at),
        "decided_by": users.get(request.decided_by_id or 0),
        "decision_reason": request.decision_reason,
        "closed_at": when(request.closed_at),
        "legal_holds": [
            {
                "set_at": when(hold.set_at),
                "reason": hold.reason,
                "released_at": when(hold.released_at),
                "release_reason": hold.release_reason,
            }
            for hold in holds
        ],
    }


def basis_view(session: Session, request: SearchRequest) -> dict[str, Any]:
    basis = request.basis
    if basis is None:
        return {"kind": None, "note": "no legal basis on record"}
    users = _users(session)
    return {
        "kind": basis.kind,
        "court": basis.court,
        "docket_number": basis.docket_number,
        "judge": basis.judge,
        "issued_on": basis.issued_on.isoformat() if basis.issued_on else None,
        "expires_at": when(basis.expires_at),
        "scope": basis.scope,
        "searches_allowed": basis.searches_allowed,
        "order_document": basis.order_document_id,
        "facts": basis.facts,
        "approving_supervisor": users.get(basis.supervisor_id or 0),
        "supervisor_approved_at": when(basis.supervisor_approved_at),
        "statement_due_at": when(basis.statement_due_at),
        "statement_document": basis.statement_document_id,
        "confirmed_by": users.get(basis.confirmed_by_id or 0),
        "confirmed_at": when(basis.confirmed_at),
    }


def documents_view(request: SearchRequest) -> list[dict[str, Any]]:
    return [
        {
            "document": document.id,
            "kind": document.kind,
            "filename": document.filename,
            "media_type": document.media_type,
            "size": document.size,
            "sha256": document.sha256,
            "source": document.source,
            "uploaded_at": when(document.uploaded_at),
            "purged_at": when(document.purged_at),
            "in_packet": None if document.content is None else document_path(document),
        }
        for document in sorted(request.documents, key=lambda d: d.id)
    ]


def searches_view(session: Session, request: SearchRequest) -> list[dict[str, Any]]:
    users = _users(session)
    return [_search(session, search, users) for search in request.searches]


def _search(session: Session, search: Search, users: dict[int, str]) -> dict[str, Any]:
    model = session.get_one(FaceModelRecord, search.model_id)
    registration = registration_of(session, model.id)
    purge = session.scalar(select(Purge).where(Purge.search_id == search.id))
    return {
        "search": search.id,
        "run_at": when(search.run_at),
        "examiner": users[search.examiner_id],
        "searching_body": session.get_one(Agency, search.searching_agency_id).name,
        "gallery": session.get_one(Gallery, search.gallery_id).name,
        "model": {
            "name": model.name,
            "version": model.version,
            "file_sha256": model.file_sha256,
            "registered_at": when(registration.registered_at) if registration else None,
            "approved_at": when(registration.approved_at) if registration else None,
            "approved_by": users.get(registration.approved_by_id or 0) if registration else None,
        },
        "index": search.index_backend,
        "threshold": f"{search.threshold:.4f}",
        "list_size": search.list_size,
        "candidates_returned": search.candidates_returned,
        "probe_document": search.probe_document_id,
        "probe_face": search.probe_face,
        "probe_box": search.probe_box,
        "probe_quality": {k: str(v) for k, v in sorted(search.probe_quality.items())},
        "quality_override": search.quality_override,
        "policy": f"{search.policy_id} {search.policy_version}",
        "candidate_list_purged": None
        if purge is None
        else {"purged_at": when(purge.purged_at), "sha256": purge.sha256},
        "candidates": _candidates(session, search, users),
    }


def _candidates(session: Session, search: Search, users: dict[int, str]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Candidate, Person)
        .join(Person, Person.id == Candidate.person_id)
        .where(Candidate.search_id == search.id)
        .order_by(Candidate.rank)
    )
    reviews: dict[int, list[Review]] = {}
    for review in session.scalars(
        select(Review).where(Review.search_id == search.id).order_by(Review.round, Review.id)
    ):
        reviews.setdefault(review.candidate_id, []).append(review)
    return [
        candidate_fact(candidate, person)
        | {
            "conclusions": [
                {
                    "round": review.round,
                    "examiner": users[review.examiner_id],
                    "conclusion": review.conclusion,
                    "reasons": review.reasons,
                    "at": when(review.created_at),
                }
                for review in reviews.get(candidate.id, [])
            ],
        }
        for candidate, person in rows
    ]


def _users(session: Session) -> dict[int, str]:
    return {u.id: f"{u.full_name} ({u.username})" for u in session.scalars(select(User))}
