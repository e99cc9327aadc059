"""Decisions raced by real processes: one winner, the same refusal for every loser.

Each round releases eight processes at once on one request (on SQLite and on
PostgreSQL). The rule must hold as it does for callers one after another: one search of
a one-search order, one of approve and reject, one round-1 conclusion per candidate, no
search on a purged probe and no probe purged twice. The losers are refused exactly as a
late caller is, and the record verifies after every round.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.cases.conftest import PEOPLE, World, train, under_commission_rules
from tests.races import (
    RACERS,
    Answer,
    Database,
    Racers,
    assert_verifies,
    count,
    one_winner,
    pipeline,
)

from facedocket.cases import gate, requests, review
from facedocket.cases.retention import purge
from facedocket.cases.schemas import FileUpload
from facedocket.cases.states import Conclusion
from facedocket.gallery.enrol import enrol
from facedocket.gallery.sources import EnrolmentItem
from facedocket.kernel.actors import load_actor
from facedocket.kernel.refusals import Refused
from facedocket.settings import Settings
from facedocket.store.db import transaction
from facedocket.store.schema import AuditEntry, Purge, Review, Search, SearchRequest

ROUNDS = 3
WHY = "The order names this image and this gallery."

pytestmark = pytest.mark.slow


def search_as(session: Session, settings: Settings, username: str, request_id: int) -> int:
    actor = load_actor(session, username)
    return gate.run_search(session, settings, actor, request_id, pipeline()).id


def decide_as(
    session: Session, settings: Settings, username: str, action: str, request_id: int
) -> str:
    actor = load_actor(session, username)
    decide = requests.approve if action == "approve" else requests.reject
    return decide(session, settings, actor, request_id, WHY).state


def conclude_as(session: Session, username: str, request_id: int, candidate_id: int) -> int:
    actor = load_actor(session, username)
    return review.record_conclusion(
        session,
        actor,
        request_id,
        candidate_id,
        Conclusion.EXCLUDED,
        "Different ear shape and a different hairline.",
    ).id


def purge_as(session: Session, username: str, at: datetime) -> int:
    return len(purge(session, load_actor(session, username), at))


def submitted(world: World) -> int:
    number = world.draft()
    with transaction(world.sessions) as session:
        requests.submit(session, world.settings, world.actor("officer"), number)
    return number


def approved(world: World) -> int:
    number = submitted(world)
    with transaction(world.sessions) as session:
        requests.approve(session, world.settings, world.actor("intake"), number, WHY)
    return number


def late(call: Callable[[], object]) -> Answer:
    """What a caller gets after the race is over: the refusal every loser must match."""
    try:
        call()
    except Refused as refused:
        return Answer("refused", refused.code, tuple(refused.reasons))
    raise AssertionError("the late caller was not refused")


def actions(world: World, request_id: int) -> Counter[str]:
    with world.sessions() as session:
        query = select(AuditEntry.action).where(
            AuditEntry.subject_type == "request", AuditEntry.subject_id == str(request_id)
        )
        return Counter(session.scalars(query))


def test_one_search_order_is_searched_once(live: World, engine: Engine, racers: Racers) -> None:
    database = Database.of(engine)
    for _ in range(ROUNDS):
        number = approved(live)
        examiners = ["examiner", "examiner2"] * (RACERS // 2)
        answers = racers.race(
            database, [(search_as, (live.settings, name, number)) for name in examiners]
        )
        _, losers = one_winner(answers)
        with transaction(live.sessions) as session:
            refusal = late(partial(search_as, session, live.settings, "examiner", number))
        assert all(a == refusal for a in losers), (refusal, losers)
        assert count(live.sessions, Search, Search.request_id == number) == 1
        assert actions(live, number)["search.run"] == 1
        assert_verifies(live.sessions)


def test_searches_of_different_requests_all_run_and_record_new_settings_once(
    live: World, engine: Engine, racers: Racers
) -> None:
    """Nothing holds one request's search behind another's; the first searches under
    settings the record lacks, however many at once, record them once."""
    numbers = [approved(live) for _ in range(RACERS)]
    examiners = ["examiner", "examiner2"] * (RACERS // 2)
    calls = [
        (search_as, (live.settings, name, n)) for name, n in zip(examiners, numbers, strict=True)
    ]
    answers = racers.race(Database.of(engine), calls)
    assert [a.outcome for a in answers] == ["done"] * RACERS, answers
    assert count(live.sessions, AuditEntry, AuditEntry.action == "settings.gate_changed") == 1
    assert_verifies(live.sessions)


def test_approve_racing_reject_has_one_winner(live: World, engine: Engine, racers: Racers) -> None:
    database = Database.of(engine)
    for _ in range(ROUNDS):
        number = submitted(live)
        calls = [
            (decide_as, (live.settings, "intake" if i % 2 else "supervisor", action, number))
            for i, action in enumerate(["approve", "reject"] * (RACERS // 2))
        ]
        answers = racers.race(database, calls)
        winner, losers = one_winner(answers)
        with transaction(live.sessions) as session:
            refusals = {
                late(partial(decide_as, session, live.settings, "intake", action, number))
                for action in ("approve", "reject")
            }
        assert all(a in refusals for a in losers), (refusals, losers)
        with live.sessions() as session:
            state = session.get_one(SearchRequest, number).state
        assert state == winner.value
        recorded = actions(live, number)
        assert recorded["request.approved"] + recorded["request.rejected"] == 1
        assert recorded[f"request.{state}"] == 1
        assert_verifies(live.sessions)


def test_two_conclusions_on_one_candidate(live: World, engine: Engine, racers: Racers) -> None:
    database = Database.of(engine)
    for _ in range(ROUNDS):
        number = approved(live)
        with transaction(live.sessions) as session:
            found = gate.run_search(
                session, live.settings, live.actor("examiner"), number, live.pipeline
            )
            candidate = found.candidates[0].id
        examiners = ["examiner", "examiner2"] * (RACERS // 2)
        answers = racers.race(
            database, [(conclude_as, (name, number, candidate)) for name in examiners]
        )
        _, losers = one_winner(answers)
        assert {a.code for a in losers} == {"exists"}, losers
        assert count(live.sessions, Review, Review.candidate_id == candidate) == 1
        assert actions(live, number)["review.recorded"] == 1
        assert_verifies(live.sessions)


def under_maryland_rules(world: World) -> World:
    """Maryland keeps probes and candidate lists 1095 days, so a purge has work to do;
    its examiners are trained and search the "mva" gallery."""
    under_commission_rules(world)
    world.settings = world.settings.model_copy(update={"policy": "maryland-2024"})
    for examiner in ("examiner", "examiner2"):
        train(world, examiner)
    items = [EnrolmentItem(name, name.replace("_", " "), world.photo(name)) for name in PEOPLE]
    enrol(world.settings, world.sessions, "mva", items, workers=1, pipeline=world.pipeline)
    return world


def emergency(world: World) -> int:
    """An approved Maryland emergency request on the "mva" gallery."""
    form = world.form(kind="emergency").model_copy(update={"gallery": "mva"})
    probe = FileUpload(
        filename="probe.jpg",
        content=world.photo("Abdullah_Gul", 2).read_bytes(),
        source="Store camera, still frame",
    )
    with transaction(world.sessions) as session:
        officer = world.actor("officer")
        number = requests.create_request(
            session, world.settings, officer, form, [probe], pipeline=world.pipeline
        ).id
        requests.submit(session, world.settings, officer, number)
    with transaction(world.sessions) as session:
        requests.approve(session, world.settings, world.actor("supervisor"), number, WHY)
    return number


def test_a_purge_racing_a_search(live: World, engine: Engine, racers: Racers) -> None:
    world = under_maryland_rules(live)
    database = Database.of(engine)
    later = world.clock.at + timedelta(days=1100)  # past every retention period
    for _ in range(ROUNDS):
        number = emergency(world)
        calls = [
            (search_as, (world.settings, name, number)) for name in ("examiner", "examiner2") * 2
        ] + [(purge_as, ("admin", later))] * (RACERS // 2)
        answers = racers.race(database, calls)
        searched = count(world.sessions, Search, Search.request_id == number)
        assert searched <= 1
        refused = {a.code for a in answers if a.outcome == "refused"}
        assert refused <= {"purged", "policy"}, answers
        with world.sessions() as session:
            entries = session.execute(
                select(AuditEntry.seq, AuditEntry.action, AuditEntry.details).where(
                    AuditEntry.subject_type == "request", AuditEntry.subject_id == str(number)
                )
            ).all()
        purged = [
            details["document"]
            for _, action, details in entries
            if action == "retention.purged" and "document" in details
        ]
        assert len(purged) == len(set(purged)) == 1, "the probe is purged once, by one purger"
        assert count(world.sessions, Purge, Purge.request_id == number) == len(
            [e for e in entries if e.action == "retention.purged"]
        )
        run = [seq for seq, action, _ in entries if action == "search.run"]
        probe_gone = min(
            seq for seq, action, d in entries if action == "retention.purged" and "document" in d
        )
        assert all(seq < probe_gone for seq in run), "no search after its probe was purged"
        assert_verifies(world.sessions)
