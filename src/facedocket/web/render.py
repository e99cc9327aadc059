"""Server-rendered pages: one Jinja2 environment (autoescaping on), and the context every
page gets (who is signed in, the CSRF token for its forms, whether USWDS is installed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import Response

from facedocket.cases.directory import AGENCY_CODE, USERNAME
from facedocket.cases.progress import standing
from facedocket.cases.review import LEAD_NOTICE
from facedocket.gallery.galleries import GALLERY_NAME
from facedocket.gallery.progress import duration
from facedocket.kernel.roles import Role
from facedocket.settings import Settings
from facedocket.web.deps import Caller

templates = Jinja2Templates(
    env=Environment(
        loader=PackageLoader("facedocket.web", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
templates.env.filters["duration"] = duration
# The server's own rules as the forms' ``pattern`` attributes: one source, checked alike.
templates.env.globals["patterns"] = {
    "username": USERNAME.pattern,
    "agency_code": AGENCY_CODE.pattern,
    "gallery_name": GALLERY_NAME.pattern,
}


def local_time(moment: datetime | None, zone: str, seconds: bool = False) -> str:
    """A stored time as the agency reads it: in its policy's time zone, the zone named
    (to the second where entries a second apart must be told apart: the record)."""
    if moment is None:
        return ""
    shape = "%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z"
    return moment.astimezone(ZoneInfo(zone)).strftime(shape)


templates.env.filters["local"] = local_time
templates.env.globals["standing"] = standing

# What a page says after a form succeeded: fixed words, chosen by a short key in the URL.
NOTICES = {
    "approved": "The request was approved for search.",
    "rejected": "The request was rejected; the officer will see your reason.",
    "submitted": "The request was sent to the searching body.",
    "saved": "The request was saved as a draft.",
    "edited": "The change was saved.",
    "returned": "The request was sent back to the officer for correction, with your reason.",
    "withdrawn": "The request was withdrawn; nothing more will be done with it.",
    "searched": "The search ran; review every candidate below.",
    "reviewed": "Your conclusion was recorded.",
    "concluded": "The examination was concluded; the requester can read the result.",
    "closed": "The request was closed.",
    "statement": "The sworn statement was filed.",
    "outcome": "What followed the lead is on the record.",
    "unlawful": "The search was declared unlawful; its results were deleted and the tombstone "
    "below says when, by whom and why.",
    "password": "Your password was changed.",
    "token": "The token was revoked.",
    "totp_on": "The second factor is on; you will be asked for a code when you sign in.",
    "totp_off": "The second factor is off.",
    "second_factor": "Your role needs a second factor: set one up below to go on working.",
    "sessions": "The sessions were ended.",
    "passkey": "The passkey was added.",
    "passkey_removed": "The passkey was removed; it no longer signs you in.",
    "user": "The user was saved.",
    "unlocked": "The user's failed sign-ins were cleared: they can sign in again.",
    "agency": "The agency was added.",
    "gallery": "The gallery was created.",
    "checkpoint": "The record was signed.",
}


def uswds_available(settings: Settings) -> bool:
    return (settings.uswds_dir / "css" / "uswds.min.css").is_file()


def page(
    request: Request, name: str, caller: Caller | None, status: int = 200, **context: Any
) -> Response:
    notice = NOTICES.get(request.query_params.get("done", ""))
    return templates.TemplateResponse(
        request,
        name,
        {
            "me": caller.actor if caller else None,
            "csrf": caller.csrf_token if caller else None,
            "uswds": request.app.state.uswds,
            "Role": Role,
            "notice": notice,
            "idle_minutes": request.app.state.services.settings.session_idle_minutes,
            "lead_notice": LEAD_NOTICE,
            **context,
        },
        status_code=status,
    )
