"""Request pages: the requester follows and withdraws requests (writing and changing one
is ``writing``); intake and supervisors see the queue, read the order beside the request
and decide it, or send it back for correction."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import Response

from facedocket.cases import corrections, requests, unlawful, visibility
from facedocket.cases.basis import searches_granted
from facedocket.cases.documents import MAX_DOCUMENT_BYTES
from facedocket.cases.followup import attach_statement
from facedocket.cases.offers import offers
from facedocket.cases.outcomes import outcomes_of, record_outcome
from facedocket.cases.probes import check_words
from facedocket.cases.progress import STANDING_WORDS, Standing, progress
from facedocket.cases.progress import standing as standing_of
from facedocket.cases.recorded_refusals import APPROVAL_REFUSED, refusal_recorded
from facedocket.cases.states import State
from facedocket.kernel import clock
from facedocket.policy import load_policy
from facedocket.reports.timeline import describe
from facedocket.store.schema import Gallery
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
from facedocket.web.render import page
from facedocket.web.schemas.common import Id
from facedocket.web.ui.forms import Paragraph, Short, done
from facedocket.web.uploads import received

router = APIRouter()


@router.get("/requests")
def listing(
    request: Request, session: ReadSession, me: CaseWorker, state: str = "", standing: str = ""
) -> Response:
    """The requests in one state, or in one standing: the home page counts by standing
    (a returned request is the requester's to write, as a draft is), and links here."""
    wanted = State(state) if state in {s.value for s in State} else None
    among = Standing(standing) if standing in {s.value for s in Standing} else None
    found = visibility.list_requests(session, me.actor, wanted)
    if among is not None:
        found = [r for r in found if standing_of(r.state) == among]
    rows = [(r, r.basis.kind if r.basis else "") for r in found]
    return page(
        request,
        "requests.html",
        me,
        rows=rows,
        state=wanted,
        states=list(State),
        among=among and STANDING_WORDS[among],
    )


@router.get("/requests/{request_id}")
def detail(request: Request, session: ReadSession, me: CaseWorker, request_id: Id) -> Response:
    found, actor = requests.open_case(session, me.actor, request_id)
    documents = list(found.documents)
    searches = list(found.searches)
    policy = load_policy(found.policy_id, at=clock.now())
    return page(
        request,
        "request.html",
        me,
        r=found,
        basis=found.basis,
        documents=documents,
        order=next((d for d in documents if d.kind == "order"), None),
        probe=next((d for d in documents if d.kind == "probe"), None),
        searches=searches,
        granted=searches_granted(policy, found),
        gallery=session.get_one(Gallery, found.gallery_id),
        offers=offers(session, found, actor),
        probe_checks={d.id: check_words(d.probe_check) for d in documents},
        mine=found.officer_id == me.actor.user_id,
        outcomes=outcomes_of(session, found.id),
        unlawful=unlawful.unlawful_offer(session, found, actor),
        tombstones=unlawful.tombstones(session, found.id),
        progress=progress(session, found),
        describe=describe,
        zone=policy.timezone,
    )


@router.post("/requests/{request_id}/submit")
def submit(session: WriteSession, app: ServicesDep, me: Requester, request_id: Id) -> Response:
    requests.submit(session, app.settings, me.actor, request_id)
    return done(f"/requests/{request_id}", "submitted")


@router.post("/requests/{request_id}/approve")
def approve(app: ServicesDep, me: Intake, request_id: Id, note: Paragraph) -> Response:
    # Its own transaction: a refused approval rolls back and is then recorded.
    with refusal_recorded(app.sessions, me.actor, APPROVAL_REFUSED, request_id) as session:
        requests.approve(session, app.settings, me.actor, request_id, note)
    return done(f"/requests/{request_id}", "approved")


@router.post("/requests/{request_id}/reject")
def reject(
    session: WriteSession, app: ServicesDep, me: Intake, request_id: Id, reason: Paragraph
) -> Response:
    requests.reject(session, app.settings, me.actor, request_id, reason)
    return done(f"/requests/{request_id}", "rejected")


@router.post("/requests/{request_id}/return")
def send_back(
    session: WriteSession, app: ServicesDep, me: Intake, request_id: Id, reason: Paragraph
) -> Response:
    requests.send_back(session, app.settings, me.actor, request_id, reason)
    return done(f"/requests/{request_id}", "returned")


@router.post("/requests/{request_id}/withdraw")
def withdraw(session: WriteSession, me: Requester, request_id: Id, reason: Paragraph) -> Response:
    corrections.withdraw(session, me.actor, request_id, reason)
    return done(f"/requests/{request_id}", "withdrawn")


@router.post("/requests/{request_id}/close")
def close(session: WriteSession, me: Closer, request_id: Id) -> Response:
    requests.close(session, me.actor, request_id)
    return done(f"/requests/{request_id}", "closed")


@router.post("/requests/{request_id}/statement")
def statement(
    session: WriteSession,
    app: ServicesDep,
    me: StatementFiler,
    request_id: Id,
    file: Annotated[UploadFile, File()],
) -> Response:
    upload = received(file, MAX_DOCUMENT_BYTES)
    attach_statement(session, app.settings, me.actor, request_id, upload)
    return done(f"/requests/{request_id}", "statement")


@router.post("/requests/{request_id}/outcomes")
def outcome(
    session: WriteSession,
    me: OutcomeRecorder,
    request_id: Id,
    kind: Short,
    occurred_on: Annotated[date, Form()],
    note: Paragraph = "",
) -> Response:
    record_outcome(session, me.actor, request_id, kind, occurred_on, note)
    return done(f"/requests/{request_id}", "outcome")
