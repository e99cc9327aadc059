"""One passkey answer delivered to many processes at once (the original and its
replays): the challenge is locked while it is used up, so exactly one signs in."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from tests.accounts.authenticator import Authenticator
from tests.accounts.people import officer
from tests.races import RACERS, Database, Racers, assert_verifies, one_winner

from facedocket.accounts.passkeys import (
    Party,
    add_passkey,
    check_passkey,
    registration_options,
    sign_in_options,
)
from facedocket.store.schema.base import utcnow

PARTY = Party(rp_id="testserver", origin="http://testserver")


def warm(session: Session) -> None:
    """Load webauthn in each racer first: its import takes longer than the race."""
    from webauthn import verify_authentication_response  # noqa: F401


def answer(session: Session, credential: dict[str, Any]) -> str:
    return check_passkey(session, PARTY, credential, utcnow()).username


def test_one_answer_signs_in_once(
    engine: Engine, sessions: sessionmaker[Session], racers: Racers
) -> None:
    # A key whose counter stays at 0 (as synced passkeys' do), so the counter cannot
    # expose a replay: only the challenge, used up under its lock, refuses it.
    key = Authenticator(counts=False)
    with sessions.begin() as session:
        user = officer(session)
        made = json.loads(registration_options(session, PARTY, user, utcnow()))
        add_passkey(session, PARTY, user, key.register(made), "key", utcnow())
        options = json.loads(sign_in_options(session, PARTY, utcnow()))
    signed, database = key.sign(options), Database.of(engine)
    racers.race(database, [(warm, ())] * RACERS)
    answers = racers.race(database, [(answer, (signed,))] * RACERS)
    won, lost = one_winner(answers)
    assert won.value == "officer"
    assert {a.code for a in lost} == {"passkey_refused"}, lost
    assert_verifies(sessions)
