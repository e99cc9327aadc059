"""Separation of duties: who took which step of a request, judged by the policy's rules.

The policy names steps that must each be taken by a different person (``separate_duties``
in the pack); this module says who took each step of a stored request, so that the rule
is checked before the next step is taken: approving (``requests.approve``), searching
(the gate) and reviewing (``review.record_conclusion``). A refusal names the rule.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.policy import DutyStep, Policy, check_separate_duties
from facedocket.store.schema import Review, Search, SearchRequest

REVIEW_STEPS: dict[int, DutyStep] = {1: "first_review", 2: "second_review"}


def steps_taken(session: Session, request: SearchRequest) -> dict[str, set[int]]:
    """The people who took each step of the request so far, by user number."""
    taken: dict[str, set[int]] = {"request": {request.officer_id}}
    basis = request.basis
    if basis is not None and basis.confirmed_by_id is not None:
        taken["approve"] = {basis.confirmed_by_id}
    if basis is not None and basis.kind == "emergency" and basis.supervisor_id is not None:
        taken["emergency_approval"] = {basis.supervisor_id}
    taken["search"] = {search.examiner_id for search in request.searches}
    reviews = session.execute(
        select(Review.round, Review.examiner_id)
        .join(Search, Search.id == Review.search_id)
        .where(Search.request_id == request.id)
    )
    for review_round, examiner in reviews:
        taken.setdefault(REVIEW_STEPS[review_round], set()).add(examiner)
    return taken


def require_separate_duties(
    session: Session, policy: Policy, request: SearchRequest, actor: Actor, *steps: DutyStep
) -> None:
    """Refuse (``separation_of_duties``) if the actor taking ``steps`` breaks a rule."""
    decision = check_separate_duties(policy, steps, actor.user_id, steps_taken(session, request))
    if not decision.allowed:
        raise Refused(list(decision.reasons), code=RefusalCode.SEPARATION_OF_DUTIES)
