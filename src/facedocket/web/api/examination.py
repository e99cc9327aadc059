"""Searches, candidates, examiners' conclusions and the results released to the requester.

The search route reaches the face index only through ``SearchGate`` (``run_search``);
candidate lists and photos are served only to the roles ``cases`` allows, and every view
is an audit entry. A search declared unlawful (``cases.unlawful``) loses its results where
the law says so, and the tombstone it leaves is the answer.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from facedocket.cases import review, unlawful, visibility
from facedocket.cases.files import candidate_photo
from facedocket.cases.sheet import review_sheet
from facedocket.web.api.requests import file_response
from facedocket.web.deps import (
    CandidateViewer,
    CaseWorker,
    Examiner,
    LeadReader,
    ReadSession,
    SearchGate,
    ServicesDep,
    Supervision,
    WriteSession,
)
from facedocket.web.schemas.cases import (
    CandidatePublic,
    ConclusionCreate,
    LeadPublic,
    RequestPublic,
    ResultsPublic,
    ReviewCreate,
    ReviewPublic,
    SearchCreate,
    SearchPublic,
    UnlawfulCreate,
    UnlawfulPublic,
)
from facedocket.web.schemas.common import Id

router = APIRouter(prefix="/requests/{request_id}", tags=["examination"])


@router.post("/searches", status_code=201)
def search(
    app: ServicesDep, legal_gate: SearchGate, request_id: Id, body: SearchCreate
) -> SearchPublic:
    """Run the 1:N search of an approved request, if its legal basis holds right now."""
    # The legal gate's own transaction: a refused search rolls back and is then recorded.
    with legal_gate.transaction(request_id) as session:
        return SearchPublic.model_validate(legal_gate.search(session, request_id, body))


@router.get("/searches")
def searches(session: ReadSession, me: CandidateViewer, request_id: Id) -> list[SearchPublic]:
    request = visibility.get_request(session, me.actor, request_id)
    return [SearchPublic.model_validate(s) for s in request.searches]


@router.get("/candidates")
def candidates(session: WriteSession, me: CandidateViewer, request_id: Id) -> list[CandidatePublic]:
    """The review sheet; an examiner reads a candidate's name only after concluding on
    them, and another examiner's conclusions only once their own are final (the server
    decides; no parameter asks for more)."""
    rows = review_sheet(session, me.actor, request_id)
    return [CandidatePublic.model_validate(row) for row in rows]


@router.get(
    "/candidates/{candidate_id}/photo",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
def photo(
    session: WriteSession, app: ServicesDep, me: LeadReader, request_id: Id, candidate_id: Id
) -> Response:
    """A candidate's gallery photo: for examiners, or a requester's released lead."""
    found = candidate_photo(session, app.settings, me.actor, request_id, candidate_id)
    return file_response(found)


@router.post("/reviews", status_code=201)
def conclude_candidate(
    session: WriteSession, me: Examiner, request_id: Id, body: ReviewCreate
) -> ReviewPublic:
    made = review.record_conclusion(
        session,
        me.actor,
        request_id,
        body.candidate_id,
        body.conclusion,
        body.reasons,
        body.round,
    )
    return ReviewPublic.model_validate(made)


@router.post("/conclusion")
def conclude(
    session: WriteSession, me: Examiner, request_id: Id, body: ConclusionCreate
) -> RequestPublic:
    done = review.conclude(session, me.actor, request_id, body.outcome)
    return RequestPublic.model_validate(done)


@router.get("/results")
def results(session: WriteSession, me: LeadReader, request_id: Id) -> ResultsPublic:
    """What the requester reads: the lead notice and the released leads only."""
    released = review.released_results(session, me.actor, request_id)
    return ResultsPublic(
        notice=released.notice,
        outcome=released.outcome,
        leads=[LeadPublic.model_validate(lead) for lead in released.leads],
    )


@router.get("/unlawful")
def tombstones(session: ReadSession, me: CaseWorker, request_id: Id) -> list[UnlawfulPublic]:
    """The request's searches declared unlawful: each tombstone, oldest first."""
    visibility.get_request(session, me.actor, request_id)
    return [UnlawfulPublic.model_validate(t) for t in unlawful.tombstones(session, request_id)]


@router.post("/unlawful", status_code=201)
def declare_unlawful(
    session: WriteSession, me: Supervision, request_id: Id, body: UnlawfulCreate
) -> UnlawfulPublic:
    """Declare a search of the request unlawful (a supervisor of the searching body, or an
    auditor); where the law says so its results are deleted, and the tombstone remains."""
    made = unlawful.declare_unlawful(session, me.actor, request_id, body.search_id, body.reason)
    return UnlawfulPublic.model_validate(made)
