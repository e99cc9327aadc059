"""Recovery codes: ten one-time codes, for the day a person's phone or passkey is lost.

Each code stands in for the second factor once. They are shown when made and never
again; the table keeps only their SHA-256 digests (each code is 80 random bits, so a
fast hash suffices, as for API tokens). Making a new set voids the old one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from facedocket.accounts.record import SELF, log_account
from facedocket.store.locks import lock_name
from facedocket.store.schema import RecoveryCode, User

COUNT = 10
SHAPE = re.compile(r"^[0-9a-f]{20}$")


def new_recovery_codes(session: Session, user: User, at: datetime) -> list[str]:
    """A fresh set for ``user`` (the old ones stop working); shown now and never again."""
    lock_name(session, "second factor", str(user.id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join(_groups(secrets.token_hex(10))) for _ in range(COUNT)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_sha256=_digest(code), created_at=at))
    session.flush()
    log_account(
        session, user.username, SELF, "account.recovery_codes_made", user.id, {"count": COUNT}
    )
    return codes


def is_recovery_code(typed: str) -> bool:
    """Whether what was typed in the code field has a recovery code's shape (not a TOTP)."""
    return SHAPE.match(_plain(typed)) is not None


def use_recovery_code(session: Session, user: User, typed: str, at: datetime) -> bool:
    """Whether ``typed`` is one of the user's unused codes; it is used up if so."""
    lock_name(session, "second factor", str(user.id))
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_sha256 == _digest(typed),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = at
    left = session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    log_account(session, user.username, SELF, "account.recovery_code_used", user.id, {"left": left})
    return True


def recovery_codes_left(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def _plain(typed: str) -> str:
    return typed.strip().lower().replace("-", "").replace(" ", "")


def _groups(code: str) -> list[str]:
    return [code[i : i + 5] for i in range(0, len(code), 5)]


def _digest(code: str) -> str:
    return hashlib.sha256(_plain(code).encode()).hexdigest()
