"""Signing in and out, the home page, and the user's own account page."""

from __future__ import annotations

from typing import Annotated, Literal

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from facedocket.accounts.login import LoginOutcome, authenticate
from facedocket.accounts.passkeys import list_passkeys, sign_in_options
from facedocket.accounts.passwords import change_password
from facedocket.accounts.record import SELF, log_account
from facedocket.accounts.recovery import recovery_codes_left
from facedocket.accounts.tokens import DEFAULT_DAYS, create_token, list_tokens, revoke_token
from facedocket.accounts.totp import (
    TotpStart,
    begin_totp,
    confirm_totp,
    disable_totp,
    totp_enabled,
)
from facedocket.accounts.web_sessions import (
    close_all_web_sessions,
    close_web_session,
    find_web_session,
    open_web_session,
    time_left,
)
from facedocket.cases.directory import get_user
from facedocket.cases.followup import overdue
from facedocket.cases.progress import counts_of_mine
from facedocket.cases.visibility import list_requests
from facedocket.kernel.roles import CASE_ROLES, Role
from facedocket.notify.notices import notices_for
from facedocket.settings import Settings
from facedocket.store.db import transaction
from facedocket.store.schema.base import utcnow
from facedocket.web.deps import AnyUser, Caller, ReadSession, ServicesDep, SettingUp, WriteSession
from facedocket.web.kept import KeptForm, loads
from facedocket.web.render import page
from facedocket.web.schemas.common import Id
from facedocket.web.security import (
    login_cookie,
    login_form_ok,
    login_form_token,
    login_nonce,
    relying_party,
    session_cookie,
)
from facedocket.web.services import Services
from facedocket.web.ui.forms import Short, done, local_path

router = APIRouter()

Secret = Annotated[str, Form(max_length=1024)]


@router.get("/login")
def login_form(request: Request, app: ServicesDep, next: str = "/", why: str = "") -> Response:
    return login_page(request, app, next, why)


def login_page(
    request: Request,
    app: Services,
    next: str,
    why: str = "",
    kept: KeptForm | None = None,
    status: int = 200,
    message: str = "",
) -> Response:
    """The sign-in form; after a session ended, saying why (``web_sessions.why_ended``),
    with what the person was sending kept in it (``web.kept``)."""
    nonce = login_nonce()
    response = page(
        request,
        "login.html",
        None,
        status=status,
        form_token=login_form_token(app.form_key, nonce),
        next=local_path(next),
        message=message,
        ended=ended_words(app.settings, why),
        kept=kept,
        providers=app.settings.oidc_providers,
    )
    response.set_cookie(
        login_cookie(app.settings),
        nonce,
        httponly=True,
        secure=app.settings.secure_cookies,
        samesite="strict",
        path="/",
    )
    return response


def ended_words(settings: Settings, why: str) -> str:
    """Why someone must sign in again, in words (empty when they were not signed in)."""
    return {
        "idle": f"You were signed out after {settings.session_idle_minutes} minutes without "
        "activity: for criminal justice information, an idle session locks itself.",
        "expired": f"Your session lasted {settings.session_hours:g} hours, the longest one "
        "may last.",
        "ended": "Your session was ended: you signed out, your password was changed, or an "
        "administrator ended it.",
    }.get(why, "")


@router.post("/login")
def login(
    request: Request,
    app: ServicesDep,
    username: Annotated[str, Form(max_length=100)],
    password: Secret,
    form_token: Annotated[str, Form(max_length=200)],
    code: Annotated[str, Form(max_length=40)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
    kept: Annotated[str, Form()] = "",
) -> Response:
    settings = app.settings
    if not login_form_ok(app.form_key, request.cookies.get(login_cookie(settings)), form_token):
        return expired_form(request)
    remote = remote_of(request)
    at = utcnow()
    carried = loads(kept) if kept else None
    # Its own transaction: the attempt is counted and recorded whatever the answer does next.
    with transaction(app.sessions) as session:
        outcome = authenticate(session, app.seeds, username, password, code, remote, at)
        token = (
            open_web_session(session, settings, outcome.user, remote, at) if outcome.user else None
        )
        if outcome.passkey_for is not None:
            party = relying_party(request, settings)
            options = sign_in_options(session, party, at, outcome.passkey_for)
            return page(
                request,
                "login_passkey.html",
                None,
                form_token=form_token,
                next=local_path(next),
                options=options,
                kept=carried,
            )
    if token is None:
        return refused_sign_in(request, outcome, form_token, next, carried)
    return signed_in_again(request, app, token, next, carried)


def signed_in_again(
    request: Request,
    app: Services,
    token: str,
    next: str,
    kept: KeptForm | None,
    from_elsewhere: bool = False,
) -> Response:
    """Off to where the person was going with the new session (``signed_in``), however
    they signed in; or, when they were sending a form as their session ended, to the
    page that shows it and sends it again (``web.kept``) with the new session's CSRF
    token, for ``next`` is where the form was sent, not a page to open."""
    if kept is None:
        return signed_in(app.settings, token, next, request if from_elsewhere else None)
    with app.sessions() as session:
        again = find_web_session(session, app.settings, token, utcnow())
    csrf = again.csrf_token if again else ""
    again_page = page(request, "send_again.html", None, kept=kept, to=local_path(next), csrf=csrf)
    return with_session(again_page, app.settings, token)


def expired_form(request: Request) -> Response:
    return page(
        request,
        "error.html",
        None,
        status=403,
        status_code=403,
        reasons=["The sign-in form expired. Open the sign-in page again."],
    )


def remote_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def refused_sign_in(
    request: Request,
    outcome: LoginOutcome,
    form_token: str,
    next: str,
    kept: KeptForm | None = None,
) -> Response:
    return page(
        request,
        "login.html",
        None,
        status=429 if outcome.throttled else 401,
        form_token=form_token,
        next=local_path(next),
        message=outcome.message,
        ended="",
        kept=kept,
        providers=request.app.state.services.settings.oidc_providers,
    )


def signed_in(
    settings: Settings, token: str, next: str, request: Request | None = None
) -> Response:
    """Off to where the person was going, with the new session's cookie.

    Back from another site (an identity provider), the step is a page of ours that moves
    on by itself (``request`` given): the browser withholds a SameSite=Strict cookie from
    every request of a navigation another site started, redirects included.
    """
    response: Response = RedirectResponse(local_path(next), status_code=303)
    if request is not None:
        response = page(request, "signed_in.html", None, next=local_path(next))
    return with_session(response, settings, token)


def with_session(response: Response, settings: Settings, token: str) -> Response:
    """``response`` with the new session's cookie, and without the sign-in form's."""
    response.set_cookie(
        session_cookie(settings),
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
        path="/",
    )
    response.delete_cookie(login_cookie(settings), path="/")
    return response


@router.post("/logout")
def logout(request: Request, session: WriteSession, app: ServicesDep, me: SettingUp) -> Response:
    token = request.cookies.get(session_cookie(app.settings), "")
    ended = close_web_session(session, token, utcnow())
    if ended is not None:
        who = me.actor
        log_account(
            session, who.username, SELF, "account.signed_out", who.user_id, {"session": ended}
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(session_cookie(app.settings), path="/")
    return response


@router.get("/session/left")
def session_left(
    request: Request, session: ReadSession, app: ServicesDep
) -> dict[str, float | None]:
    """How long this browser's session lasts if nobody uses it (``static/session.js``
    warns before it ends); asking does not count as using it."""
    token = request.cookies.get(session_cookie(app.settings))
    left = time_left(session, app.settings, token, utcnow()) if token else None
    return {"seconds_left": left}


@router.post("/session/keep")
def keep_session(
    request: Request, session: ReadSession, app: ServicesDep, me: SettingUp
) -> dict[str, float | None]:
    """The warning's "stay signed in": a request of the person's own, so the session
    was used now (``identify`` noted it)."""
    return session_left(request, session, app)


@router.get("/")
def home(request: Request, session: ReadSession, app: ServicesDep, me: AnyUser) -> Response:
    visible = list_requests(session, me.actor) if me.actor.role_for(*CASE_ROLES) else []
    late = len(overdue(session)) if me.actor.role_for(Role.SUPERVISOR, Role.AUDITOR) else 0
    told = notices_for(session, me.actor.user_id)
    counts: dict[str, int] = {}
    for item in visible:
        counts[item.state] = counts.get(item.state, 0) + 1
    mine = counts_of_mine(visible, me.actor.user_id)
    zone = app.time_zone()
    return page(
        request,
        "home.html",
        me,
        counts=counts,
        mine=mine,
        overdue=late,
        notices=told,
        zone=zone,
    )


@router.get("/account")
def account(request: Request, session: ReadSession, app: ServicesDep, me: SettingUp) -> Response:
    return account_page(request, session, app, me)


@router.post("/account/password")
def password(session: WriteSession, me: SettingUp, current: Secret, new: Secret) -> Response:
    user = get_user(session, me.actor.user_id)
    change_password(session, user, current, new)
    close_all_web_sessions(session, user.id, utcnow())
    return done("/login", "password")


@router.post("/account/tokens")
def new_token(
    request: Request,
    session: WriteSession,
    app: ServicesDep,
    me: AnyUser,
    name: Short,
    days: Annotated[int, Form(ge=1, le=366)] = DEFAULT_DAYS,
    scope: Annotated[Literal["full", "read"], Form()] = "full",
) -> Response:
    user = get_user(session, me.actor.user_id)
    longest = app.settings.api_token_max_days
    secret, _ = create_token(session, user, name or "token", utcnow(), days, scope, longest)
    return account_page(request, session, app, me, new_token=secret)


@router.post("/account/tokens/{token_id}/revoke")
def revoke(session: WriteSession, me: AnyUser, token_id: Id) -> Response:
    revoke_token(session, get_user(session, me.actor.user_id), token_id, utcnow())
    return done("/account", "token")


@router.post("/account/totp")
def start_totp(
    request: Request, session: WriteSession, app: ServicesDep, me: SettingUp
) -> Response:
    started = begin_totp(session, app.seeds, get_user(session, me.actor.user_id))
    return account_page(request, session, app, me, totp=started)


@router.post("/account/totp/confirm")
def confirm(session: WriteSession, app: ServicesDep, me: SettingUp, code: Short) -> Response:
    confirm_totp(session, app.seeds, get_user(session, me.actor.user_id), code)
    return done("/account", "totp_on")


@router.post("/account/totp/disable")
def disable(session: WriteSession, app: ServicesDep, me: AnyUser, code: Short) -> Response:
    disable_totp(session, app.seeds, get_user(session, me.actor.user_id), code)
    return done("/account", "totp_off")


def qr_image(text: str) -> str:
    """``text`` as a QR code for a phone's camera: an SVG image, as a data: address (the
    CSP allows data: images, and the page needs no request of its own for it)."""
    return str(segno.make(text, error="m").svg_data_uri(scale=5, border=4))


def account_page(
    request: Request,
    session: Session,
    app: Services,
    me: Caller,
    new_token: str | None = None,
    totp: TotpStart | None = None,
    recovery_codes: list[str] | None = None,
) -> Response:
    """The account page, read in the route's session: after a change, in its transaction,
    so the page shows the change and is sent only once it has committed."""
    tokens = list_tokens(session, me.actor.user_id)
    second_factor = totp_enabled(session, me.actor.user_id)
    passkeys = list_passkeys(session, me.actor.user_id)
    codes_left = recovery_codes_left(session, me.actor.user_id)
    return page(
        request,
        "account.html",
        me,
        tokens=tokens,
        new_token=new_token,
        totp=totp,
        totp_qr=qr_image(totp.uri) if totp else None,
        totp_enabled=second_factor,
        longest_token=app.settings.api_token_max_days,
        needs_second_factor=me.needs_second_factor,
        temporary_password=me.temporary_password,
        passkeys=passkeys,
        recovery_codes=recovery_codes,
        codes_left=codes_left,
    )
