"""Parallel wrong passwords on one name, from real processes: the throttle's count is
taken under a lock, so no more than the limit are ever checked."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.races import RACERS, Database, Racers

from facedocket.accounts.login import authenticate
from facedocket.accounts.passwords import set_password
from facedocket.accounts.seeds import SeedCipher
from facedocket.accounts.throttle import MAX_FAILURES_PER_NAME
from facedocket.audit import verify
from facedocket.cases.directory import add_agency, add_user
from facedocket.store.schema import LoginAttempt
from facedocket.store.schema.base import utcnow

ROUNDS = 3
PASSWORD = "correct horse battery staple 42"


def wrong_password(session: Session, username: str, remote: str) -> bool:
    """One sign-in with a wrong password; True when it was throttled before any check."""
    cipher = SeedCipher(Fernet.generate_key())  # no second factor is turned on
    outcome = authenticate(session, cipher, username, "a wrong guess at it", "", remote, utcnow())
    assert outcome.user is None
    return outcome.throttled


def test_parallel_wrong_passwords_check_no_more_than_the_limit(
    engine: Engine, sessions: sessionmaker[Session], racers: Racers
) -> None:
    names = [f"officer{n}" for n in range(ROUNDS)]
    with sessions.begin() as session:
        add_agency(session, "operator:test", "bpd", "Boston Police Department")
        for name in names:
            user = add_user(
                session,
                "operator:test",
                username=name,
                full_name=name,
                agency_code="bpd",
                roles=["requester"],
            )
            set_password(session, user, PASSWORD, by="operator:test", role="administrator")
    database = Database.of(engine)
    assert RACERS > MAX_FAILURES_PER_NAME
    for round_number, name in enumerate(names):
        remote = f"192.0.2.{round_number + 1}"
        answers = racers.race(database, [(wrong_password, (name, remote))] * RACERS)
        throttled = [a.value for a in answers]
        assert throttled.count(False) == MAX_FAILURES_PER_NAME, throttled
        with sessions() as session:
            checked = session.scalar(select(func.count()).where(LoginAttempt.username == name))
            assert checked == MAX_FAILURES_PER_NAME
            assert verify(session).ok
