"""One TOTP code sent by many processes at once (the original and its replays): the
second-factor lock lets exactly one be accepted, for confirming and for turning off."""

from __future__ import annotations

import time

import pyotp
from cryptography.fernet import Fernet
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from tests.accounts.people import officer
from tests.races import RACERS, Database, Racers, assert_verifies, count, one_winner

from facedocket.accounts.seeds import SeedCipher
from facedocket.accounts.totp import begin_totp, confirm_totp, disable_totp
from facedocket.cases.directory import get_user
from facedocket.store.schema import AuditEntry, TotpSecret


def confirm(session: Session, key: bytes, user_id: int, code: str) -> None:
    confirm_totp(session, SeedCipher(key), get_user(session, user_id), code)


def disable(session: Session, key: bytes, user_id: int, code: str) -> None:
    disable_totp(session, SeedCipher(key), get_user(session, user_id), code)


def test_one_code_confirms_once_and_turns_off_once(
    engine: Engine, sessions: sessionmaker[Session], racers: Racers
) -> None:
    key = Fernet.generate_key()
    with sessions.begin() as session:
        user = officer(session)
        started = begin_totp(session, SeedCipher(key), user)
        user_id = user.id
    totp, database = pyotp.TOTP(started.secret), Database.of(engine)

    answers = racers.race(database, [(confirm, (key, user_id, totp.now()))] * RACERS)
    _, lost = one_winner(answers)
    assert {a.code for a in lost} <= {"totp_not_started", "wrong_code"}, lost
    assert count(sessions, AuditEntry, AuditEntry.action == "account.totp_enabled") == 1

    # The next step's code, sent eight times: turned off once, the replays refused.
    later = totp.at(time.time() + 30)
    answers = racers.race(database, [(disable, (key, user_id, later))] * RACERS)
    _, lost = one_winner(answers)
    assert {a.code for a in lost} <= {"totp_off"}, lost
    assert count(sessions, TotpSecret) == 0
    assert count(sessions, AuditEntry, AuditEntry.action == "account.totp_disabled") == 1
    assert_verifies(sessions)
