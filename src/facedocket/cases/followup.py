"""After an emergency search: the sworn statement the policy may demand within a deadline.

The clock starts at the first search (the gate sets ``statement_due_at``); a case whose
statement is missing past that moment is overdue, and stays listed until one is filed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.basis import legal_basis
from facedocket.cases.documents import store_document
from facedocket.cases.requests import locked_case
from facedocket.cases.schemas import FileUpload
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.settings import Settings
from facedocket.store.schema import LegalBasis, SearchRequest


def attach_statement(
    session: Session, settings: Settings, actor: Actor, request_id: int, upload: FileUpload
) -> SearchRequest:
    """File the sworn statement of an emergency request (its officer or a supervisor)."""
    request, actor = locked_case(session, actor, request_id)
    basis = legal_basis(request)
    role = actor.role_for(Role.REQUESTER, Role.SUPERVISOR)
    if role is None:
        raise Refused(
            "the requesting officer or a supervisor files the sworn statement",
            code=RefusalCode.WRONG_ROLE,
        )
    if basis.kind != "emergency":
        kind = basis.kind.replace("_", " ")
        raise Refused(
            f"a request on the {kind} basis takes no sworn statement", code=RefusalCode.INVALID
        )
    if basis.statement_document_id is not None:
        raise Refused("the sworn statement is already on file", code=RefusalCode.EXISTS)
    document = store_document(session, settings, request, actor, "sworn_statement", upload)
    basis.statement_document_id = document.id
    late = basis.statement_due_at is not None and clock.now() > basis.statement_due_at
    log(
        session,
        actor,
        role,
        "statement.filed",
        request.id,
        {"document": document.id, "sha256": document.sha256, "late": late},
    )
    return request


def overdue(session: Session, at: datetime | None = None) -> list[SearchRequest]:
    """Emergency requests whose sworn statement is missing past its deadline."""
    moment = at or clock.now()
    return list(
        session.scalars(
            select(SearchRequest)
            .join(LegalBasis, LegalBasis.request_id == SearchRequest.id)
            .where(
                LegalBasis.statement_due_at.is_not(None),
                LegalBasis.statement_due_at < moment,
                LegalBasis.statement_document_id.is_(None),
            )
            .order_by(SearchRequest.id)
        )
    )
