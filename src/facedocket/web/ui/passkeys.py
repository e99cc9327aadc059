"""Passkeys on the pages: signing in with one (alone, or after the password), removing
one, and making recovery codes. Adding one runs through the API (``web.api.passkeys``)
from the account page's script."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from facedocket.accounts.login import WRONG, LoginOutcome, authenticate_passkey
from facedocket.accounts.passkeys import remove_passkey, sign_in_options
from facedocket.accounts.recovery import new_recovery_codes
from facedocket.accounts.web_sessions import open_web_session
from facedocket.cases.directory import get_user
from facedocket.store.db import transaction
from facedocket.store.schema.base import utcnow
from facedocket.web.deps import AnyUser, ServicesDep, WriteSession
from facedocket.web.kept import loads
from facedocket.web.schemas.common import Id
from facedocket.web.security import login_cookie, login_form_ok, relying_party
from facedocket.web.ui.auth import (
    account_page,
    expired_form,
    refused_sign_in,
    remote_of,
    signed_in_again,
)
from facedocket.web.ui.forms import done

router = APIRouter()

FormToken = Annotated[str, Form(max_length=200)]


@router.post("/login/passkey/options")
def passkey_options(
    request: Request, session: WriteSession, app: ServicesDep, form_token: FormToken
) -> Response:
    """A challenge for a sign-in with a passkey alone (any of this site's passkeys)."""
    if not _login_form(request, app, form_token):
        return expired_form(request)
    options = sign_in_options(session, relying_party(request, app.settings), utcnow())
    return JSONResponse(json.loads(options))


@router.post("/login/passkey")
def passkey_sign_in(
    request: Request,
    app: ServicesDep,
    form_token: FormToken,
    credential: Annotated[str, Form(max_length=20_000)],
    next: Annotated[str, Form(max_length=2000)] = "/",
    kept: Annotated[str, Form()] = "",
) -> Response:
    """The authenticator's answer to either challenge (after the password, or alone);
    a form kept across signing in (``web.kept``) comes along, as with the password."""
    if not _login_form(request, app, form_token):
        return expired_form(request)
    remote, at = remote_of(request), utcnow()
    carried = loads(kept) if kept else None
    answer = _parsed(credential)
    # Its own transaction: the attempt is counted and recorded whatever the answer does next.
    with transaction(app.sessions) as session:
        if answer is None:
            outcome = LoginOutcome(None, WRONG)
        else:
            party = relying_party(request, app.settings)
            outcome = authenticate_passkey(session, party, answer, remote, at)
        token = (
            open_web_session(session, app.settings, outcome.user, remote, at)
            if outcome.user
            else None
        )
    if token is None:
        return refused_sign_in(request, outcome, form_token, next, carried)
    return signed_in_again(request, app, token, next, carried)


@router.post("/account/passkeys/{passkey_id}/remove")
def remove(session: WriteSession, me: AnyUser, passkey_id: Id) -> Response:
    remove_passkey(session, get_user(session, me.actor.user_id), passkey_id)
    return done("/account", "passkey_removed")


@router.post("/account/recovery-codes")
def recovery_codes(
    request: Request, session: WriteSession, app: ServicesDep, me: AnyUser
) -> Response:
    codes = new_recovery_codes(session, get_user(session, me.actor.user_id), utcnow())
    return account_page(request, session, app, me, recovery_codes=codes)


def _login_form(request: Request, app: ServicesDep, form_token: str) -> bool:
    nonce = request.cookies.get(login_cookie(app.settings))
    return login_form_ok(app.form_key, nonce, form_token)


def _parsed(credential: str) -> dict[str, Any] | None:
    try:
        found = json.loads(credential)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None
