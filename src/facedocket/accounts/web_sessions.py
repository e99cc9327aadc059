"""Browser sessions kept on the server: the cookie holds a random token, the table holds
its digest, the user, a CSRF token and two deadlines (absolute, and idle).

Signing out, an administrator deactivating the user, or either deadline ends a session at
once, because every request looks the session up; nothing lives only in the cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from facedocket.kernel.actors import Actor, load_actor
from facedocket.settings import Settings
from facedocket.store.schema import User, WebSession

TOUCH_EVERY = timedelta(minutes=1)  # write last_seen_at at most this often


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    session_id: int
    csrf_token: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_web_session(
    session: Session, settings: Settings, user: User, remote: str, at: datetime
) -> str:
    """Start a session for ``user``; returns the token for the cookie (shown only now)."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_sha256=digest(token),
            csrf_token=secrets.token_urlsafe(32),
            user_id=user.id,
            remote=remote[:100],
            created_at=at,
            last_seen_at=at,
            expires_at=at + timedelta(hours=settings.session_hours),
        )
    )
    session.flush()
    return token


def find_web_session(
    session: Session, settings: Settings, token: str, at: datetime
) -> SignedIn | None:
    row = session.scalar(select(WebSession).where(WebSession.token_sha256 == digest(token)))
    if row is None or row.ended_at is not None or at >= row.expires_at:
        return None
    if at - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        row.ended_at = at
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if at - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = at
    return SignedIn(load_actor(session, user.username), row.id, row.csrf_token)


def close_web_session(session: Session, token: str, at: datetime) -> int | None:
    """End the session of ``token``; its id, or None when it was not open."""
    row = session.scalar(
        select(WebSession).where(
            WebSession.token_sha256 == digest(token), WebSession.ended_at.is_(None)
        )
    )
    if row is None:
        return None
    row.ended_at = at
    return row.id


def open_web_sessions(
    session: Session, settings: Settings, user_id: int, at: datetime
) -> list[WebSession]:
    """The user's sessions that would still let a browser in: neither ended, expired nor
    idle past the limit."""
    idle_since = at - timedelta(minutes=settings.session_idle_minutes)
    return list(
        session.scalars(
            select(WebSession)
            .where(
                WebSession.user_id == user_id,
                WebSession.ended_at.is_(None),
                WebSession.expires_at > at,
                WebSession.last_seen_at >= idle_since,
            )
            .order_by(WebSession.id)
        )
    )


def close_all_web_sessions(
    session: Session, user_id: int, at: datetime, only: int | None = None
) -> int:
    """After a password change or a reset, every other browser must sign in again (or
    the one session ``only``, when an administrator ends it); how many sessions ended."""
    which = [WebSession.user_id == user_id, WebSession.ended_at.is_(None)]
    if only is not None:
        which.append(WebSession.id == only)
    ended = session.execute(update(WebSession).where(*which).values(ended_at=at))
    return cast(CursorResult[Any], ended).rowcount


def time_left(session: Session, settings: Settings, token: str, at: datetime) -> float | None:
    """Seconds until the session of ``token`` ends if nobody uses it, or None when it
    has ended; asking does not count as using it (a page's timer asks)."""
    row = session.scalar(select(WebSession).where(WebSession.token_sha256 == digest(token)))
    if row is None or row.ended_at is not None:
        return None
    idle_end = row.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    left = (min(idle_end, row.expires_at) - at).total_seconds()
    return left if left > 0 else None


def why_ended(session: Session, settings: Settings, token: str, at: datetime) -> str | None:
    """Why the session of ``token`` lets no one in: ``idle`` (the idle lock), ``expired``
    (it lasted as long as a session may), ``ended`` (signed out, or ended by a password
    change or an administrator); None when the token names no session at all."""
    row = session.scalar(select(WebSession).where(WebSession.token_sha256 == digest(token)))
    if row is None:
        return None
    idle = timedelta(minutes=settings.session_idle_minutes)
    stopped = row.ended_at or at
    if stopped - row.last_seen_at > idle:
        return "idle"
    if stopped >= row.expires_at:
        return "expired"
    return "ended"
