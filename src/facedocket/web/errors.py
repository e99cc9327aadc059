"""Every failure as a clear answer: JSON for the API, a page for a person, never a trace.

Every answer names a ``RefusalCode`` (facedocket.kernel.refusals), which carries its
status: 403 when the law, the policy or the role forbids it, 409 when the request is in
the wrong state, 422 when what was sent is not acceptable (docs/refusals.md lists them).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from facedocket.audit import AuditFormatError
from facedocket.gallery.galleries import (
    GalleryExistsError,
    GalleryNotFoundError,
    InvalidGalleryError,
)
from facedocket.gallery.jobs import JobNotFoundError, JobStateError
from facedocket.gallery.sources import ManifestError
from facedocket.kernel.refusals import NotFound, RefusalCode, Refused
from facedocket.policy import PolicyError
from facedocket.web.deps import (
    CsrfError,
    NotSignedInError,
    PasswordChangeRequiredError,
    ReadOnlyTokenError,
    SecondFactorMissingError,
    WrongRoleError,
    identified,
    services,
    signed_in,
)
from facedocket.web.kept import kept_form
from facedocket.web.render import page
from facedocket.web.schemas.common import ErrorPublic
from facedocket.web.ui.auth import login_page
from facedocket.web.ui.forms import plain

STATUS_MEANINGS = {
    401: "No valid token or session.",
    403: "The role, the law or the policy forbids it.",
    404: "No such record, or none you may see.",
    409: "Not in a state that allows this.",
}


# Page form fields whose name does not read as its label's words.
FIELD_WORDS = {
    "new": "New password",
    "current": "Current password",
    "occurred_on": "Date",
    "confirm": "The confirmation that the results are deleted for good",
}
# A box to tick: "Fill this in" would not say what to do.
CHECKBOXES = {"confirm": "Tick the box to confirm."}


def _described(status: int) -> str:
    codes = ", ".join(f"`{code}`" for code in RefusalCode if code.status == status)
    return f"{STATUS_MEANINGS[status]} Codes: {codes} (docs/refusals.md)."


# Documented on every API route, so clients know the shape of a refusal and its codes.
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorPublic, "description": _described(status)} for status in STATUS_MEANINGS
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def answer(
    request: Request,
    code: RefusalCode,
    reasons: list[str],
    correlation: str | None = None,
    status: int | None = None,
) -> Response:
    """The answer for ``code``, with its status unless ``status`` says otherwise (an HTTP
    error's own)."""
    status = code.status if status is None else status
    if is_api(request):
        detail: Any = {"code": code, "reasons": reasons}
        if correlation:
            detail["correlation_id"] = correlation
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    # The page keeps its header and navigation for whoever is signed in; after a server
    # error nothing more is asked of the database: only a caller already identified in
    # this request is shown (the database may be what failed).
    return page(
        request,
        "error.html",
        signed_in(request) if status < 500 else identified(request),
        status=status,
        status_code=status,
        reasons=reasons,
        correlation_id=correlation,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(request: Request, error: Refused) -> Response:
        return answer(request, error.code, error.reasons)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> Response:
        return answer(request, RefusalCode.NOT_FOUND, [str(error)])

    @app.exception_handler(GalleryNotFoundError)
    async def no_gallery(request: Request, error: GalleryNotFoundError) -> Response:
        return answer(request, RefusalCode.NOT_FOUND, [str(error)])

    @app.exception_handler(JobNotFoundError)
    async def no_job(request: Request, error: JobNotFoundError) -> Response:
        return answer(request, RefusalCode.NOT_FOUND, [str(error)])

    @app.exception_handler(JobStateError)
    async def job_state(request: Request, error: JobStateError) -> Response:
        return answer(request, RefusalCode.BAD_STATE, [str(error)])

    @app.exception_handler(GalleryExistsError)
    async def gallery_exists(request: Request, error: GalleryExistsError) -> Response:
        return answer(request, RefusalCode.EXISTS, [str(error)])

    @app.exception_handler(InvalidGalleryError)
    async def bad_gallery(request: Request, error: InvalidGalleryError) -> Response:
        return answer(request, RefusalCode.INVALID, [str(error)])

    @app.exception_handler(ManifestError)
    async def bad_source(request: Request, error: ManifestError) -> Response:
        return answer(request, RefusalCode.BAD_SOURCE, [str(error)])

    @app.exception_handler(PolicyError)
    async def bad_policy(request: Request, error: PolicyError) -> Response:
        return answer(request, RefusalCode.POLICY_ERROR, [str(error)])

    @app.exception_handler(AuditFormatError)
    async def unrecordable(request: Request, error: AuditFormatError) -> Response:
        return answer(request, RefusalCode.UNRECORDABLE, [f"the record cannot hold this: {error}"])

    @app.exception_handler(NotSignedInError)
    async def not_signed_in(request: Request, error: NotSignedInError) -> Response:
        if is_api(request):
            return answer(request, RefusalCode.NOT_SIGNED_IN, [str(error)])
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        kept = await kept_form(request)
        if kept is not None:  # a form sent: kept in the sign-in page, not lost to a redirect
            return login_page(request, services(request), target, error.why or "", kept, 401)
        why = f"&why={error.why}" if error.why else ""
        return RedirectResponse(f"/login?next={quote(target)}{why}", status_code=303)

    @app.exception_handler(WrongRoleError)
    async def wrong_role(request: Request, error: WrongRoleError) -> Response:
        return answer(request, RefusalCode.WRONG_ROLE, [str(error)])

    @app.exception_handler(ReadOnlyTokenError)
    async def read_only(request: Request, error: ReadOnlyTokenError) -> Response:
        return answer(request, RefusalCode.READ_ONLY_TOKEN, [str(error)])

    @app.exception_handler(SecondFactorMissingError)
    async def no_second_factor(request: Request, error: SecondFactorMissingError) -> Response:
        if is_api(request):
            return answer(request, RefusalCode.SECOND_FACTOR_REQUIRED, [str(error)])
        return RedirectResponse("/account?done=second_factor", status_code=303)

    @app.exception_handler(PasswordChangeRequiredError)
    async def temporary_password(request: Request, error: PasswordChangeRequiredError) -> Response:
        if is_api(request):
            return answer(request, RefusalCode.PASSWORD_CHANGE_REQUIRED, [str(error)])
        return RedirectResponse("/account", status_code=303)

    @app.exception_handler(CsrfError)
    async def csrf(request: Request, error: CsrfError) -> Response:
        return answer(request, RefusalCode.CSRF, [f"{error}; reload the page and try again"])

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        if is_api(request):
            return JSONResponse({"detail": _plain(error.errors())}, status_code=422)
        return answer(request, RefusalCode.INVALID, _sentences(error.errors()))

    @app.exception_handler(ValidationError)
    async def invalid_model(request: Request, error: ValidationError) -> Response:
        if is_api(request):
            return JSONResponse({"detail": _plain(error.errors())}, status_code=422)
        return answer(request, RefusalCode.INVALID, _sentences(error.errors()))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if is_api(request):
            return JSONResponse(
                {"detail": error.detail}, status_code=error.status_code, headers=error.headers
            )
        return answer(request, RefusalCode.HTTP, [str(error.detail)], status=error.status_code)


def _sentences(errors: Any) -> list[str]:
    """Validation errors as a person reads them: the field in words, then what to do;
    never the form's internal names or the validator's ("roles: Field required")."""
    return [f"{_field_words(e)}: {_what_to_do(e)}" for e in errors]


def _field_words(error: Any) -> str:
    names = [str(p) for p in error.get("loc", ()) if p not in ("body", "query") and str(p)]
    name = names[0] if names else ""
    return FIELD_WORDS.get(name, name.replace("_", " ").capitalize() or "The form")


def _what_to_do(error: Any) -> str:
    last = str((error.get("loc") or ("",))[-1])
    if error["type"] == "missing" and last == "roles":
        return "Choose at least one role."
    if last in CHECKBOXES:
        return CHECKBOXES[last]
    return plain(error)


def _plain(errors: Any) -> list[dict[str, Any]]:
    """The errors without the submitted input (it may be a file, or a password)."""
    return [{"loc": list(e.get("loc", ())), "msg": e["msg"], "type": e["type"]} for e in errors]
