"""The signed-in user's own account: who am I, password, API tokens, second factor."""

from __future__ import annotations

from fastapi import APIRouter

from facedocket.accounts.passwords import change_password
from facedocket.accounts.tokens import create_token, list_tokens, revoke_token
from facedocket.accounts.totp import begin_totp, confirm_totp, disable_totp
from facedocket.accounts.web_sessions import close_all_web_sessions
from facedocket.cases.directory import get_user
from facedocket.store.db import transaction
from facedocket.store.schema.base import utcnow
from facedocket.web.api.directory import user_public
from facedocket.web.deps import AnyUser, ServicesDep, SettingUp
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
def me(app: ServicesDep, caller: SettingUp) -> UserPublic:
    with app.sessions() as session:
        return user_public(session, get_user(session, caller.actor.user_id))


@router.put("/password", status_code=204)
def new_password(app: ServicesDep, caller: AnyUser, body: PasswordChange) -> None:
    """Change your password; every browser session of yours ends (tokens stay)."""
    with transaction(app.sessions) as session:
        user = get_user(session, caller.actor.user_id)
        change_password(session, user, body.current_password, body.new_password)
        close_all_web_sessions(session, user.id, utcnow())


@router.get("/tokens")
def tokens(app: ServicesDep, caller: AnyUser) -> list[TokenPublic]:
    with app.sessions() as session:
        return [TokenPublic.model_validate(t) for t in list_tokens(session, caller.actor.user_id)]


@router.post("/tokens", status_code=201)
def new_token(app: ServicesDep, caller: AnyUser, body: TokenCreate) -> TokenCreated:
    with transaction(app.sessions) as session:
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
def revoke(app: ServicesDep, caller: AnyUser, token_id: Id) -> TokenPublic:
    with transaction(app.sessions) as session:
        user = get_user(session, caller.actor.user_id)
        return TokenPublic.model_validate(revoke_token(session, user, token_id, utcnow()))


@router.post("/totp", status_code=201)
def start_totp(app: ServicesDep, caller: SettingUp) -> TotpStartPublic:
    """A new secret for an authenticator app; confirm it with a first code."""
    with transaction(app.sessions) as session:
        started = begin_totp(session, app.seeds, get_user(session, caller.actor.user_id))
        return TotpStartPublic(secret=started.secret, uri=started.uri)


@router.post("/totp/confirm", status_code=204)
def confirm(app: ServicesDep, caller: SettingUp, body: TotpCode) -> None:
    with transaction(app.sessions) as session:
        confirm_totp(session, app.seeds, get_user(session, caller.actor.user_id), body.code)


@router.post("/totp/disable", status_code=204)
def disable(app: ServicesDep, caller: AnyUser, body: TotpCode) -> None:
    with transaction(app.sessions) as session:
        disable_totp(session, app.seeds, get_user(session, caller.actor.user_id), body.code)
