"""The signed-in user's own account: who am I, password, API tokens, second factor."""

from __future__ import annotations

from fastapi import APIRouter

from facedocket.accounts.passwords import change_password
from facedocket.accounts.tokens import create_token, list_tokens, revoke_token
from facedocket.accounts.totp import begin_totp, confirm_totp, disable_totp
from facedocket.accounts.web_sessions import close_all_web_sessions
from facedocket.cases.directory import get_user
from facedocket.store.schema.base import utcnow
from facedocket.web.api.directory import user_public
from facedocket.web.deps import (
    AnyUser,
    ReadSession,
    ServicesDep,
    SettingUp,
    WriteSession,
)
from facedocket.web.schemas.common import Id
from facedocket.web.schemas.directory import (
    PasswordChange,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    TotpCode,
    TotpStartPublic,
    UserPublic,
)

router = APIRouter(prefix="/me", tags=["account"])


@router.get("")
def me(session: ReadSession, caller: SettingUp) -> UserPublic:
    return user_public(session, get_user(session, caller.actor.user_id))


@router.put("/password", status_code=204)
def new_password(session: WriteSession, caller: SettingUp, body: PasswordChange) -> None:
    """Change your password; every browser session of yours ends (tokens stay)."""
    user = get_user(session, caller.actor.user_id)
    change_password(session, user, body.current_password, body.new_password)
    close_all_web_sessions(session, user.id, utcnow())


@router.get("/tokens")
def tokens(session: ReadSession, caller: AnyUser) -> list[TokenPublic]:
    return [TokenPublic.model_validate(t) for t in list_tokens(session, caller.actor.user_id)]


@router.post("/tokens", status_code=201)
def new_token(
    session: WriteSession, app: ServicesDep, caller: AnyUser, body: TokenCreate
) -> TokenCreated:
    user = get_user(session, caller.actor.user_id)
    secret, row = create_token(
        session,
        user,
        body.name,
        utcnow(),
        body.days,
        body.scope,
        longest=app.settings.api_token_max_days,
    )
    return TokenCreated(token=secret, details=TokenPublic.model_validate(row))


@router.delete("/tokens/{token_id}")
def revoke(session: WriteSession, caller: AnyUser, token_id: Id) -> TokenPublic:
    user = get_user(session, caller.actor.user_id)
    return TokenPublic.model_validate(revoke_token(session, user, token_id, utcnow()))


@router.post("/totp", status_code=201)
def start_totp(session: WriteSession, app: ServicesDep, caller: SettingUp) -> TotpStartPublic:
    """A new secret for an authenticator app; confirm it with a first code."""
    started = begin_totp(session, app.seeds, get_user(session, caller.actor.user_id))
    return TotpStartPublic(secret=started.secret, uri=started.uri)


@router.post("/totp/confirm", status_code=204)
def confirm(session: WriteSession, app: ServicesDep, caller: SettingUp, body: TotpCode) -> None:
    confirm_totp(session, app.seeds, get_user(session, caller.actor.user_id), body.code)


@router.post("/totp/disable", status_code=204)
def disable(session: WriteSession, app: ServicesDep, caller: AnyUser, body: TotpCode) -> None:
    disable_totp(session, app.seeds, get_user(session, caller.actor.user_id), body.code)
