"""Written requests: writing one with its files, following it, deciding it, closing it,
and reading its legal basis and documents."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response

from facedocket.cases import corrections, requests, visibility
from facedocket.cases.basis import legal_basis
from facedocket.cases.documents import MAX_DOCUMENT_BYTES
from facedocket.cases.files import FileContent, read_document
from facedocket.cases.followup import attach_statement
from facedocket.cases.outcomes import outcomes_of, record_outcome
from facedocket.cases.recorded_refusals import APPROVAL_REFUSED, refusal_recorded
from facedocket.cases.schemas import RequestCreate
from facedocket.cases.states import State
from facedocket.web.deps import (
    CaseWorker,
    Closer,
    Intake,
    OutcomeRecorder,
    ReadSession,
    Requester,
    ServicesDep,
    StatementFiler,
    WriteSession,
)
from facedocket.web.schemas.cases import (
    Approval,
    BasisPublic,
    Correction,
    DocumentPublic,
    OutcomeCreate,
    OutcomePublic,
    Rejection,
    RequestPublic,
    RequestSummary,
    Withdrawal,
)
from facedocket.web.schemas.common import Id
from facedocket.web.security import DOCUMENT_CSP
from facedocket.web.uploads import is_empty, received

router = APIRouter(prefix="/requests", tags=["requests"])

FormJson = Annotated[
    str,
    Form(
        max_length=100_000,
        description="The request as JSON: facedocket.cases.schemas.RequestCreate.",
    ),
]


@router.post("", status_code=201)
def create(
    session: WriteSession,
    app: ServicesDep,
    me: Requester,
    form: FormJson,
    probe: Annotated[UploadFile, File(description="The probe photo (JPEG or PNG).")],
    probe_source: Annotated[str, Form(max_length=2000)] = "",
    order: Annotated[UploadFile | None, File(description="The signed order (PDF).")] = None,
    submit: Annotated[bool, Form(description="Submit at once instead of a draft.")] = False,
) -> RequestPublic:
    """Write a request (a draft unless ``submit``); the files are checked by their bytes."""
    data = RequestCreate.model_validate_json(form)
    photo = received(probe, app.settings.max_image_bytes, probe_source)
    signed = None if is_empty(order) or order is None else received(order, MAX_DOCUMENT_BYTES)
    request = requests.create_request(
        session, app.settings, me.actor, data, [photo], signed, pipeline=app.pipeline()
    )
    if submit:
        requests.submit(session, app.settings, me.actor, request.id)
    return RequestPublic.model_validate(request)


@router.put("/{request_id}")
def edit(
    session: WriteSession,
    app: ServicesDep,
    me: Requester,
    request_id: Id,
    form: FormJson,
    probe: Annotated[
        UploadFile | None, File(description="A probe photo replacing the request's.")
    ] = None,
    probe_source: Annotated[str, Form(max_length=2000)] = "",
    order: Annotated[UploadFile | None, File(description="A signed order replacing it.")] = None,
) -> RequestPublic:
    """Rewrite your draft or returned request, or an approved one (back to intake then);
    files sent replace the request's, files not sent stay (``probe_source`` alone says
    anew where the kept probe came from)."""
    data = RequestCreate.model_validate_json(form)
    photos = (
        []
        if probe is None or is_empty(probe)
        else [received(probe, app.settings.max_image_bytes, probe_source)]
    )
    signed = None if order is None or is_empty(order) else received(order, MAX_DOCUMENT_BYTES)
    request = corrections.edit_request(
        session,
        app.settings,
        me.actor,
        request_id,
        data,
        photos,
        signed,
        probe_source,
        pipeline=app.pipeline(),
    )
    return RequestPublic.model_validate(request)


@router.post("/{request_id}/withdraw")
def withdraw(
    session: WriteSession, me: Requester, request_id: Id, body: Withdrawal
) -> RequestPublic:
    """Take your request back before any search."""
    request = corrections.withdraw(session, me.actor, request_id, body.reason)
    return RequestPublic.model_validate(request)


@router.get("")
def listing(
    session: ReadSession, me: CaseWorker, state: Annotated[State | None, Query()] = None
) -> list[RequestSummary]:
    """The requests you may see: your own, or those sent to your searching body."""
    found = visibility.list_requests(session, me.actor, state)
    return [RequestSummary.model_validate(r) for r in found]


@router.get("/{request_id}")
def one(session: ReadSession, me: CaseWorker, request_id: Id) -> RequestPublic:
    return RequestPublic.model_validate(visibility.get_request(session, me.actor, request_id))


@router.get("/{request_id}/basis")
def basis(session: ReadSession, me: CaseWorker, request_id: Id) -> BasisPublic:
    request = visibility.get_request(session, me.actor, request_id)
    return BasisPublic.model_validate(legal_basis(request))


@router.get("/{request_id}/documents")
def documents(session: ReadSession, me: CaseWorker, request_id: Id) -> list[DocumentPublic]:
    request = visibility.get_request(session, me.actor, request_id)
    return [DocumentPublic.model_validate(d) for d in request.documents]


@router.get(
    "/{request_id}/documents/{document_id}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}},
)
def document(session: WriteSession, me: CaseWorker, request_id: Id, document_id: Id) -> Response:
    """The file itself (probe, order, statement); each view is on the record."""
    found = read_document(session, me.actor, request_id, document_id)
    return file_response(found)


@router.post("/{request_id}/submit")
def submit(session: WriteSession, app: ServicesDep, me: Requester, request_id: Id) -> RequestPublic:
    request = requests.submit(session, app.settings, me.actor, request_id)
    return RequestPublic.model_validate(request)


@router.post("/{request_id}/approve")
def approve(app: ServicesDep, me: Intake, request_id: Id, body: Approval) -> RequestPublic:
    """Confirm that the basis covers the request (a supervisor for an emergency)."""
    # Its own transaction: a refused approval rolls back and is then recorded.
    with refusal_recorded(app.sessions, me.actor, APPROVAL_REFUSED, request_id) as session:
        request = requests.approve(session, app.settings, me.actor, request_id, body.note)
        return RequestPublic.model_validate(request)


@router.post("/{request_id}/reject")
def reject(
    session: WriteSession, app: ServicesDep, me: Intake, request_id: Id, body: Rejection
) -> RequestPublic:
    request = requests.reject(session, app.settings, me.actor, request_id, body.reason)
    return RequestPublic.model_validate(request)


@router.post("/{request_id}/return")
def send_back(
    session: WriteSession, app: ServicesDep, me: Intake, request_id: Id, body: Correction
) -> RequestPublic:
    """Send the request back to its writer for correction, saying what to correct."""
    request = requests.send_back(session, app.settings, me.actor, request_id, body.reason)
    return RequestPublic.model_validate(request)


@router.post("/{request_id}/close")
def close(session: WriteSession, me: Closer, request_id: Id) -> RequestPublic:
    return RequestPublic.model_validate(requests.close(session, me.actor, request_id))


@router.post("/{request_id}/statement")
def statement(
    session: WriteSession,
    app: ServicesDep,
    me: StatementFiler,
    request_id: Id,
    file: Annotated[UploadFile, File(description="The sworn statement (PDF).")],
) -> RequestPublic:
    """File the sworn statement an emergency search may need within the policy's deadline."""
    upload = received(file, MAX_DOCUMENT_BYTES)
    request = attach_statement(session, app.settings, me.actor, request_id, upload)
    return RequestPublic.model_validate(request)


@router.get("/{request_id}/outcomes")
def outcomes(session: ReadSession, me: CaseWorker, request_id: Id) -> list[OutcomePublic]:
    """What followed the request's lead (arrests, charges, convictions, or none)."""
    visibility.get_request(session, me.actor, request_id)
    return [OutcomePublic.model_validate(o) for o in outcomes_of(session, request_id)]


@router.post("/{request_id}/outcomes", status_code=201)
def add_outcome(
    session: WriteSession, me: OutcomeRecorder, request_id: Id, body: OutcomeCreate
) -> OutcomePublic:
    """Record what followed a lead (its requester, or a supervisor of the searching body)."""
    outcome = record_outcome(session, me.actor, request_id, body.kind, body.occurred_on, body.note)
    return OutcomePublic.model_validate(outcome)


def file_response(found: FileContent) -> Response:
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "content-disposition": f"inline; filename*=UTF-8''{quote(found.filename)}",
            "content-security-policy": DOCUMENT_CSP,
            "x-frame-options": "SAMEORIGIN",
        },
    )
