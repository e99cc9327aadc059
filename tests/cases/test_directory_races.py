"""Directory decisions raced by real processes: one user per name, and two
administrators removing each other leave one (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.cases.conftest import World
from tests.races import RACERS, Database, Racers, assert_verifies, count, one_winner

from facedocket.cases.directory import add_user, update_user
from facedocket.store.db import transaction
from facedocket.store.schema import User

ROUNDS = 3

pytestmark = pytest.mark.slow


def add_user_as(session: Session, username: str) -> int:
    made = add_user(
        session,
        "admin:test",
        username=username,
        full_name="Pat Example",
        agency_code="state-police",
        roles=["examiner"],
    )
    return made.id


def deactivate(session: Session, username: str) -> bool:
    user = session.scalars(select(User).where(User.username == username)).one()
    return update_user(session, "admin:test", user.id, active=False).active


def test_one_user_per_name(live: World, engine: Engine, racers: Racers) -> None:
    database = Database.of(engine)
    for round_number in range(ROUNDS):
        name = f"new.examiner{round_number}"
        answers = racers.race(database, [(add_user_as, (name,))] * RACERS)
        _, losers = one_winner(answers)
        assert {(a.code, a.reasons) for a in losers} == {
            ("exists", (f"a user called {name!r} exists already",))
        }
        assert count(live.sessions, User, User.username == name) == 1
        assert_verifies(live.sessions)


def test_two_administrators_removing_each_other_leave_one(
    live: World, engine: Engine, racers: Racers
) -> None:
    database = Database.of(engine)
    for round_number in range(ROUNDS):
        pair = [f"admin{round_number}.{n}" for n in (1, 2)]
        with transaction(live.sessions) as session:
            for name in pair:
                add_user(
                    session,
                    "admin:test",
                    username=name,
                    full_name=name,
                    agency_code="state-police",
                    roles=["administrator"],
                )
            previous = session.scalars(select(User).where(User.username.like("admin%.%")))
            for user in previous:
                user.active = user.username in pair
        answers = racers.race(database, [(deactivate, (name,)) for name in pair * (RACERS // 2)])
        refused = [a for a in answers if a.outcome == "refused"]
        assert refused and {a.code for a in refused} == {"last_administrator"}, answers
        active = count(live.sessions, User, User.username.in_(pair), User.active.is_(True))
        assert active == 1
        assert_verifies(live.sessions)
