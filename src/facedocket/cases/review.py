"""Examiner review: a conclusion with reasons for every candidate, an optional blind second
review, the case's conclusion, and what the requester is finally shown.

A candidate list is an investigative lead, never an identification. The requester sees
nothing until the examiners have concluded, and then only the candidates both reviews
(where a second was made) called possible leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.basis import require_searcher
from facedocket.cases.duties import REVIEW_STEPS, require_separate_duties
from facedocket.cases.requests import locked_case, open_case
from facedocket.cases.states import State, next_state
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import Refused
from facedocket.kernel.roles import Role
from facedocket.notify import notices
from facedocket.policy import load_policy
from facedocket.store.schema import Candidate, Person, Review, Search, SearchRequest, Template

LEAD_NOTICE = (
    "INVESTIGATIVE LEAD ONLY - NOT AN IDENTIFICATION. A face search result is not probable "
    "cause for any action; it must be corroborated by independent investigation."
)


class Conclusion(StrEnum):
    EXCLUDED = "excluded"
    POSSIBLE_LEAD = "possible_lead"
    INCONCLUSIVE = "inconclusive"


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
        raise Refused("a review is round 1 (first examiner) or 2 (independent second)")
    if len(reasons.strip()) < 10:
        raise Refused("a conclusion needs its reasons in a sentence", code="missing_reasons")
    examiners = _examiners(session, candidate.search_id)
    other_round = examiners.get(3 - review_round, set())
    if actor.user_id in other_round:
        raise Refused(
            "the second review must be made by another examiner than the first",
            code="not_independent",
        )
    require_separate_duties(session, policy, request, actor, REVIEW_STEPS[review_round])
    existing = session.scalar(
        select(Review).where(Review.candidate_id == candidate.id, Review.round == review_round)
    )
    if existing is not None:
        raise Refused(
            f"candidate {candidate.rank} already has a round {review_round} conclusion",
            code="exists",
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


@dataclass(frozen=True)
class CandidateView:
    """One line of an examiner's review sheet."""

    candidate_id: int
    search_id: int
    rank: int
    score: float
    person_name: str
    record_id: str
    photo_id: int
    quality: dict[str, Any]
    first_review: str | None
    second_review: str | None


def review_sheet(session: Session, actor: Actor, request_id: int) -> list[CandidateView]:
    """The candidates of every search of a request, as this caller may see them.

    What a caller may read is decided here, never by a parameter the caller chooses (see
    ``readable``): an examiner reviews blind.
    """
    request, actor = open_case(session, actor, request_id)
    role = actor.role_for(Role.EXAMINER, Role.SUPERVISOR, Role.AUDITOR)
    if role is None:
        raise Refused(
            "only the searching body's examiners and supervisors, and auditors, see "
            "candidate lists",
            code="wrong_role",
        )
    rows = _candidates(session, request)
    reviews = _reviews(session, [c.id for c, _ in rows])
    shown = readable(request, role, actor.user_id, [c.id for c, _ in rows], reviews)
    templates = [c.template_id for c, _ in rows]
    quality: dict[int, dict[str, Any]] = {}
    for template_id, measured in session.execute(
        select(Template.id, Template.quality).where(Template.id.in_(templates))
    ):
        quality[template_id] = measured
    log(session, actor, role, "results.viewed", request.id, {"conclusions_shown": len(shown)})
    return [
        CandidateView(
            candidate_id=c.id,
            search_id=c.search_id,
            rank=c.rank,
            score=c.score,
            person_name=person.name,
            record_id=person.record_id,
            photo_id=c.photo_id,
            quality=quality.get(c.template_id, {}),
            first_review=_shown(reviews.get((c.id, 1)), (c.id, 1) in shown),
            second_review=_shown(reviews.get((c.id, 2)), (c.id, 2) in shown),
        )
        for c, person in rows
    ]


def readable(
    request: SearchRequest,
    role: Role,
    viewer_id: int,
    candidate_ids: list[int],
    reviews: dict[tuple[int, int], Review],
) -> set[tuple[int, int]]:
    """The conclusions (candidate, round) a viewer may read.

    Supervisors and auditors, who review nothing, read them all, as does anyone once the
    case is concluded. An examiner reads their own; another examiner's only once their own
    are final (a conclusion on every candidate) and the other round is complete, so the
    second examiner cannot learn the first's conclusions before making theirs, whatever
    round they ask for, and the first cannot watch the second's as they are made.
    """
    if role != Role.EXAMINER or request.state in (State.CONCLUDED, State.CLOSED):
        return set(reviews)
    own = {key for key, review in reviews.items() if review.examiner_id == viewer_id}
    done = {candidate for candidate, _ in own}
    if not candidate_ids or done != set(candidate_ids):
        return own
    complete = {r for r in (1, 2) if all((c, r) in reviews for c in candidate_ids)}
    return own | {key for key in reviews if key[1] in complete}


def conclude(session: Session, actor: Actor, request_id: int, outcome: str) -> SearchRequest:
    """Close the examination as ``lead`` or ``no_lead``, once every candidate is reviewed."""
    request, actor = locked_case(session, actor, request_id)
    to, role = next_state(request.state, "conclude", actor)
    policy = load_policy(request.policy_id, at=clock.now())
    require_searcher(policy, actor, role)
    rows = _candidates(session, request)
    reviews = _reviews(session, [c.id for c, _ in rows])
    rounds = (1, 2) if policy.review.second_examiner == "required" else (1,)
    missing = [c.rank for c, _ in rows for r in rounds if (c.id, r) not in reviews]
    if missing:
        raise Refused(
            f"candidates {', '.join(map(str, sorted(set(missing))))} still need a conclusion",
            code="review_incomplete",
        )
    leads = _leads(rows, reviews)
    if outcome not in ("lead", "no_lead"):
        raise Refused("the outcome is lead or no_lead")
    if (outcome == "lead") != bool(leads):
        raise Refused(
            "the outcome must be lead exactly when some candidate is a possible lead "
            "in every review made",
            code="outcome_mismatch",
        )
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
        raise Refused("results are released only after the examiners conclude", code="not_ready")
    rows = _candidates(session, request)
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
    rows = _candidates(session, request)
    return _leads(rows, _reviews(session, [c.id for c, _ in rows]))


def _candidate(session: Session, request: SearchRequest, candidate_id: int) -> Candidate:
    candidate = session.get(Candidate, candidate_id)
    search_ids = {s.id for s in request.searches}
    if candidate is None or candidate.search_id not in search_ids:
        raise Refused(f"candidate {candidate_id} is not in this request's searches")
    return candidate


def _candidates(session: Session, request: SearchRequest) -> list[tuple[Candidate, Person]]:
    rows = session.execute(
        select(Candidate, Person)
        .join(Person, Person.id == Candidate.person_id)
        .join(Search, Search.id == Candidate.search_id)
        .where(Search.request_id == request.id)
        .order_by(Candidate.search_id, Candidate.rank)
    )
    return [(candidate, person) for candidate, person in rows]


def _reviews(session: Session, candidate_ids: list[int]) -> dict[tuple[int, int], Review]:
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


def _shown(review: Review | None, visible: bool) -> str | None:
    if review is None:
        return None
    return f"{review.conclusion}: {review.reasons}" if visible else "(hidden until yours are final)"
