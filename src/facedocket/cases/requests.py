"""Written requests from draft to closed: create, submit, approve, reject or send back,
close.

Each function checks who acts and what the policy allows, changes the request, and logs
the action, all in the caller's transaction: a refusal raises before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from facedocket.cases.basis import legal_basis, require_basis, require_intake_body
from facedocket.cases.bodies import chosen_body, screening_body
from facedocket.cases.documents import store_document
from facedocket.cases.duties import require_separate_duties
from facedocket.cases.evidence import stored_document
from facedocket.cases.probes import check_probe
from facedocket.cases.schemas import CourtOrderCreate, FileUpload, RequestCreate
from facedocket.cases.states import State, next_state
from facedocket.cases.visibility import get_request, on_case
from facedocket.faces.pipeline import FacePipeline
from facedocket.gallery.galleries import GalleryNotFoundError, get_gallery
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.notify import notices
from facedocket.policy import DutyStep, Policy, check_order_dates, load_policy
from facedocket.settings import Settings
from facedocket.store.locks import lock_row
from facedocket.store.schema import Agency, Document, LegalBasis, SearchRequest


def create_request(
    session: Session,
    settings: Settings,
    actor: Actor,
    data: RequestCreate,
    probes: Sequence[FileUpload],
    order: FileUpload | None = None,
    attachments: Sequence[FileUpload] = (),
    *,
    pipeline: FacePipeline,
) -> SearchRequest:
    """A draft request with its basis and files, each probe checked for a face first
    (``cases.probes``); the requester submits it separately."""
    if not actor.has(Role.REQUESTER):
        raise Refused("only a requester may write a request", code=RefusalCode.WRONG_ROLE)
    if not probes:
        raise Refused("a request needs at least one probe photo", code=RefusalCode.MISSING_PROBE)
    now = clock.now()
    policy = load_policy(settings.policy, at=now)
    columns = checked_columns(session, policy, actor, data, order is not None, now)
    checks = [check_probe(pipeline, policy, p) for p in probes]
    request = SearchRequest(
        agency_id=actor.agency_id,
        officer_id=actor.user_id,
        officer_name=actor.full_name,
        officer_rank=actor.rank,
        state=State.DRAFT,
        policy_id=policy.id,
        policy_version=policy.version,
        **columns,
    )
    session.add(request)
    session.flush()
    basis = LegalBasis(request_id=request.id, **data.basis.model_dump())
    session.add(basis)
    files = [
        store_probe(session, settings, request, actor, p, c)
        for p, c in zip(probes, checks, strict=True)
    ]
    if order is not None:
        document = store_document(session, settings, request, actor, "order", order)
        basis.order_document_id = document.id
        files.append(document)
    files += [
        store_document(session, settings, request, actor, "attachment", a) for a in attachments
    ]
    session.flush()
    log(
        session,
        actor,
        Role.REQUESTER,
        "request.created",
        request.id,
        written(session, data, request) | {"documents": [stored_document(f) for f in files]},
        policy,
    )
    return request


def store_probe(
    session: Session,
    settings: Settings,
    request: SearchRequest,
    actor: Actor,
    probe: FileUpload,
    check: dict[str, Any],
) -> Document:
    """A probe stored with the check it passed."""
    document = store_document(session, settings, request, actor, "probe", probe)
    document.probe_check = check
    return document


def checked_columns(
    session: Session,
    policy: Policy,
    actor: Actor,
    data: RequestCreate,
    order_present: bool,
    now: datetime,
) -> dict[str, Any]:
    """What a written request sets on its row, once everything it names is checked: the
    same for a new request and for a corrected one (``cases.corrections``)."""
    # The basis in words: the reason is shown beside the form's field, to a person.
    basis = data.basis.kind.replace("_", " ")
    if isinstance(data.basis, CourtOrderCreate) and not order_present:
        raise Refused(
            f"a request under a {basis} needs the signed document", code=RefusalCode.MISSING_ORDER
        )
    if not isinstance(data.basis, CourtOrderCreate) and order_present:
        raise Refused(
            f"a request on the {basis} basis takes no order document", code=RefusalCode.INVALID
        )
    try:
        gallery = get_gallery(session, data.gallery)
    except GalleryNotFoundError as error:
        raise Refused(str(error), code=RefusalCode.UNKNOWN_GALLERY) from None
    if isinstance(data.basis, CourtOrderCreate):
        dates = check_order_dates(
            policy, data.basis.kind, data.basis.issued_on, data.basis.expires_at, now
        )
        if not dates.allowed:
            raise Refused(list(dates.reasons), code=RefusalCode.INVALID_DATES)
    body = chosen_body(session, policy, actor, data.searching_body)
    screening = screening_body(session, policy)
    return {
        "searching_body_id": body.id,
        "case_number": data.case_number,
        "offence": data.offence,
        "offence_class": data.offence_class,
        "offence_code": data.offence_code,
        "narrative": data.narrative,
        "purpose": data.purpose,
        "statements": dict(data.statements) or None,
        "intake_body_id": screening.id if screening is not None else None,
        "gallery_id": gallery.id,
    }


def written(session: Session, data: RequestCreate, request: SearchRequest) -> dict[str, Any]:
    """What the record keeps of a written (or rewritten) request."""
    return {
        "case_number": data.case_number,
        "offence": data.offence,
        "purpose": data.purpose,
        "statements": sorted(data.statements),
        "basis": data.basis.kind,
        "gallery": data.gallery,
        "searching_body": session.get_one(Agency, request.searching_body_id).code,
    }


def open_case(session: Session, actor: Actor, request_id: int) -> tuple[SearchRequest, Actor]:
    """The request, and the actor holding only the roles they have on it: what every
    function that acts on a request checks its roles against."""
    request = get_request(session, actor, request_id)
    return request, on_case(actor, request)


def locked_case(session: Session, actor: Actor, request_id: int) -> tuple[SearchRequest, Actor]:
    """``open_case`` for a decision: the request's row is locked first, so a second
    decision on the same request waits for this one's commit and then sees its outcome
    (and is refused as a late caller would be)."""
    lock_row(session, SearchRequest, request_id)
    return open_case(session, actor, request_id)


def submit(session: Session, settings: Settings, actor: Actor, request_id: int) -> SearchRequest:
    request, actor = locked_case(session, actor, request_id)
    to, role, policy = may_submit(session, request, actor)
    now = clock.now()
    request.state, request.submitted_at = to, now
    log(session, actor, role, "request.submitted", request.id, {}, policy)
    notices.submitted(session, request, legal_basis(request).kind == "emergency")
    return request


def may_submit(
    session: Session, request: SearchRequest, actor: Actor
) -> tuple[State, Role, Policy]:
    """Where submitting leads, or Refused: what ``submit`` and the page's offer ask."""
    if request.officer_id != actor.user_id:
        raise Refused(
            "only the officer who wrote a request may submit it", code=RefusalCode.NOT_OWNER
        )
    to, role = next_state(request.state, "submit", actor)
    now = clock.now()
    policy = load_policy(request.policy_id, at=now)
    require_basis(policy, request, "submit", now)
    return to, role, policy


def approve(
    session: Session, settings: Settings, actor: Actor, request_id: int, note: str
) -> SearchRequest:
    """Intake confirms the basis covers the request; an emergency needs a supervisor."""
    request, to, role, policy, note = _decision(session, actor, request_id, "approve", note)
    basis = legal_basis(request)
    if _supervised(policy, request):
        basis.supervisor_id, basis.supervisor_approved_at = actor.user_id, clock.now()
    basis.confirmed_by_id, basis.confirmed_at = actor.user_id, clock.now()
    return _decided(session, actor, request, to, role, policy, "request.approved", note)


def reject(
    session: Session, settings: Settings, actor: Actor, request_id: int, reason: str
) -> SearchRequest:
    """Intake refuses the request; the requester reads the reason."""
    request, to, role, policy, reason = _decision(session, actor, request_id, "reject", reason)
    return _decided(session, actor, request, to, role, policy, "request.rejected", reason)


def send_back(
    session: Session, settings: Settings, actor: Actor, request_id: int, reason: str
) -> SearchRequest:
    """Intake returns the request to its writer for correction; they read the reason,
    change what it asks, and submit it again (``cases.corrections``)."""
    request, to, role, policy, reason = _decision(session, actor, request_id, "return", reason)
    return _decided(session, actor, request, to, role, policy, "request.returned", reason)


def _decision(
    session: Session, actor: Actor, request_id: int, action: str, why: str
) -> tuple[SearchRequest, State, Role, Policy, str]:
    """What deciding a request shares: the decision allowed, and a reason."""
    request, actor = locked_case(session, actor, request_id)
    to, role, policy = may_decide(session, request, actor, action)
    if len(why.strip()) < 10:
        raise Refused(
            f"to {action} a request, say why in a sentence", code=RefusalCode.MISSING_REASON
        )
    return request, to, role, policy, why.strip()


def may_decide(
    session: Session, request: SearchRequest, actor: Actor, action: str
) -> tuple[State, Role, Policy]:
    """Where intake's ``action`` (approve, reject, return) leads, or Refused: a searching
    body's reviewer decides; an approval also needs the basis to hold, the supervisor
    the basis asks for, and the duties the policy keeps apart."""
    to, role = next_state(request.state, action, actor)
    policy = load_policy(request.policy_id, at=clock.now())
    require_intake_body(policy, actor)
    if action == "approve":
        basis = legal_basis(request)
        if _supervised(policy, request) and role != Role.SUPERVISOR:
            kind = basis.kind.replace("_", " ")
            raise Refused(
                f"a request on the {kind} basis is approved by a supervisor",
                code=RefusalCode.WRONG_ROLE,
            )
        require_basis(policy, request, "approve", clock.now())
        emergency: tuple[DutyStep, ...] = (
            ("emergency_approval",) if basis.kind == "emergency" else ()
        )
        require_separate_duties(session, policy, request, actor, "approve", *emergency)
    return to, role, policy


def _supervised(policy: Policy, request: SearchRequest) -> bool:
    """Whether the basis asks for an approving supervisor (an emergency; Maryland's listed
    crimes): then the approval is the supervisor's."""
    rule = policy.bases.get(legal_basis(request).kind)  # type: ignore[call-overload]
    return rule is not None and "approving_supervisor" in rule.required_fields


def _decided(
    session: Session,
    actor: Actor,
    request: SearchRequest,
    to: State,
    role: Role,
    policy: Policy,
    action: str,
    why: str,
) -> SearchRequest:
    request.state, request.decided_at, request.decided_by_id = to, clock.now(), actor.user_id
    request.decision_reason = why
    log(session, actor, role, action, request.id, {"reason": why}, policy)
    return request


def close(session: Session, actor: Actor, request_id: int) -> SearchRequest:
    request, actor = locked_case(session, actor, request_id)
    to, role = next_state(request.state, "close", actor)
    request.state, request.closed_at = to, clock.now()
    log(session, actor, role, "request.closed", request.id)
    return request
