"""The requester changes their own request: corrects a draft or one intake sent back, or
changes an approved one (which sends it back to intake), or withdraws it before any search.

A correction rewrites what the requester wrote and keeps every file ever attached: a
replaced probe or order stays on the request, as ``replaced_probe`` or ``replaced_order``,
with the SHA-256 the record already holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from facedocket.cases.basis import legal_basis
from facedocket.cases.documents import store_document
from facedocket.cases.evidence import stored_document
from facedocket.cases.probes import check_probe
from facedocket.cases.requests import checked_columns, locked_case, store_probe, written
from facedocket.cases.schemas import (
    CourtOrderCreate,
    EmergencyCreate,
    FileUpload,
    RequestCreate,
)
from facedocket.cases.states import State, next_state
from facedocket.faces.pipeline import FacePipeline
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.notify import notices
from facedocket.policy import load_policy
from facedocket.settings import Settings
from facedocket.store.schema import Document, SearchRequest

# Every field of a legal basis the requester writes, whichever kind it is.
WRITTEN_BASIS = sorted(set(CourtOrderCreate.model_fields) | set(EmergencyCreate.model_fields))
# What intake added when it approved: void once the request it approved has changed.
APPROVAL = ("confirmed_by_id", "confirmed_at", "supervisor_id", "supervisor_approved_at")


def edit_request(
    session: Session,
    settings: Settings,
    actor: Actor,
    request_id: int,
    data: RequestCreate,
    probes: Sequence[FileUpload] = (),
    order: FileUpload | None = None,
    probe_source: str = "",
    *,
    pipeline: FacePipeline,
) -> SearchRequest:
    """Rewrite the request as ``data``; ``probes`` and ``order``, when given, replace the
    request's, and ``probe_source`` says anew where the kept probe came from. A change to
    an approved request sends it back to intake."""
    request, actor = locked_case(session, actor, request_id)
    to, role = may_change(request, actor, "edit")
    now = clock.now()
    policy = load_policy(request.policy_id, at=now)
    basis = legal_basis(request)
    court = isinstance(data.basis, CourtOrderCreate)
    kept_order = basis.order_document_id is not None and court and order is None
    columns = checked_columns(session, policy, actor, data, order is not None or kept_order, now)
    checks = [check_probe(pipeline, policy, p) for p in probes]
    wanted = dict.fromkeys(WRITTEN_BASIS) | data.basis.model_dump()
    changed = [name for name, value in columns.items() if getattr(request, name) != value]
    changed += [f"basis.{name}" for name, value in wanted.items() if getattr(basis, name) != value]
    kept_probes = [d for d in request.documents if d.kind == "probe"] if not probes else []
    source = probe_source.strip()
    if source and any(d.source != source for d in kept_probes):
        changed.append("probe_source")
    if probes:
        changed.append("probe")
    if order is not None or (basis.order_document_id is not None and not court):
        changed.append("order")
    if not changed:
        raise Refused(
            "the request as sent is the same as the one on file", code=RefusalCode.INVALID
        )
    for name, value in columns.items():
        setattr(request, name, value)
    for name, value in wanted.items():
        setattr(basis, name, value)
    if "probe_source" in changed:
        for document in kept_probes:
            document.source = source
    replaced = _replace_files(request, probes, "probe" in changed, "order" in changed)
    added = [
        store_probe(session, settings, request, actor, p, c)
        for p, c in zip(probes, checks, strict=True)
    ]
    if order is not None:
        document = store_document(session, settings, request, actor, "order", order)
        basis.order_document_id = document.id
        added.append(document)
    elif "order" in changed:
        basis.order_document_id = None
    if to == State.SUBMITTED:
        for name in APPROVAL:
            setattr(basis, name, None)
        request.submitted_at = now
    request.state = to
    session.flush()
    log(
        session,
        actor,
        role,
        "request.edited",
        request.id,
        written(session, data, request)
        | {
            "changed": sorted(changed),
            "state": to.value,
            "documents": [stored_document(d) for d in added],
            "replaced": [stored_document(d) for d in replaced],
        },
        policy,
    )
    if to == State.SUBMITTED:
        notices.submitted(session, request, basis.kind == "emergency")
    return request


def withdraw(session: Session, actor: Actor, request_id: int, reason: str) -> SearchRequest:
    """The requester takes the request back before any search; it stays on the record."""
    request, actor = locked_case(session, actor, request_id)
    to, role = may_change(request, actor, "withdraw")
    if len(reason.strip()) < 10:
        raise Refused(
            "to withdraw a request, say why in a sentence", code=RefusalCode.MISSING_REASON
        )
    policy = load_policy(request.policy_id, at=clock.now())
    request.state, request.closed_at = to, clock.now()
    request.decision_reason = reason.strip()
    log(session, actor, role, "request.withdrawn", request.id, {"reason": reason.strip()}, policy)
    return request


def may_change(request: SearchRequest, actor: Actor, action: str) -> tuple[State, Role]:
    """Where the writer's ``action`` (edit, withdraw) leads, or Refused."""
    if request.officer_id != actor.user_id:
        verb = "change" if action == "edit" else action
        raise Refused(
            f"only the officer who wrote a request may {verb} it", code=RefusalCode.NOT_OWNER
        )
    return next_state(request.state, action, actor)


def _replace_files(
    request: SearchRequest, probes: Sequence[FileUpload], probe: bool, order: bool
) -> list[Document]:
    """Mark the files the correction replaces; they stay, under a kind of their own."""
    replaced: list[Document] = []
    for document in request.documents:
        if (probe and probes and document.kind == "probe") or (order and document.kind == "order"):
            document.kind = f"replaced_{document.kind}"
            replaced.append(document)
    return replaced
