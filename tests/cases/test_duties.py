"""Separation of duties, enforced at every step: one person holding many roles is still
one person, and may not ask for, approve, run and check the same search."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from tests.cases.conftest import World
from tests.cases.test_workflow import act, searches

from facedocket.cases.directory import add_user
from facedocket.cases.states import Conclusion
from facedocket.kernel.refusals import Refused
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, Review, SearchRequest

EXCLUDED = Conclusion.EXCLUDED
FACTS = "A child was taken from a playground an hour ago; the abductor's face is on camera."


def hire(world: World, username: str, *roles: str) -> None:
    with transaction(world.sessions) as session:
        add_user(
            session,
            "operator:test",
            username=username,
            full_name=username.title(),
            agency_code="state-police",
            roles=list(roles),
            rank="Sergeant",
        )


def refused(world: World, username: str, step: str, number: int, *args: object) -> Refused:
    with world.sessions() as session:
        entries = session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(Refused) as raised:
        act(world, username, step, number, *args)
    assert raised.value.code == "separation_of_duties", raised.value.reasons
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries
    return raised.value


def state(world: World, number: int) -> str:
    with world.sessions() as session:
        return session.get_one(SearchRequest, number).state


def test_one_person_with_every_role_cannot_run_their_own_emergency_search(world: World) -> None:
    """Issue 19: requester, supervisor and examiner in one person created, approved and
    searched one request."""
    hire(world, "solo", "requester", "supervisor", "examiner")
    number = world.draft("solo", kind="emergency", facts=FACTS)
    act(world, "solo", "submit", number)
    refusal = refused(world, "solo", "approve", number, "The risk to the child is urgent.")
    assert any(
        "rule request-approve-search-verify" in r
        and "the person who wrote the request may not also approve it" in r
        for r in refusal.reasons
    ), refusal.reasons
    assert state(world, number) == "submitted"
    act(world, "supervisor", "approve", number, "The risk to the child is urgent.")
    refusal = refused(world, "solo", "search", number)
    assert "the person who wrote the request may not also run its search" in str(refusal)
    assert searches(world) == 0


def test_an_intake_reviewer_cannot_approve_their_own_request(world: World) -> None:
    hire(world, "desk", "requester", "intake_reviewer")
    number = world.draft("desk")
    act(world, "desk", "submit", number)
    refused(world, "desk", "approve", number, "The order names this image and this gallery.")
    act(world, "intake", "approve", number, "The order names this image and this gallery.")
    assert state(world, number) == "approved"


def test_the_approver_cannot_search_and_the_searcher_cannot_verify(world: World) -> None:
    hire(world, "double", "intake_reviewer", "examiner")
    number = world.draft()
    act(world, "officer", "submit", number)
    act(world, "double", "approve", number, "The order names this image and this gallery.")
    refusal = refused(world, "double", "search", number)
    assert "the person who approved it may not also run its search" in str(refusal)
    act(world, "examiner", "search", number)
    first = act(world, "examiner", "sheet", number, 1)[0].candidate_id
    # Another examiner makes the first review: the searcher still may not make the second.
    act(world, "examiner2", "review", number, first, EXCLUDED, "Different ears and chin.")
    refusal = refused(
        world, "examiner", "review", number, first, EXCLUDED, "Same ears and chin.", 2
    )
    assert "ran a search for it may not also make the second review" in str(refusal)
    hire(world, "examiner3", "examiner")
    act(world, "examiner3", "review", number, first, EXCLUDED, "Different ears and chin.", 2)
    with world.sessions() as session:
        rounds = session.scalars(select(Review.round).order_by(Review.round)).all()
    assert rounds == [1, 2]


def test_the_supervisor_who_approves_an_emergency_reviews_nothing(world: World) -> None:
    hire(world, "watch", "supervisor", "examiner")
    number = world.draft(kind="emergency", facts=FACTS)
    act(world, "officer", "submit", number)
    act(world, "watch", "approve", number, "The risk to the child is urgent.")
    act(world, "examiner", "search", number)
    candidate = act(world, "examiner", "sheet", number, 1)[0].candidate_id
    refusal = refused(world, "watch", "review", number, candidate, EXCLUDED, "Not the same.")
    assert "rule emergency-approver-reviews-nothing" in str(refusal)
