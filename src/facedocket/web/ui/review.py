"""Examiner pages: run the search, compare the probe with each candidate, record
conclusions (a blind second review in round 2), conclude; and the requester's results.
A supervisor or auditor declares a search unlawful here, where the law deletes its results."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from facedocket.cases import review, sheet, unlawful, visibility
from facedocket.cases.states import Conclusion
from facedocket.kernel import clock
from facedocket.policy import load_policy
from facedocket.web.deps import (
    CandidateViewer,
    Examiner,
    LeadReader,
    SearchGate,
    Supervision,
    WriteSession,
)
from facedocket.web.render import page
from facedocket.web.schemas.cases import SearchCreate
from facedocket.web.schemas.common import MAX_ID, Id
from facedocket.web.ui.forms import Paragraph, Short, done

router = APIRouter()

Round = Annotated[int, Form(alias="round", ge=1, le=2)]


@router.post("/requests/{request_id}/search")
def search(
    legal_gate: SearchGate,
    request_id: Id,
    quality_override: Paragraph = "",
    list_size: Annotated[int | None, Form(ge=1, le=1000)] = None,
) -> Response:
    options = SearchCreate(quality_override=quality_override or None, list_size=list_size)
    # The legal gate's own transaction: a refused search rolls back and is then recorded.
    with legal_gate.transaction(request_id) as session:
        legal_gate.search(session, request_id, options)
    return done(f"/requests/{request_id}/review", "searched")


@router.get("/requests/{request_id}/review")
def examiner_sheet(
    request: Request,
    session: WriteSession,
    me: CandidateViewer,
    request_id: Id,
    review_round: Annotated[int, Query(alias="round", ge=1, le=2)] = 1,
) -> Response:
    """The probe beside every candidate, with score, rank and both photos' quality.

    ``round`` only says which round this examiner's form records; what the page shows of
    names and of the other examiner's conclusions the library decides (``sheet``)."""
    found = visibility.get_request(session, me.actor, request_id)
    rows = sheet.review_sheet(session, me.actor, request_id)
    return page(
        request,
        "review.html",
        me,
        r=found,
        rows=rows,
        probes=sheet.probes(found),
        searches={s.id: s for s in found.searches},
        zone=load_policy(found.policy_id, at=clock.now()).timezone,
        round=review_round,
        conclusions=list(Conclusion),
        agreeing=review.agreeing_outcome(session, found),
        outcome_rule=review.OUTCOME_RULE,
    )


@router.post("/requests/{request_id}/review")
def conclude_candidate(
    session: WriteSession,
    me: Examiner,
    request_id: Id,
    candidate_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    conclusion: Annotated[Conclusion, Form()],
    reasons: Paragraph,
    review_round: Round = 1,
) -> Response:
    review.record_conclusion(
        session, me.actor, request_id, candidate_id, conclusion, reasons, review_round
    )
    # Back to the candidate just concluded, not the top of a long sheet.
    return done(
        f"/requests/{request_id}/review?round={review_round}",
        "reviewed",
        anchor=f"candidate-{candidate_id}",
    )


@router.post("/requests/{request_id}/conclude")
def conclude(session: WriteSession, me: Examiner, request_id: Id, outcome: Short) -> Response:
    review.conclude(session, me.actor, request_id, outcome)
    return done(f"/requests/{request_id}", "concluded")


@router.get("/requests/{request_id}/results")
def results(request: Request, session: WriteSession, me: LeadReader, request_id: Id) -> Response:
    """The released result, under the investigative-lead notice."""
    released = review.released_results(session, me.actor, request_id)
    return page(request, "results.html", me, request_id=request_id, released=released)


@router.get("/requests/{request_id}/lead-sheet")
def lead_sheet(request: Request, session: WriteSession, me: LeadReader, request_id: Id) -> Response:
    """The released result on one printable page: the case, the leads, the lead notice."""
    released = review.released_results(session, me.actor, request_id)
    found = visibility.get_request(session, me.actor, request_id)
    return page(
        request,
        "lead_sheet.html",
        me,
        r=found,
        released=released,
        zone=load_policy(found.policy_id, at=clock.now()).timezone,
        printed_at=clock.now(),
    )


@router.post("/requests/{request_id}/unlawful")
def declare_unlawful(
    session: WriteSession,
    me: Supervision,
    request_id: Id,
    search_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    reason: Paragraph,
    confirm: Annotated[Literal["deleted"], Form()],
) -> Response:
    """The form asks to confirm that the results go for good (``confirm``); the library
    decides the rest, as for the API and the command."""
    unlawful.declare_unlawful(session, me.actor, request_id, search_id, reason)
    return done(f"/requests/{request_id}", "unlawful", "unlawful")
