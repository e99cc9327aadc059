"""Signing in with a name, a password and (when the user turned it on) a TOTP code.

Every try is recorded for throttling, and the answer to a failure is the same whatever was
wrong, so the form does not reveal which names exist or which factor failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.accounts.passwords import check_password
from facedocket.accounts.record import SELF, log_account
from facedocket.accounts.seeds import SeedCipher
from facedocket.accounts.throttle import WINDOW, record_attempt, throttle_key, throttled
from facedocket.accounts.totp import check_totp, totp_enabled
from facedocket.audit import append
from facedocket.cases.directory import checked_username
from facedocket.store.locks import lock_name
from facedocket.store.schema import User

ANONYMOUS = "anonymous"  # who the record names for a sign-in that proved no one
WRONG = "The username, password or code is not right."
WAIT = (
    f"Too many failed sign-ins. Wait {int(WINDOW.total_seconds() // 60)} minutes, "
    "or ask an administrator."
)


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    message: str = ""
    throttled: bool = False


def authenticate(
    session: Session,
    cipher: SeedCipher,
    username: str,
    password: str,
    code: str,
    remote: str,
    at: datetime,
) -> LoginOutcome:
    """Check the factors; the caller commits either way, so failures are counted.

    The name and the address are locked before the failures are counted, so parallel
    tries on one name are checked one after another and no more than the limit get a
    password check, however many processes serve sign-ins.
    """
    lock_name(session, "sign-in name", throttle_key(username))
    lock_name(session, "sign-in address", remote)
    if throttled(session, username, remote, at):
        _refused(session, username, None, remote, "throttled: too many failed sign-ins")
        return LoginOutcome(None, WAIT, throttled=True)
    user = _known(session, username)
    ok = check_password(session, user, password) and user is not None and user.active
    if ok and user is not None and totp_enabled(session, user.id):
        ok = check_totp(session, cipher, user.id, code, at)
    record_attempt(session, username, remote, ok, at)
    if not ok or user is None:
        _refused(session, username, user, remote, "the name, password or code was not right")
        return LoginOutcome(None, WRONG)
    log_account(session, user.username, SELF, "account.signed_in", user.id, {"remote": remote})
    return LoginOutcome(user)


def _refused(session: Session, username: str, user: User | None, remote: str, why: str) -> None:
    """A refused sign-in on the record, in the transaction that counts it (which commits):
    under the user it named, or under the name itself when it names nobody. Which factor
    failed is not said here either, as the form does not say it."""
    name = throttle_key(username)
    append(
        session,
        actor=ANONYMOUS,
        role="none",
        action="account.sign_in_refused",
        subject_type="user" if user is not None else "sign-in name",
        subject_id=user.id if user is not None else name or "(empty)",
        details={"name": name, "remote": remote, "reasons": [why]},
    )


def _known(session: Session, username: str) -> User | None:
    """The user a typed name names, by its normal form; a name no account could have (a
    NUL, a space) names nobody and is not looked up at all."""
    try:
        name = checked_username(username)
    except ValueError:
        return None
    return session.scalar(select(User).where(User.username == name))
