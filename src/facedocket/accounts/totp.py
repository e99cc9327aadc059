"""An optional second factor: time-based one-time codes (RFC 6238) from an authenticator app.

A secret counts only after the user proves their app has it by typing a first code, and
each accepted code is remembered by its time step, so an overheard code is good once. The
secret is stored sealed (``accounts.seeds``); it is opened only to check a code.

Every decision over a user's factor (start, confirm, turn off, check a code) reads the
row and then writes it, so each takes the user's second-factor lock first: two requests
with one code (a replay racing the original) cannot both be accepted.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy.orm import Session

from facedocket.accounts.record import SELF, log_account
from facedocket.accounts.seeds import SeedCipher
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.store.locks import lock_name
from facedocket.store.schema import TotpSecret, User
from facedocket.store.schema.base import utcnow

ISSUER = "FaceDocket"
DRIFT_STEPS = 1  # a code from the step before or after is accepted (clock drift)


@dataclass(frozen=True)
class TotpStart:
    secret: str
    uri: str


def totp_enabled(session: Session, user_id: int) -> bool:
    row = session.get(TotpSecret, user_id)
    return row is not None and row.confirmed_at is not None


def begin_totp(session: Session, cipher: SeedCipher, user: User) -> TotpStart:
    """A new secret for the user's app; it takes effect once ``confirm_totp`` sees a code."""
    row = _locked(session, user.id)
    if row is not None and row.confirmed_at is not None:
        raise Refused("a second factor is already on; turn it off first", code=RefusalCode.TOTP_ON)
    secret = pyotp.random_base32()
    sealed = cipher.seal(secret)
    if row is None:
        session.add(TotpSecret(user_id=user.id, secret=sealed))
    else:
        row.secret, row.created_at, row.last_step = sealed, utcnow(), None
    session.flush()
    log_account(session, user.username, SELF, "account.totp_started", user.id)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return TotpStart(secret, uri)


def confirm_totp(
    session: Session, cipher: SeedCipher, user: User, code: str, at: datetime | None = None
) -> None:
    row = _locked(session, user.id)
    if row is None or row.confirmed_at is not None:
        raise Refused("start setting up a second factor first", code=RefusalCode.TOTP_NOT_STARTED)
    if not _accept(cipher, row, code, at or utcnow()):
        raise Refused("that code is not right; check the app's clock", code=RefusalCode.WRONG_CODE)
    row.confirmed_at = utcnow()
    log_account(session, user.username, SELF, "account.totp_enabled", user.id)


def disable_totp(
    session: Session, cipher: SeedCipher, user: User, code: str, at: datetime | None = None
) -> None:
    """The user turns it off, proving with a current code that the factor is theirs."""
    row = _locked(session, user.id)
    if row is None or row.confirmed_at is None:
        raise Refused("no second factor is on", code=RefusalCode.TOTP_OFF)
    if not _accept(cipher, row, code, at or utcnow()):
        raise Refused("that code is not right", code=RefusalCode.WRONG_CODE)
    session.delete(row)
    log_account(session, user.username, SELF, "account.totp_disabled", user.id)


def reset_totp(session: Session, user: User, by: str) -> None:
    """An administrator removes a lost factor; the user sets up a new one."""
    row = _locked(session, user.id)
    if row is None:
        raise Refused(f"{user.username} has no second factor", code=RefusalCode.TOTP_OFF)
    session.delete(row)
    log_account(session, by, "administrator", "account.totp_reset", user.id)


def check_totp(session: Session, cipher: SeedCipher, user_id: int, code: str, at: datetime) -> bool:
    """Whether ``code`` passes the user's confirmed second factor (and consume it)."""
    row = _locked(session, user_id)
    return row is not None and row.confirmed_at is not None and _accept(cipher, row, code, at)


def _locked(session: Session, user_id: int) -> TotpSecret | None:
    lock_name(session, "second factor", str(user_id))
    return session.get(TotpSecret, user_id)


def _accept(cipher: SeedCipher, row: TotpSecret, code: str, at: datetime) -> bool:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(cipher.open(row.secret))
    now = totp.timecode(at)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        fresh = row.last_step is None or step > row.last_step
        if fresh and hmac.compare_digest(totp.generate_otp(step), code):
            row.last_step = step
            return True
    return False
