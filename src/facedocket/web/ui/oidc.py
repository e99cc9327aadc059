"""Single sign-on pages: off to the agency's identity provider, and back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from facedocket.accounts import oidc
from facedocket.accounts.federation import federated_user
from facedocket.accounts.login import LoginOutcome
from facedocket.accounts.web_sessions import open_web_session
from facedocket.kernel.refusals import NotFound, RefusalCode, Refused
from facedocket.settings import OidcProvider, Settings
from facedocket.store.db import transaction
from facedocket.store.schema.base import utcnow
from facedocket.web.deps import ServicesDep
from facedocket.web.security import relying_party
from facedocket.web.ui.auth import refused_sign_in, remote_of, signed_in
from facedocket.web.ui.forms import local_path

router = APIRouter(prefix="/login/oidc")

Text = Annotated[str, Query(max_length=4000)]
COOKIE_PATH = "/login/oidc"


def cookie_name(settings: Settings) -> str:
    return "facedocket_oidc" if not settings.secure_cookies else "__Secure-facedocket-oidc"


@router.get("/{name}")
def start(request: Request, app: ServicesDep, name: str, next: str = "/") -> Response:
    provider = _provider(app.settings, name)
    started = oidc.start(
        provider, _callback(request, app.settings, name), local_path(next), app.form_key, utcnow()
    )
    response = RedirectResponse(started.url, status_code=303)
    # Lax, not Strict: the provider sends the browser back with a top-level GET from its
    # own site, and a Strict cookie would stay behind.
    response.set_cookie(
        cookie_name(app.settings),
        started.cookie,
        max_age=int(oidc.LIFE.total_seconds()),
        httponly=True,
        secure=app.settings.secure_cookies,
        samesite="lax",
        path=COOKIE_PATH,
    )
    return response


@router.get("/{name}/callback")
def callback(
    request: Request,
    app: ServicesDep,
    name: str,
    state: Text = "",
    code: Text = "",
    error: Text = "",
) -> Response:
    provider = _provider(app.settings, name)
    remote, at = remote_of(request), utcnow()
    cookie = request.cookies.get(cookie_name(app.settings))
    token, next_path, message = None, "/", ""
    try:
        if error or not code:
            raise Refused("the identity provider did not sign you in", code=RefusalCode.OIDC)
        claims, next_path = oidc.finish(
            provider, _callback(request, app.settings, name), cookie, state, code, app.form_key, at
        )
        # Its own transaction: a refused sign-on, answered below, rolls back what it began.
        with transaction(app.sessions) as session:
            user = federated_user(session, provider.name, provider.claim, claims, remote)
            token = open_web_session(session, app.settings, user, remote, at)
    except Refused as refused:
        message = "Single sign-on refused: " + " ".join(refused.reasons)
    if token is None:
        return refused_sign_in(request, LoginOutcome(None, message), "", "/")
    response = signed_in(app.settings, token, next_path, request)
    response.delete_cookie(cookie_name(app.settings), path=COOKIE_PATH)
    return response


def _provider(settings: Settings, name: str) -> OidcProvider:
    found = next((p for p in settings.oidc_providers if p.name == name), None)
    if found is None:
        raise NotFound(f"no identity provider {name!r}")
    return found


def _callback(request: Request, settings: Settings, name: str) -> str:
    return f"{relying_party(request, settings).origin}/login/oidc/{name}/callback"
