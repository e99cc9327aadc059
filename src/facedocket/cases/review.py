"""Examiner review: a conclusion with reasons for every candidate, an optional blind second
review, the case's conclusion, and what the requester is finally shown (the sheet the
examiners read is ``sheet``).

A candidate list is an investigative lead, never an identification. The requester sees
nothing until the examiners have concluded, and then only the candidates both reviews
(where a second was made) called possible leads.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.basis import require_searcher
from facedocket.cases.duties import REVIEW_STEPS, require_separate_duties
from facedocket.cases.requests import locked_case, open_case
from facedocket.cases.states import Conclusion, State, next_state
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.notify import notices
from facedocket.policy import Policy, load_policy
from facedocket.store.schema import Candidate, Person, Review, Search, SearchRequest

LEAD_NOTICE = (
    "INVESTIGATIVE LEAD ONLY - NOT AN IDENTIFICATION. A face search result is not probable "
    "cause for any action; it must be corroborated by independent investigation."
)


def record_conclusion(
    session: Session,
    actor: Actor,
    request_id: int,
    candidate_id: int,
    conclusion: Conclusion,
    reasons: str,
    review_round: int = 1,
) -> Review:
    request, actor = locked_case(session, actor, request_id)
    to, role = next_state(request.state, "review", actor)
    policy = load_policy(request.policy_id, at=clock.now())
    require_searcher(policy, actor, role)
    candidate = _candidate(session, request, candidate_id)
    if review_round not in (1, 2):
        raise Refused(
            "a review is round 1 (first examiner) or 2 (independent second)",
            code=RefusalCode.INVALID,
        )
    if len(reasons.strip()) < 10:
        raise Refused(
            "a conclusion needs its reasons in a sentence", code=RefusalCode.MISSING_REASON
        )
    require_independent(session, policy, request, candidate.search_id, actor, review_round)
    existing = session.scalar(
        select(Review).where(Review.candidate_id == candidate.id, Review.round == review_round)
    )
    if existing is not None:
        raise Refused(
            f"candidate {candidate.rank} already has a round {review_round} conclusion",
            code=RefusalCode.EXISTS,
        )
    review = Review(
        candidate_id=candidate.id,
        search_id=candidate.search_id,
        examiner_id=actor.user_id,
        round=review_round,
        conclusion=conclusion,
        reasons=reasons.strip(),
    )
    session.add(review)
    request.state = to
    session.flush()
    log(
        session,
        actor,
        role,
        "review.recorded",
        request.id,
        {
            "search": candidate.search_id,
            "candidate_rank": candidate.rank,
            "round": review_round,
            "conclusion": conclusion.value,
            "reasons": review.reasons,
        },
        policy,
    )
    return review


def require_independent(
    session: Session,
    policy: Policy,
    request: SearchRequest,
    search_id: int,
    actor: Actor,
    review_round: int,
) -> None:
    """Refuse a review round to whoever made the other round of the search, or took a step
    of the request the policy keeps apart from it (the page's offer asks it too)."""
    other_round = _examiners(session, search_id).get(3 - review_round, set())
    if actor.user_id in other_round:
        raise Refused(
            "the second review must be made by another examiner than the first",
            code=RefusalCode.NOT_INDEPENDENT,
        )
    require_separate_duties(session, policy, request, actor, REVIEW_STEPS[review_round])


OUTCOME_RULE = (
    "the outcome must be lead exactly when some candidate is a possible lead in every review made"
)


def agreeing_outcome(session: Session, request: SearchRequest) -> str:
    """The one outcome the reviews made so far allow: what ``conclude`` accepts, and what
    the examiner's page offers (the other shown disabled, with ``OUTCOME_RULE``)."""
    rows = candidates_of(session, request)
    return _agreeing(rows, reviews_of(session, [c.id for c, _ in rows]))


def _agreeing(rows: list[tuple[Candidate, Person]], reviews: dict[tuple[int, int], Review]) -> str:
    return "lead" if _leads(rows, reviews) else "no_lead"


def conclude(session: Session, actor: Actor, request_id: int, outcome: str) -> SearchRequest:
    """Close the examination as ``lead`` or ``no_lead``, once every candidate is reviewed."""
    request, actor = locked_case(session, actor, request_id)
    to, role = next_state(request.state, "conclude", actor)
    policy = load_policy(request.policy_id, at=clock.now())
    require_searcher(policy, actor, role)
    rows = candidates_of(session, request)
    reviews = reviews_of(session, [c.id for c, _ in rows])
    rounds = (1, 2) if policy.review.second_examiner == "required" else (1,)
    missing = [c.rank for c, _ in rows for r in rounds if (c.id, r) not in reviews]
    if missing:
        raise Refused(
            f"candidates {', '.join(map(str, sorted(set(missing))))} still need a conclusion",
            code=RefusalCode.REVIEW_INCOMPLETE,
        )
    if outcome not in ("lead", "no_lead"):
        raise Refused("the outcome is lead or no_lead", code=RefusalCode.INVALID)
    if outcome != _agreeing(rows, reviews):
        raise Refused(OUTCOME_RULE, code=RefusalCode.OUTCOME_MISMATCH)
    request.state, request.outcome, request.concluded_at = to, outcome, clock.now()
    log(session, actor, role, "request.concluded", request.id, {"outcome": outcome}, policy)
    notices.released(session, request)
    return request


@dataclass(frozen=True)
class ReleasedLead:
    candidate_id: int
    person_name: str
    record_id: str
    photo_id: int


@dataclass(frozen=True)
class ReleasedResults:
    notice: str
    outcome: str
    leads: list[ReleasedLead]


def released_results(session: Session, actor: Actor, request_id: int) -> ReleasedResults:
    """What the requester may read: leads only, only after the examiners concluded."""
    request, actor = open_case(session, actor, request_id)
    if request.state not in (State.CONCLUDED, State.CLOSED) or request.outcome is None:
        raise Refused(
            "results are released only after the examiners conclude", code=RefusalCode.NOT_READY
        )
    rows = candidates_of(session, request)
    released = released_lead_ids(session, request)
    leads = [
        ReleasedLead(c.id, person.name, person.record_id, c.photo_id)
        for c, person in rows
        if c.id in released
    ]
    role = actor.role_for(*Role) or Role.REQUESTER
    log(session, actor, role, "results.viewed", request.id, {"released_leads": len(leads)})
    return ReleasedResults(LEAD_NOTICE, request.outcome, leads)


def released_lead_ids(session: Session, request: SearchRequest) -> set[int]:
    """The candidates a requester may see: possible leads of a concluded examination."""
    if request.state not in (State.CONCLUDED, State.CLOSED) or request.outcome is None:
        return set()
    rows = candidates_of(session, request)
    return _leads(rows, reviews_of(session, [c.id for c, _ in rows]))


def _candidate(session: Session, request: SearchRequest, candidate_id: int) -> Candidate:
    candidate = session.get(Candidate, candidate_id)
    search_ids = {s.id for s in request.searches}
    if candidate is None or candidate.search_id not in search_ids:
        raise Refused(
            f"candidate {candidate_id} is not in this request's searches", code=RefusalCode.INVALID
        )
    return candidate


def candidates_of(session: Session, request: SearchRequest) -> list[tuple[Candidate, Person]]:
    rows = session.execute(
        select(Candidate, Person)
        .join(Person, Person.id == Candidate.person_id)
        .join(Search, Search.id == Candidate.search_id)
        .where(Search.request_id == request.id)
        .order_by(Candidate.search_id, Candidate.rank)
    )
    return [(candidate, person) for candidate, person in rows]


def reviews_of(session: Session, candidate_ids: list[int]) -> dict[tuple[int, int], Review]:
    rows = session.scalars(select(Review).where(Review.candidate_id.in_(candidate_ids)))
    return {(r.candidate_id, r.round): r for r in rows}


def _examiners(session: Session, search_id: int) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for review in session.scalars(select(Review).where(Review.search_id == search_id)):
        found.setdefault(review.round, set()).add(review.examiner_id)
    return found


def _leads(
    rows: list[tuple[Candidate, Person]], reviews: dict[tuple[int, int], Review]
) -> set[int]:
    return {
        c.id
        for c, _ in rows
        if all(
            review.conclusion == Conclusion.POSSIBLE_LEAD
            for r in (1, 2)
            if (review := reviews.get((c.id, r))) is not None
        )
        and (c.id, 1) in reviews
    }
