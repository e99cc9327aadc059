"""An administrator's changes that end a user's credentials: a password reset, and a
change of whether the user may act at all.

Whoever held the account before such a change (the person who lost their password, or
an attacker who took it over) may hold its browser sessions and API tokens too; if those
lived on, the reset or the deactivation would protect nothing, and reactivating the user
would bring an attacker's token back to life. So every session and token of the user
ends, in the same transaction, and the record says how many.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from facedocket.accounts.passwords import set_password
from facedocket.accounts.record import log_account
from facedocket.accounts.web_sessions import close_all_web_sessions
from facedocket.cases.directory import get_user, update_user
from facedocket.kernel.refusals import NotFound
from facedocket.kernel.roles import Role
from facedocket.store.schema import ApiToken, User

ADMINISTRATOR = Role.ADMINISTRATOR.value


def reset_password(session: Session, user: User, password: str, *, by: str, at: datetime) -> None:
    """Set ``user``'s password for them, for them to change at their next sign-in; every
    session and token they had ends."""
    set_password(session, user, password, by=by, role=ADMINISTRATOR, temporary=True)
    end_credentials(session, user, at, by=by, why="password_reset")


def change_user(
    session: Session,
    by: str,
    user_id: int,
    at: datetime,
    *,
    full_name: str | None = None,
    rank: str | None = None,
    roles: list[str] | None = None,
    active: bool | None = None,
) -> User:
    """``update_user``; a deactivation or a reactivation ends every session and token.

    Only a change of ``active`` does: the page sends the box with every edit, and a new
    rank must not sign the user out.
    """
    was_active = get_user(session, user_id).active
    changed = update_user(
        session, by, user_id, full_name=full_name, rank=rank, roles=roles, active=active
    )
    if changed.active != was_active:
        why = "reactivated" if changed.active else "deactivated"
        end_credentials(session, changed, at, by=by, why=why)
    return changed


def end_sessions(
    session: Session, user: User, at: datetime, *, by: str, only: int | None = None
) -> int:
    """An administrator signs ``user`` out of every browser (or of the session ``only``),
    say after a lost laptop; their API tokens stay. How many sessions ended."""
    ended = close_all_web_sessions(session, user.id, at, only)
    if only is not None and not ended:
        raise NotFound(f"{user.username} has no open session {only}")
    details: dict[str, Any] = {"username": user.username, "web_sessions": ended}
    if only is not None:
        details["session"] = only
    log_account(session, by, ADMINISTRATOR, "account.sessions_ended", user.id, details)
    return ended


def end_credentials(session: Session, user: User, at: datetime, *, by: str, why: str) -> None:
    sessions = close_all_web_sessions(session, user.id, at)
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    tokens = cast(CursorResult[Any], revoked).rowcount
    log_account(
        session,
        by,
        ADMINISTRATOR,
        "account.credentials_ended",
        user.id,
        {"username": user.username, "why": why, "web_sessions": sessions, "api_tokens": tokens},
    )
