"""Login throttling: too many failures for one name, or from one address, and sign-in
waits until the window passes.

Both counts matter: per name stops guessing one officer's password from many machines;
per address stops one machine trying many names. A success does not wipe the failures,
so an attacker who knows one password cannot use it to reset the count on another name.
An administrator can: ``unlock`` clears a name's failures, on the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from facedocket import limits
from facedocket.accounts.record import log_account
from facedocket.cases.directory import normal_username
from facedocket.limits import CONTROL
from facedocket.store.locks import lock_name
from facedocket.store.schema import LoginAttempt, User

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


@dataclass(frozen=True)
class NameLock:
    """A name locked by its failures: how many in the window, and when the lock lifts."""

    failures: int
    until: datetime


def name_lock(session: Session, username: str, at: datetime) -> NameLock | None:
    """Whether sign-ins as ``username`` are refused now for the name's own failures."""
    failed = list(
        session.scalars(
            select(LoginAttempt.at)
            .where(
                LoginAttempt.username == throttle_key(username),
                LoginAttempt.at > at - WINDOW,
                LoginAttempt.succeeded.is_(False),
            )
            .order_by(LoginAttempt.at)
        )
    )
    if len(failed) < MAX_FAILURES_PER_NAME:
        return None
    # Locked while the window holds the limit: until the failure that keeps it there leaves.
    return NameLock(len(failed), failed[len(failed) - MAX_FAILURES_PER_NAME] + WINDOW)


def unlock(session: Session, user: User, by: str, role: str, at: datetime) -> int:
    """Clear the failures counted under ``user``'s name (they count against its address
    no longer either), on the record; how many were cleared. The refused sign-ins stay on
    the record as they were."""
    key = throttle_key(user.username)
    lock_name(session, "sign-in name", key)
    deleted = session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.username == key,
            LoginAttempt.at > at - WINDOW,
            LoginAttempt.succeeded.is_(False),
        )
    )
    cleared = cast(CursorResult[Any], deleted).rowcount
    details = {"username": user.username, "failures_cleared": cleared}
    log_account(session, by, role, "account.unlocked", user.id, details)
    return cleared
