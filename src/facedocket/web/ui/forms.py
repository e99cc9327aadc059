"""Small helpers the page routers share: redirects after a form, and the form field
types (bounded, without control characters). The CSRF token every form carries is
checked by the role gate (``deps.checked_caller``), before a route runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Form
from fastapi.responses import RedirectResponse
from pydantic import AfterValidator, StringConstraints
from pydantic_core import ErrorDetails

from facedocket.cases.schemas import plain_text
from facedocket.kernel.refusals import RefusalCode, Refused

Paragraph = Annotated[
    str,
    Form(),
    StringConstraints(strip_whitespace=True, max_length=20_000),
    AfterValidator(plain_text),
]
Short = Annotated[
    str,
    Form(),
    StringConstraints(strip_whitespace=True, max_length=300),
    AfterValidator(plain_text),
]


def done(path: str, notice: str, anchor: str = "") -> RedirectResponse:
    """After a successful form: see the result (POST, redirect, GET), with a notice; an
    ``anchor`` brings the browser back to the part of the page the form was in."""
    joiner = "&" if "?" in path else "?"
    fragment = f"#{anchor}" if anchor else ""
    return RedirectResponse(f"{path}{joiner}done={notice}{fragment}", status_code=303)


def local_path(target: str | None) -> str:
    """Where to go after signing in: only a path on this site, never another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def typed_time(text: str) -> datetime | None:
    """A date and time typed into a form; empty is none, and one without a zone is UTC."""
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Refused(
            f"{text!r} is not a date and time like 2026-01-31T09:00", code=RefusalCode.INVALID
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def plain(error: ErrorDetails) -> str:
    """A validation error as a person reads it, without the model's names."""
    kind, context = error["type"], error.get("ctx", {})
    if kind in ("missing", "string_too_short"):
        least = context.get("min_length", 1)
        return "Fill this in." if least <= 1 else f"Write at least {least} characters."
    if kind == "string_too_long":
        return f"Shorten this to {context['max_length']:,} characters or fewer."
    if kind in ("string_pattern_mismatch", "literal_error", "enum"):
        return "Choose one of the options listed."
    if kind.startswith("date_"):
        return "Enter a date, such as 2026-01-31."
    if kind.startswith(("datetime_", "timezone_")):
        return "Enter a date and a time."
    if kind == "int_parsing":
        return "Enter a whole number."
    if kind == "greater_than_equal":
        return f"Enter {context['ge']} or more."
    if kind == "less_than_equal":
        return f"Enter {context['le']} or fewer."
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return "Choose the legal basis of the request."
    if kind == "value_error":
        return sentence(str(error["msg"]).removeprefix("Value error, "))
    return sentence(str(error["msg"]))


def sentence(text: str) -> str:
    """``text`` as a sentence: a capital first, a full stop last."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
