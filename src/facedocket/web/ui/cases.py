"""Request pages: the requester writes and follows requests; intake and supervisors see
the queue, read the order beside the request and decide it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import Response

from facedocket.cases import requests
from facedocket.cases.bodies import offered_bodies
from facedocket.cases.documents import MAX_DOCUMENT_BYTES
from facedocket.cases.followup import attach_statement
from facedocket.cases.outcomes import outcomes_of, record_outcome
from facedocket.cases.progress import progress
from facedocket.cases.recorded_refusals import APPROVAL_REFUSED, refusal_recorded
from facedocket.cases.schemas import RequestCreate
from facedocket.cases.states import State
from facedocket.gallery.records import list_galleries
from facedocket.kernel import clock
from facedocket.policy import load_policy
from facedocket.reports.timeline import describe
from facedocket.store.db import transaction
from facedocket.web.deps import (
    CaseWorker,
    Closer,
    Intake,
    OutcomeRecorder,
    Requester,
    ServicesDep,
    StatementFiler,
)
from facedocket.web.render import page
from facedocket.web.schemas.common import Id
from facedocket.web.ui.forms import Paragraph, Short, done
from facedocket.web.uploads import is_empty, received

router = APIRouter()

Upload = Annotated[UploadFile | None, File()]
# What RequestCreate takes.
FORM_BASES = (
    "court_order",
    "warrant",
    "investigation",
    "emergency",
    "deceased",
    "missing_person",
)
Texts = Annotated[list[str], Form()]


@router.get("/requests")
def listing(request: Request, app: ServicesDep, me: CaseWorker, state: str = "") -> Response:
    wanted = State(state) if state in {s.value for s in State} else None
    with app.sessions() as session:
        found = requests.list_requests(session, me.actor, wanted)
        rows = [(r, r.basis.kind if r.basis else "") for r in found]
    return page(request, "requests.html", me, rows=rows, state=wanted, states=list(State))


@router.get("/requests/new")
def new(request: Request, app: ServicesDep, me: Requester) -> Response:
    policy = load_policy(app.settings.policy)
    with app.sessions() as session:
        galleries = [g.name for g in list_galleries(session)]
        bodies = offered_bodies(session, policy)
    return page(
        request,
        "request_new.html",
        me,
        galleries=galleries,
        bodies=bodies,
        bases=[kind for kind in FORM_BASES if kind in policy.bases],
        timezone=policy.timezone,
        purposes=policy.purposes or [],
        narratives=policy.narratives,
        classes=[(c.id, c.name) for c in policy.offences.classes]
        or [("felony", "felony"), ("misdemeanour", "misdemeanour")],
    )


@router.post("/requests/new")
def create(
    app: ServicesDep,
    me: Requester,
    case_number: Short,
    offence: Short,
    offence_class: Short,
    narrative: Paragraph,
    gallery: Short,
    basis: Short,
    probe: Annotated[UploadFile, File()],
    action: Short = "submit",
    offence_code: Short = "",
    probe_source: Paragraph = "",
    court: Short = "",
    docket_number: Short = "",
    judge: Short = "",
    issued_on: Short = "",
    expires_at: Short = "",
    scope: Paragraph = "",
    searches_allowed: Short = "",
    facts: Paragraph = "",
    order: Upload = None,
    searching_body: Short = "",
    purpose: Short = "",
    statement_id: Texts = [],  # noqa: B006 (FastAPI copies a form default)
    statement: Texts = [],  # noqa: B006
) -> Response:
    """The written request from the form, with its probe and order; draft or submitted."""
    fields: dict[str, Any] = {"kind": basis}
    if basis in ("court_order", "warrant"):
        fields |= {
            "court": court,
            "docket_number": docket_number,
            "judge": judge,
            "issued_on": issued_on,
            "expires_at": _aware(expires_at, load_policy(app.settings.policy).timezone),
            "scope": scope,
            "searches_allowed": searches_allowed or None,
        }
    else:
        fields["facts"] = facts
    data = RequestCreate.model_validate(
        {
            "case_number": case_number,
            "offence": offence,
            "offence_class": offence_class,
            "offence_code": offence_code or None,
            "narrative": narrative,
            "gallery": gallery,
            "searching_body": searching_body or None,
            "basis": fields,
            "purpose": purpose or None,
            # One textarea per narrative the policy asks for, each beside its id.
            "statements": {
                key: text for key, text in zip(statement_id, statement, strict=False) if text
            },
        }
    )
    photo = received(probe, app.settings.max_image_bytes, probe_source)
    signed = None if order is None or is_empty(order) else received(order, MAX_DOCUMENT_BYTES)
    with transaction(app.sessions) as session:
        made = requests.create_request(session, app.settings, me.actor, data, [photo], signed)
        if action == "submit":
            requests.submit(session, app.settings, me.actor, made.id)
        number = made.id
    return done(f"/requests/{number}", "submitted" if action == "submit" else "saved")


@router.get("/requests/{request_id}")
def detail(request: Request, app: ServicesDep, me: CaseWorker, request_id: Id) -> Response:
    with app.sessions() as session:
        found = requests.get_request(session, me.actor, request_id)
        documents = list(found.documents)
        searches = list(found.searches)
        return page(
            request,
            "request.html",
            me,
            r=found,
            basis=found.basis,
            documents=documents,
            order=next((d for d in documents if d.kind == "order"), None),
            searches=searches,
            mine=found.officer_id == me.actor.user_id,
            outcomes=outcomes_of(session, found.id),
            progress=progress(session, found),
            describe=describe,
            zone=load_policy(found.policy_id, at=clock.now()).timezone,
        )


@router.post("/requests/{request_id}/submit")
def submit(app: ServicesDep, me: Requester, request_id: Id) -> Response:
    with transaction(app.sessions) as session:
        requests.submit(session, app.settings, me.actor, request_id)
    return done(f"/requests/{request_id}", "submitted")


@router.post("/requests/{request_id}/approve")
def approve(app: ServicesDep, me: Intake, request_id: Id, note: Paragraph) -> Response:
    with refusal_recorded(app.sessions, me.actor, APPROVAL_REFUSED, request_id) as session:
        requests.approve(session, app.settings, me.actor, request_id, note)
    return done(f"/requests/{request_id}", "approved")


@router.post("/requests/{request_id}/reject")
def reject(app: ServicesDep, me: Intake, request_id: Id, reason: Paragraph) -> Response:
    with transaction(app.sessions) as session:
        requests.reject(session, app.settings, me.actor, request_id, reason)
    return done(f"/requests/{request_id}", "rejected")


@router.post("/requests/{request_id}/close")
def close(app: ServicesDep, me: Closer, request_id: Id) -> Response:
    with transaction(app.sessions) as session:
        requests.close(session, me.actor, request_id)
    return done(f"/requests/{request_id}", "closed")


@router.post("/requests/{request_id}/statement")
def statement(
    app: ServicesDep,
    me: StatementFiler,
    request_id: Id,
    file: Annotated[UploadFile, File()],
) -> Response:
    upload = received(file, MAX_DOCUMENT_BYTES)
    with transaction(app.sessions) as session:
        attach_statement(session, app.settings, me.actor, request_id, upload)
    return done(f"/requests/{request_id}", "statement")


@router.post("/requests/{request_id}/outcomes")
def outcome(
    app: ServicesDep,
    me: OutcomeRecorder,
    request_id: Id,
    kind: Short,
    occurred_on: Annotated[date, Form()],
    note: Paragraph = "",
) -> Response:
    with transaction(app.sessions) as session:
        record_outcome(session, me.actor, request_id, kind, occurred_on, note)
    return done(f"/requests/{request_id}", "outcome")


def _aware(local: str, zone: str) -> str:
    """A form's date and time, read in the policy's time zone (where the court sits)."""
    try:
        moment = datetime.fromisoformat(local)
    except ValueError:
        return local  # left for the model to refuse with a clear message
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.isoformat()
