"""The requester's corrections raced by real processes against intake and the examiners.

Each round releases eight processes at once on one request (on SQLite and PostgreSQL):
half try one transition, half another that the first rules out. Intake's return and its
approval exclude each other; so do a change after approval (back to intake) and the
search, and a withdrawal and the search. One racer wins, the record holds the winner's
entry alone, and each loser is refused exactly as a caller coming after the race is.

Two pairs do not exclude each other, as the state machine says, and the races prove the
order it allows and no other: a withdrawal may follow an approval (never the reverse),
and an edit may follow intake's return (never land on the submitted request).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.cases.conftest import World
from tests.cases.test_races import WHY, approved, late, submitted
from tests.races import RACERS, Answer, Database, Racers, assert_verifies, count, pipeline

from facedocket.cases import corrections, gate, requests
from facedocket.cases.basis import legal_basis
from facedocket.cases.schemas import RequestCreate
from facedocket.kernel.actors import load_actor
from facedocket.settings import Settings
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, Search, SearchRequest

ROUNDS = 3

pytestmark = pytest.mark.slow

# Who takes each step, alternating where two people may, and what it writes on the record.
BY = {
    "approve": ("intake", "supervisor"),
    "return": ("intake", "supervisor"),
    "withdraw": ("officer",),
    "edit": ("officer",),
    "search": ("examiner", "examiner2"),
}
ENTRY = {
    "approve": "request.approved",
    "return": "request.returned",
    "withdraw": "request.withdrawn",
    "edit": "request.edited",
    "search": "search.run",
}


def act_as(
    session: Session,
    settings: Settings,
    username: str,
    action: str,
    request_id: int,
    form: RequestCreate | None = None,
) -> tuple[str, str]:
    """One step as ``username``, in the racer's own transaction: the step and the state
    it left the request in."""
    actor = load_actor(session, username)
    if action == "search":
        gate.run_search(session, settings, actor, request_id, pipeline())
        state = session.get_one(SearchRequest, request_id).state
    elif action == "withdraw":
        state = corrections.withdraw(session, actor, request_id, WHY).state
    elif action == "edit":
        assert form is not None
        edited = corrections.edit_request(
            session, settings, actor, request_id, form, pipeline=pipeline()
        )
        state = edited.state
    else:
        decide = requests.approve if action == "approve" else requests.send_back
        state = decide(session, settings, actor, request_id, WHY).state
    return action, state


def changed(world: World) -> RequestCreate:
    """The request as its writer corrects it: the same, with a fuller account."""
    form = world.form()
    return form.model_copy(update={"narrative": form.narrative + " He left in a blue car."})


def race(
    world: World,
    engine: Engine,
    racers: Racers,
    number: int,
    pair: tuple[str, str],
) -> list[tuple[str, Answer]]:
    """Four racers of each step of ``pair``, interleaved; each answer beside its step."""
    form = changed(world)
    steps = [pair[i % 2] for i in range(RACERS)]
    calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
        (act_as, (world.settings, BY[step][i // 2 % len(BY[step])], step, number, form))
        for i, step in enumerate(steps)
    ]
    answers = racers.race(Database.of(engine), calls)
    return list(zip(steps, answers, strict=True))


def late_refusal(world: World, step: str, number: int) -> Answer:
    """What the step's caller is told once the race is over."""
    with transaction(world.sessions) as session:
        call = partial(act_as, session, world.settings, BY[step][0], step, number, changed(world))
        return late(call)


def entries(world: World, number: int) -> list[str]:
    """The request's entries of the raced steps, in the record's order."""
    with world.sessions() as session:
        found = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.subject_type == "request", AuditEntry.subject_id == str(number))
            .where(AuditEntry.action.in_(ENTRY.values()))
            .order_by(AuditEntry.seq)
        )
        return list(found)


def state_of(world: World, number: int) -> str:
    with world.sessions() as session:
        return session.get_one(SearchRequest, number).state


def assert_one_winner(
    world: World, number: int, answered: list[tuple[str, Answer]], before: list[str]
) -> tuple[str, str]:
    """One racer won; the record holds its entry alone after those ``before`` the race;
    every loser is refused as the late caller of its step is. The winning step and the
    state it left."""
    done = [a for _, a in answered if a.outcome == "done"]
    assert len(done) == 1, f"{len(done)} of {RACERS} racers won: {answered}"
    step, state = done[0].value
    assert state_of(world, number) == state
    assert entries(world, number) == [*before, ENTRY[step]], "the winner's entry alone"
    refusals = {s: late_refusal(world, s, number) for s in {s for s, _ in answered}}
    for raced, answer in answered:
        if answer.outcome != "done":
            assert answer == refusals[raced], (raced, answer, refusals[raced])
    assert_verifies(world.sessions)
    return step, state


def test_intake_returning_a_request_racing_its_approval(
    live: World, engine: Engine, racers: Racers
) -> None:
    for _ in range(ROUNDS):
        number = submitted(live)
        step, state = assert_one_winner(
            live, number, race(live, engine, racers, number, ("return", "approve")), []
        )
        with live.sessions() as session:
            basis = legal_basis(session.get_one(SearchRequest, number))
            assert (basis.confirmed_by_id is not None) == (step == "approve")
        assert state == {"return": "returned", "approve": "approved"}[step]


@pytest.mark.parametrize("change", ["edit", "withdraw"])
def test_a_change_after_approval_racing_the_search(
    live: World, engine: Engine, racers: Racers, change: str
) -> None:
    """A change after approval sends the request back to intake (its approval void), a
    withdrawal ends it; either rules the search out, and a search rules both out."""
    for _ in range(ROUNDS):
        number = approved(live)
        step, state = assert_one_winner(
            live,
            number,
            race(live, engine, racers, number, (change, "search")),
            ["request.approved"],
        )
        searched = count(live.sessions, Search, Search.request_id == number)
        assert searched == (1 if step == "search" else 0)
        with live.sessions() as session:
            basis = legal_basis(session.get_one(SearchRequest, number))
            void = step == "edit"
            assert (basis.confirmed_by_id is None) == void, "an edit voids the approval"
        assert state == {"edit": "submitted", "withdraw": "withdrawn", "search": "searched"}[step]


def test_a_withdrawal_racing_the_approval(live: World, engine: Engine, racers: Racers) -> None:
    """A request may be withdrawn before or after its approval, so the withdrawal always
    lands, once; an approval lands only before it, at most once."""
    for _ in range(ROUNDS):
        number = submitted(live)
        answered = race(live, engine, racers, number, ("withdraw", "approve"))
        won = [a.value[0] for _, a in answered if a.outcome == "done"]
        assert sorted(won) in (["withdraw"], ["approve", "withdraw"]), answered
        expected = ["request.approved"] * won.count("approve") + ["request.withdrawn"]
        assert entries(live, number) == expected, "no approval after the withdrawal"
        assert state_of(live, number) == "withdrawn"
        # A loser met the request approved (by the winning approval) or withdrawn.
        met = {"approved", "withdrawn"} if "approve" in won else {"withdrawn"}
        for step, answer in answered:
            if answer.outcome != "done":
                states = {s for s in met if f"a request that is {s} cannot" in answer.reasons[0]}
                assert answer.code == "bad_state" and states, (step, answer)
        assert_verifies(live.sessions)


def test_an_edit_racing_intakes_return(live: World, engine: Engine, racers: Racers) -> None:
    """A submitted request is intake's: its writer may edit it once intake returns it,
    never before. One return lands; at most one edit, after it (a second, the same
    correction, is refused as changing nothing)."""
    for _ in range(ROUNDS):
        number = submitted(live)
        answered = race(live, engine, racers, number, ("edit", "return"))
        won = [a.value[0] for _, a in answered if a.outcome == "done"]
        assert won.count("return") == 1 and won.count("edit") <= 1, answered
        recorded = entries(live, number)
        assert recorded == ["request.returned"] + ["request.edited"] * won.count("edit")
        assert state_of(live, number) == "returned"
        codes = {(s, a.code) for s, a in answered if a.outcome == "refused"}
        # An edit before the return meets the submitted state; one after the edit that
        # landed, a request already so corrected (what the late caller is told).
        allowed = {("return", "bad_state"), ("edit", "bad_state")}
        if "edit" in won:
            assert late_refusal(live, "edit", number).code == "invalid"
            allowed.add(("edit", "invalid"))
        assert codes <= allowed, codes
        assert_verifies(live.sessions)
