"""Single sign-on pages: off to the agency's identity provider, and back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from facedocket.accounts import oidc
from facedocket.accounts.federation import federated_user
from facedocket.accounts.login import LoginOutcome, refused_sign_on
from facedocket.accounts.web_sessions import open_web_session
from facedocket.kernel.refusals import NotFound, RefusalCode, Refused
from facedocket.settings import OidcProvider, Settings
from facedocket.store.db import transaction
from facedocket.store.schema.base import utcnow
from facedocket.web.deps import ServicesDep
from facedocket.web.kept import loads, packed, unpacked
from facedocket.web.render import page
from facedocket.web.security import login_cookie, login_form_ok, relying_party
from facedocket.web.services import Services
from facedocket.web.ui.auth import (
    expired_form,
    login_page,
    refused_sign_in,
    remote_of,
    signed_in_again,
)
from facedocket.web.ui.forms import local_path

router = APIRouter(prefix="/login/oidc")

Text = Annotated[str, Query(max_length=4000)]
COOKIE_PATH = "/login/oidc"
# What browsers keep of one cookie (RFC 6265 asks for at least 4096 bytes of name, value
# and attributes; Chromium counts name and value): a longer one is dropped unsaid.
COOKIE_BYTES = 4000


def cookie_name(settings: Settings) -> str:
    return "facedocket_oidc" if not settings.secure_cookies else "__Secure-facedocket-oidc"


@router.get("/{name}")
def start(request: Request, app: ServicesDep, name: str, next: str = "/") -> Response:
    return _redirect(app, _sign_on(request, app, name, next))


@router.post("/{name}")
def start_keeping(
    request: Request,
    app: ServicesDep,
    name: str,
    form_token: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/",
    kept: Annotated[str, Form()] = "",
) -> Response:
    """The sign-in page's way to the provider when it keeps a form the person was
    sending (``web.kept``): the form travels in the sign-on's sealed cookie, never in
    an address (where the provider's and the servers' logs would keep it)."""
    settings = app.settings
    if not login_form_ok(app.form_key, request.cookies.get(login_cookie(settings)), form_token):
        return expired_form(request)
    carried = loads(kept) if kept else None
    started = _sign_on(request, app, name, next, packed(carried) if carried else "")
    if len(cookie_name(settings)) + len(started.cookie) > COOKIE_BYTES:
        too_long = (
            "What you were sending is too long to carry through your agency's sign-in: "
            "sign in here with your password or a passkey to send it again."
        )
        return login_page(request, app, next, kept=carried, message=too_long, status=413)
    # A page of ours that moves on by itself, not a redirect: the sign-in page's CSP
    # allows its forms to lead to our own origin only, redirects included.
    return _redirect(app, started, page(request, "signing_on.html", None, to=started.url))


def _sign_on(
    request: Request, app: Services, name: str, next: str, carried: str = ""
) -> oidc.Started:
    provider = _provider(app.settings, name)
    callback = _callback(request, app.settings, name)
    return oidc.start(provider, callback, local_path(next), app.form_key, utcnow(), carried)


def _redirect(app: Services, started: oidc.Started, via: Response | None = None) -> Response:
    """Off to the provider (``via`` a page of ours, when given), with the sealed cookie."""
    response = via or RedirectResponse(started.url, status_code=303)
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
    token, next_path, carried, message = None, "/", "", ""
    try:
        if error or not code:
            raise Refused("the identity provider did not sign you in", code=RefusalCode.OIDC)
        claims, next_path, carried = oidc.finish(
            provider, _callback(request, app.settings, name), cookie, state, code, app.form_key, at
        )
        # Its own transaction: a refused sign-on, answered below, rolls back what it began.
        with transaction(app.sessions) as session:
            user = federated_user(session, provider.name, provider.claim, claims, remote)
            token = open_web_session(session, app.settings, user, remote, at)
    except Refused as refused:
        message = "Single sign-on refused: " + " ".join(refused.reasons)
        with transaction(app.sessions) as session:
            refused_sign_on(session, provider.name, remote, refused)
    if token is None:
        return refused_sign_in(request, LoginOutcome(None, message), "", "/")
    kept = unpacked(carried) if carried else None
    response = signed_in_again(request, app, token, next_path, kept, from_elsewhere=True)
    response.delete_cookie(cookie_name(app.settings), path=COOKIE_PATH)
    return response


def _provider(settings: Settings, name: str) -> OidcProvider:
    found = next((p for p in settings.oidc_providers if p.name == name), None)
    if found is None:
        raise NotFound(f"no identity provider {name!r}")
    return found


def _callback(request: Request, settings: Settings, name: str) -> str:
    return f"{relying_party(request, settings).origin}/login/oidc/{name}/callback"
