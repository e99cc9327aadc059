"""Personal API tokens for machine clients: shown once, stored as a SHA-256 digest.

A token acts as its owner, with the owner's roles as they are at each request, so taking a
role away or deactivating the user takes effect for the token at once. Every token
expires (a forgotten one in a script stops working by itself), and one made with the
``read`` scope only reads: an auditor's tools need no power to change anything, so a
copy that leaks from them cannot.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket import limits
from facedocket.accounts.record import SELF, log_account
from facedocket.kernel.actors import Actor, load_actor
from facedocket.kernel.refusals import NotFound, RefusalCode, Refused
from facedocket.store.schema import ApiToken, User

PREFIX = "fdk_"
Scope = Literal["full", "read"]
SCOPES: tuple[Scope, ...] = ("full", "read")
DEFAULT_DAYS = 90


@dataclass(frozen=True)
class TokenCaller:
    actor: Actor
    read_only: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    user: User,
    name: str,
    at: datetime,
    days: int = DEFAULT_DAYS,
    scope: str = "full",
    longest: int = 366,
) -> tuple[str, ApiToken]:
    """A new token for ``user``; the secret is returned here and never again."""
    try:
        name = limits.checked_line("name", name, limits.TOKEN_NAME)
    except ValueError as error:
        raise Refused(str(error), code=RefusalCode.INVALID) from None
    if scope not in SCOPES:
        raise Refused(f"a token's scope is one of {', '.join(SCOPES)}", code=RefusalCode.INVALID)
    if not 1 <= days <= longest:
        raise Refused(
            f"a token lives from 1 to {longest} days, not {days}", code=RefusalCode.INVALID
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:12],
        token_sha256=_digest(secret),
        created_at=at,
        expires_at=at + timedelta(days=days),
        scope=scope,
    )
    session.add(row)
    session.flush()
    log_account(
        session,
        user.username,
        SELF,
        "account.token_created",
        user.id,
        {"token": row.id, "name": name, "expires_at": str(row.expires_at), "scope": scope},
    )
    return secret, row


def token_caller(session: Session, secret: str, at: datetime) -> TokenCaller | None:
    """The active user a token belongs to, if the token is known, unrevoked and unexpired."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(secret)))
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and at >= row.expires_at:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = at
    return TokenCaller(load_actor(session, user.username), read_only=row.scope == "read")


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, user: User, token_id: int, at: datetime) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = at
        log_account(
            session, user.username, SELF, "account.token_revoked", user.id, {"token": row.id}
        )
    return row
