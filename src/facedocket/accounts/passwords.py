"""Passwords, kept only as Argon2id hashes (argon2-cffi's RFC 9106 defaults).

Checking a name that has no password costs the same hash as a real one, so the time a
refusal takes does not tell an attacker which names exist.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from facedocket.accounts.record import SELF, log_account
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.store.schema import PasswordHash, User
from facedocket.store.schema.base import utcnow

MIN_LENGTH = 12
MAX_LENGTH = 1024  # Argon2 takes any length; a megabyte "password" is only a way to burn CPU
HASHER = PasswordHasher()


def password_problem(password: str, username: str) -> str | None:
    """Why ``password`` is not acceptable, or None. Length is what matters (NIST 800-63B)."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password has at most {MAX_LENGTH} characters"
    if username.lower() in password.lower():
        return "a password must not contain the username"
    return None


def set_password(
    session: Session, user: User, password: str, *, by: str, role: str, temporary: bool = False
) -> None:
    """Hash and store ``password`` for ``user``; refused when it is too weak. A
    ``temporary`` one (an administrator's) lets its user do nothing but change it."""
    problem = password_problem(password, user.username)
    if problem:
        raise Refused(problem, code=RefusalCode.WEAK_PASSWORD)
    row = session.get(PasswordHash, user.id)
    if row is None:
        session.add(PasswordHash(user_id=user.id, hash=HASHER.hash(password), temporary=temporary))
    else:
        row.hash, row.set_at, row.temporary = HASHER.hash(password), utcnow(), temporary
    session.flush()
    details = {"username": user.username, "temporary": temporary}
    log_account(session, by, role, "account.password_set", user.id, details)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """A user's own change: the current password proves it is them at the keyboard."""
    if not check_password(session, user, current):
        raise Refused("the current password is not right", code=RefusalCode.WRONG_PASSWORD)
    set_password(session, user, new, by=user.username, role=SELF)


def check_password(session: Session, user: User | None, password: str) -> bool:
    """Whether ``password`` is ``user``'s; upgrades the hash if the parameters changed."""
    row = session.get(PasswordHash, user.id) if user is not None else None
    if row is None or len(password) > MAX_LENGTH:
        _burn(password[:MAX_LENGTH])
        return False
    try:
        HASHER.verify(row.hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if HASHER.check_needs_rehash(row.hash):
        row.hash = HASHER.hash(password)
    return True


def has_password(session: Session, user_id: int) -> bool:
    return session.get(PasswordHash, user_id) is not None


def password_is_temporary(session: Session, user_id: int) -> bool:
    """Whether the user must change the password an administrator set before going on."""
    row = session.get(PasswordHash, user_id)
    return row is not None and row.temporary


@lru_cache(maxsize=2)
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Made on the first refusal, not at import: one hash costs every command a third of a
    # second. Per hasher, so a hasher with other parameters burns what a real check costs.
    return hasher.hash("facedocket: a password nobody has")


def _burn(password: str) -> None:
    with contextlib.suppress(VerificationError):
        HASHER.verify(_dummy_hash(HASHER), password)
