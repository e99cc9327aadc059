"""The dependencies every route that touches faces, cases or the record declares.

``ReadSession`` and ``WriteSession`` give a route its database session, the second its
one transaction. ``Caller`` says who is asking (an API token, or a browser session whose
unsafe requests must carry its CSRF token); a ``RoleGate`` turns that into the capacity a
route needs, refusing everyone else before the route's own code runs; ``SearchGate`` is
the only way a route reaches a 1:N search, and it goes through ``cases.gate.run_search``.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy.orm import Session

from facedocket.accounts.factors import missing_second_factor
from facedocket.accounts.passwords import password_is_temporary
from facedocket.accounts.tokens import token_caller
from facedocket.accounts.web_sessions import find_web_session, why_ended
from facedocket.audit.witnesses import submit_after_search
from facedocket.cases import gate
from facedocket.cases.recorded_refusals import SEARCH_REFUSED, record_refusal, refusal_recorded
from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import CASE_ROLES, Role
from facedocket.reports.exports import PUBLIC_REPORT_ROLES
from facedocket.store.db import transaction
from facedocket.store.schema import Search
from facedocket.store.schema.base import utcnow
from facedocket.web.schemas.cases import SearchCreate
from facedocket.web.schemas.common import MAX_ID
from facedocket.web.security import UNSAFE_METHODS, session_cookie
from facedocket.web.services import Services

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NotSignedInError(Exception):
    """No valid session or token: a browser is sent to sign in, a program gets 401.

    ``why`` says why a browser's session ended (``web_sessions.why_ended``), if it had one.
    """

    def __init__(self, message: str, why: str | None = None) -> None:
        super().__init__(message)
        self.why = why


class WrongRoleError(Exception):
    def __init__(self, roles: tuple[Role, ...]) -> None:
        self.roles = roles
        super().__init__("this needs the role of " + " or ".join(r.value for r in roles))


class ReadOnlyTokenError(Exception):
    """A token with the read scope sent a request that would change something."""


class SecondFactorMissingError(Exception):
    """The caller's role needs a second factor they have not set up yet."""


class PasswordChangeRequiredError(Exception):
    """The caller signed in with a password an administrator set, not yet changed."""


class CsrfError(Exception):
    """A browser's unsafe request without its session's CSRF token."""


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


def read_session(app: ServicesDep) -> Iterator[Session]:
    """A session for a route that only reads; closed once the route returns."""
    with app.sessions() as session:
        yield session


def write_session(app: ServicesDep) -> Iterator[Session]:
    """The route's one transaction: rolled back if the route raises, else committed when
    it returns and before its answer is sent (``scope="function"``), so that a commit that
    fails answers as a failure (web/failures.py: a 500 with its reference, nothing
    written), never as the success the route was about to report."""
    with transaction(app.sessions) as session:
        yield session


ReadSession = Annotated[Session, Depends(read_session, scope="function")]
WriteSession = Annotated[Session, Depends(write_session, scope="function")]


@dataclass(frozen=True)
class Caller:
    actor: Actor
    csrf_token: str | None  # None for a token caller: no cookie, so no CSRF to fear
    read_only: bool = False  # a token of the read scope
    needs_second_factor: bool = False  # may only set one up (accounts.factors)
    temporary_password: bool = False  # may only change it (and set up a second factor)


def identify(request: Request, app: ServicesDep) -> Caller:
    """Who is asking: a Bearer token, else the session cookie; else NotSignedInError.

    Kept on the request too (``identified``), so that the page answering a failure later
    in it can show the caller's header and navigation without asking the database again.
    """
    caller = _identify(request, app)
    request.state.caller = caller
    return caller


def identified(request: Request) -> Caller | None:
    """The caller ``identify`` found earlier in this request, if it ran."""
    found: Caller | None = getattr(request.state, "caller", None)
    return found


def _identify(request: Request, app: Services) -> Caller:
    header = request.headers.get("authorization")
    at = utcnow()
    with transaction(app.sessions) as session:
        if header is not None:
            scheme, _, secret = header.partition(" ")
            held = token_caller(session, secret.strip(), at) if scheme.lower() == "bearer" else None
            if held is None:
                raise NotSignedInError("the API token is unknown, revoked or expired")
            missing = missing_second_factor(session, app.settings, held.actor)
            temporary = password_is_temporary(session, held.actor.user_id)
            return Caller(held.actor, None, held.read_only, missing, temporary)
        token = request.cookies.get(session_cookie(app.settings))
        signed = find_web_session(session, app.settings, token, at) if token else None
        if signed is None:
            why = why_ended(session, app.settings, token, at) if token else None
            raise NotSignedInError("sign in first", why)
        missing = missing_second_factor(session, app.settings, signed.actor)
        temporary = password_is_temporary(session, signed.actor.user_id)
        return Caller(signed.actor, signed.csrf_token, False, missing, temporary)


async def checked_caller(request: Request, caller: Annotated[Caller, Depends(identify)]) -> Caller:
    """The caller, once a browser's unsafe request has shown its CSRF token (header or form)."""
    if request.method in UNSAFE_METHODS and caller.csrf_token is not None:
        sent = request.headers.get("x-csrf-token")
        if sent is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
            value = (await request.form()).get("csrf_token")
            sent = value if isinstance(value, str) else None
        if sent is None or not hmac.compare_digest(sent, caller.csrf_token):
            raise CsrfError("the form has expired or did not come from FaceDocket")
    return caller


def signed_in(request: Request) -> Caller | None:
    """Who is signed in, if anyone, for a page answered outside a route (an error page)."""
    if (found := identified(request)) is not None:
        return found
    try:
        return identify(request, services(request))
    except NotSignedInError:
        return None


class RoleGate:
    """Admits callers holding one of ``roles``; the route never runs for anyone else.

    A read-only token passes only on a safe method, and a caller whose role needs a
    second factor they lack, or who signed in with an administrator's temporary password,
    only where ``setup`` says the route is how they set up their own credentials.
    """

    def __init__(self, *roles: Role, setup: bool = False) -> None:
        self.roles = roles
        self.setup = setup

    def __call__(
        self, request: Request, caller: Annotated[Caller, Depends(checked_caller)]
    ) -> Caller:
        if caller.actor.role_for(*self.roles) is None:
            raise WrongRoleError(self.roles)
        if caller.read_only and request.method in UNSAFE_METHODS:
            raise ReadOnlyTokenError("this token may only read; make a full one to change things")
        if caller.temporary_password and not self.setup:
            raise PasswordChangeRequiredError(
                "an administrator set your password: choose your own on your account first"
            )
        if caller.needs_second_factor and not self.setup:
            raise SecondFactorMissingError(
                "your role needs a second factor: set one up on your account first"
            )
        return caller


AnyUser = Annotated[Caller, Depends(RoleGate(*Role))]
# Where someone who must have a second factor but has none yet, or must replace a
# temporary password, may go: to set up their own credentials.
SettingUp = Annotated[Caller, Depends(RoleGate(*Role, setup=True))]
CaseWorker = Annotated[Caller, Depends(RoleGate(*CASE_ROLES))]
Requester = Annotated[Caller, Depends(RoleGate(Role.REQUESTER))]
Intake = Annotated[Caller, Depends(RoleGate(Role.INTAKE_REVIEWER, Role.SUPERVISOR))]
Examiner = Annotated[Caller, Depends(RoleGate(Role.EXAMINER))]
CandidateViewer = Annotated[Caller, Depends(RoleGate(Role.EXAMINER, Role.SUPERVISOR, Role.AUDITOR))]
LeadReader = Annotated[
    Caller,
    Depends(RoleGate(Role.REQUESTER, Role.EXAMINER, Role.SUPERVISOR, Role.AUDITOR)),
]
StatementFiler = Annotated[Caller, Depends(RoleGate(Role.REQUESTER, Role.SUPERVISOR))]
OutcomeRecorder = Annotated[Caller, Depends(RoleGate(Role.REQUESTER, Role.SUPERVISOR))]
Closer = Annotated[Caller, Depends(RoleGate(Role.SUPERVISOR, Role.INTAKE_REVIEWER))]
Supervision = Annotated[Caller, Depends(RoleGate(Role.SUPERVISOR, Role.AUDITOR))]
Auditor = Annotated[Caller, Depends(RoleGate(Role.AUDITOR))]
Administrator = Annotated[Caller, Depends(RoleGate(Role.ADMINISTRATOR))]
# Those who produce some report; which ones each may produce, the report itself decides.
Reporter = Annotated[Caller, Depends(RoleGate(*PUBLIC_REPORT_ROLES))]


@dataclass(frozen=True)
class LegalGate:
    """A search, bound to the examiner asking; everything else is ``run_search``'s to judge.

    A search that ran has its checkpoint sent to the witnesses after the answer has gone
    out (after the route's transaction committed), so a witness never delays or fails it.
    """

    app: Services
    caller: Caller
    after: BackgroundTasks

    def transaction(self, request_id: int) -> AbstractContextManager[Session]:
        """The search's own transaction: a refused search rolls back and is recorded."""
        return refusal_recorded(self.app.sessions, self.caller.actor, SEARCH_REFUSED, request_id)

    def search(self, session: Session, request_id: int, options: SearchCreate) -> Search:
        found = gate.run_search(
            session,
            self.app.settings,
            self.caller.actor,
            request_id,
            self.app.pipeline(),
            probe_id=options.probe_id,
            face=options.face,
            list_size=options.list_size,
            quality_override=options.quality_override,
        )
        self.after.add_task(submit_after_search, self.app.sessions, self.app.settings)
        return found


class SearcherGate(RoleGate):
    """The examiner's gate for a search. Anyone else is refused as by any ``RoleGate``,
    and the try is on the record too (``search.refused``, code ``wrong_role``): oversight
    reads a search tried by someone who may not search as closely as one the law refused.
    The answer is the same 403, whichever request it names."""

    def __init__(self) -> None:
        super().__init__(Role.EXAMINER)

    def __call__(  # type: ignore[override]  # FastAPI reads the extra dependency from it
        self,
        request: Request,
        caller: Annotated[Caller, Depends(checked_caller)],
        app: ServicesDep,
    ) -> Caller:
        try:
            return super().__call__(request, caller)
        except WrongRoleError as error:
            number = request.path_params.get("request_id", "")
            if number.isdigit() and 1 <= int(number) <= MAX_ID:
                refused = Refused(str(error), code=RefusalCode.WRONG_ROLE)
                record_refusal(app.sessions, caller.actor, SEARCH_REFUSED, int(number), refused)
            raise


def legal_gate(
    app: ServicesDep,
    examiner: Annotated[Caller, Depends(SearcherGate())],
    after: BackgroundTasks,
) -> LegalGate:
    return LegalGate(app, examiner, after)


SearchGate = Annotated[LegalGate, Depends(legal_gate)]
