"""Login throttling: too many failures for one name, or from one address, and sign-in
waits until the window passes.

Both counts matter: per name stops guessing one officer's password from many machines;
per address stops one machine trying many names. A success does not wipe the failures,
so an attacker who knows one password cannot use it to reset the count on another name.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facedocket import limits
from facedocket.cases.directory import normal_username
from facedocket.limits import CONTROL
from facedocket.store.schema import LoginAttempt

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 20


def throttled(session: Session, username: str, remote: str, at: datetime) -> bool:
    since = at - WINDOW
    failures = select(func.count()).where(
        LoginAttempt.at > since, LoginAttempt.succeeded.is_(False)
    )
    by_name = session.scalar(failures.where(LoginAttempt.username == throttle_key(username))) or 0
    by_address = session.scalar(failures.where(LoginAttempt.remote == _address(remote))) or 0
    return by_name >= MAX_FAILURES_PER_NAME or by_address >= MAX_FAILURES_PER_ADDRESS


def record_attempt(
    session: Session, username: str, remote: str, succeeded: bool, at: datetime
) -> None:
    session.add(
        LoginAttempt(
            username=throttle_key(username), remote=_address(remote), at=at, succeeded=succeeded
        )
    )
    session.flush()


def throttle_key(username: str) -> str:
    """The name failures are counted under (and locked by while they are counted): its
    normal form, so 'Officer' and 'officer' share one count, with what the database
    cannot hold (a NUL) made visible instead."""
    return CONTROL.sub("\ufffd", normal_username(username))[: limits.USERNAME]


def _address(remote: str) -> str:
    return CONTROL.sub("\ufffd", remote)[:100]
