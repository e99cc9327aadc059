"""Signing in with a name, a password and (when the user turned it on) a TOTP code, a
passkey or a recovery code; or with a passkey alone.

Every try is recorded for throttling, and the answer to a failure is the same whatever was
wrong, so the form does not reveal which names exist or which factor failed. A user with
a passkey and no code typed is asked for the passkey once the password was right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.accounts.passkeys import Party, check_passkey, has_passkey
from facedocket.accounts.passwords import check_password
from facedocket.accounts.record import SELF, log_account
from facedocket.accounts.recovery import is_recovery_code, use_recovery_code
from facedocket.accounts.seeds import SeedCipher
from facedocket.accounts.throttle import WINDOW, record_attempt, throttle_key, throttled
from facedocket.accounts.totp import check_totp, totp_enabled
from facedocket.audit import append
from facedocket.cases.directory import checked_username
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.store.locks import lock_name
from facedocket.store.schema import User

ANONYMOUS = "anonymous"  # who the record names for a sign-in that proved no one
WRONG = "The username, password or code is not right."
WAIT = (
    f"Too many failed sign-ins. Wait {int(WINDOW.total_seconds() // 60)} minutes, "
    "or ask an administrator."
)
# A failed passkey sign-in is counted under this name and the address (no account has
# such a name: it holds a character usernames may not), so failures from one machine
# throttle that machine's passkey sign-ins without locking out anyone else's.
PASSKEY_TRY = "\ufffdpasskey"
# Why a sign-in was refused, as its entry on the record says it: the code the dashboard
# counts by and the words an auditor reads.
THROTTLED = (RefusalCode.THROTTLED, "throttled: too many failed sign-ins")
WRONG_FACTORS = (RefusalCode.SIGN_IN_FAILED, "the name, password or code was not right")
PASSKEY_REFUSED = (RefusalCode.PASSKEY_REFUSED, "the passkey's answer was not accepted")


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    message: str = ""
    throttled: bool = False
    passkey_for: User | None = None  # the password was right; the passkey comes next


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
        _refused(session, username, None, remote, THROTTLED)
        return LoginOutcome(None, WAIT, throttled=True)
    user = _known(session, username)
    ok = check_password(session, user, password) and user is not None and user.active
    factor = "password"
    if ok and user is not None:
        if is_recovery_code(code):
            ok, factor = use_recovery_code(session, user, code, at), "recovery_code"
        elif totp_enabled(session, user.id) and (code or not has_passkey(session, user.id)):
            ok, factor = check_totp(session, cipher, user.id, code, at), "totp"
        elif has_passkey(session, user.id):
            record_attempt(session, username, remote, True, at)
            return LoginOutcome(None, passkey_for=user)
    record_attempt(session, username, remote, ok, at)
    if not ok or user is None:
        _refused(session, username, user, remote, WRONG_FACTORS)
        return LoginOutcome(None, WRONG)
    _signed_in(session, user, remote, factor)
    return LoginOutcome(user)


def _refused(
    session: Session, username: str, user: User | None, remote: str, why: tuple[RefusalCode, str]
) -> None:
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
        details={"name": name, "remote": remote, "code": why[0], "reasons": [why[1]]},
    )


def refused_sign_on(session: Session, provider: str, remote: str, refused: Refused) -> None:
    """A single sign-on refused (the provider's answer, its state, or the account here) on
    the record, under the provider: the person it would have signed in is not proved. Its
    code says which, for the dashboard's refusals by reason."""
    append(
        session,
        actor=ANONYMOUS,
        role="none",
        action="account.sign_in_refused",
        subject_type="identity provider",
        subject_id=provider,
        details={
            "provider": provider,
            "remote": remote,
            "code": refused.code.value,
            "reasons": list(refused.reasons),
        },
    )


def authenticate_passkey(
    session: Session, party: Party, credential: dict[str, Any], remote: str, at: datetime
) -> LoginOutcome:
    """A passkey's answer: the second step after a password, or a sign-in on its own."""
    lock_name(session, "sign-in address", remote)
    tries = f"{PASSKEY_TRY} {remote}"
    if throttled(session, tries, remote, at):
        _refused(session, PASSKEY_TRY, None, remote, THROTTLED)
        return LoginOutcome(None, WAIT, throttled=True)
    try:
        user = check_passkey(session, party, credential, at)
    except Refused:
        record_attempt(session, tries, remote, False, at)
        _refused(session, PASSKEY_TRY, None, remote, PASSKEY_REFUSED)
        return LoginOutcome(None, WRONG)
    record_attempt(session, user.username, remote, True, at)
    _signed_in(session, user, remote, "passkey")
    return LoginOutcome(user)


def _signed_in(session: Session, user: User, remote: str, factor: str) -> None:
    details = {"remote": remote, "with": factor}
    log_account(session, user.username, SELF, "account.signed_in", user.id, details)


def _known(session: Session, username: str) -> User | None:
    """The user a typed name names, by its normal form; a name no account could have (a
    NUL, a space) names nobody and is not looked up at all."""
    try:
        name = checked_username(username)
    except ValueError:
        return None
    return session.scalar(select(User).where(User.username == name))
