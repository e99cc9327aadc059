"""The request form, for a new request and for correcting one: what it sent, made into a
``RequestCreate``; and when that or the workflow refuses it, the form again with what was
typed and the files chosen, each error in plain words beside its field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from facedocket.cases.documents import MAX_DOCUMENT_BYTES
from facedocket.cases.schemas import FileUpload, RequestCreate
from facedocket.kernel.refusals import Refused
from facedocket.settings import Settings
from facedocket.web.held import held, hold
from facedocket.web.ui.forms import plain, sentence
from facedocket.web.uploads import is_empty, received

TEXT_FIELDS = (
    "case_number",
    "offence",
    "offence_class",
    "offence_code",
    "narrative",
    "purpose",
    "gallery",
    "searching_body",
    "probe_source",
    "basis",
    "court",
    "docket_number",
    "judge",
    "issued_on",
    "expires_at",
    "scope",
    "searches_allowed",
    "facts",
)
ORDER_FIELDS = ("court", "docket_number", "judge", "issued_on", "expires_at", "scope")
ORDERED = ("court_order", "warrant")
# Where a refusal of the workflow belongs on the form, by its code.
REFUSAL_FIELDS = {
    "missing_order": "order",
    "invalid_dates": "expires_at",
    "unknown_gallery": "gallery",
    "missing_body": "searching_body",
    "unknown_body": "searching_body",
    "missing_probe": "probe",
}
FILES = ("probe", "order")


@dataclass
class SentForm:
    """What a request form sent: its text, its statements, and its files (an upload, or
    one held from an earlier try of the same form)."""

    values: dict[str, str]
    statements: dict[str, str]
    uploads: dict[str, UploadFile]
    errors: dict[str, str] = field(default_factory=dict)
    files: dict[str, FileUpload] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def action(self) -> str:
        return self.values.get("action", "draft")


async def sent_form(request: Request) -> SentForm:
    """The form as sent (Starlette keeps it parsed, so it is read once)."""
    form = await request.form()
    values = {
        name: value.strip()
        for name in (*TEXT_FIELDS, "action", "held_probe", "held_order")
        if isinstance(value := form.get(name, ""), str)
    }
    ids = [v for v in form.getlist("statement_id") if isinstance(v, str)]
    texts = [v for v in form.getlist("statement") if isinstance(v, str)]
    uploads = {
        name: upload
        for name in FILES
        if isinstance(upload := form.get(name), UploadFile) and not is_empty(upload)
    }
    statements = {key: text.strip() for key, text in zip(ids, texts, strict=False) if text.strip()}
    return SentForm(values, statements, uploads)


def read_files(sent: SentForm, settings: Settings, user_id: int) -> None:
    """The files the form carries into ``sent.files``: uploaded now, else held."""
    source = sent.values.get("probe_source", "")
    limits = {"probe": settings.max_image_bytes, "order": MAX_DOCUMENT_BYTES}
    for name in FILES:
        upload = sent.uploads.get(name)
        try:
            if upload is not None:
                sent.files[name] = received(upload, limits[name], source if name == "probe" else "")
            elif kept := held(settings, user_id, sent.values.get(f"held_{name}", ""), source):
                sent.files[name] = (
                    kept if name == "probe" else kept.model_copy(update={"source": ""})
                )
        except Refused as refusal:
            sent.errors[name] = sentence("; ".join(refusal.reasons))
        except ValidationError as invalid:
            sent.errors[name] = plain(invalid.errors()[0])


def request_data(sent: SentForm, zone: str) -> RequestCreate | None:
    """The request the form describes; None, with ``sent.errors`` saying why, if invalid."""
    values = sent.values
    kind = values.get("basis", "")
    basis: dict[str, Any] = {"kind": kind}
    if kind in ORDERED:
        basis |= {name: values.get(name, "") for name in ORDER_FIELDS}
        basis["expires_at"] = _aware(basis["expires_at"], zone)
        basis["searches_allowed"] = values.get("searches_allowed") or None
    else:
        basis["facts"] = values.get("facts", "")
    try:
        return RequestCreate.model_validate(
            {
                "case_number": values.get("case_number", ""),
                "offence": values.get("offence", ""),
                "offence_class": values.get("offence_class", ""),
                "offence_code": values.get("offence_code") or None,
                "narrative": values.get("narrative", ""),
                "gallery": values.get("gallery", ""),
                "searching_body": values.get("searching_body") or None,
                "basis": basis,
                "purpose": values.get("purpose") or None,
                "statements": sent.statements,
            }
        )
    except ValidationError as invalid:
        for error in invalid.errors():
            sent.errors.setdefault(field_of(error["loc"]), plain(error))
        return None


def refused(sent: SentForm, refusal: Refused) -> None:
    """Put a refusal of the workflow beside the field it is about (or above the form)."""
    first = refusal.reasons[0] if refusal.reasons else ""
    name = next((f for f in FILES if first.startswith(f"{f} ")), None)
    name = name or REFUSAL_FIELDS.get(refusal.code, "")
    sent.errors[name] = " ".join(sentence(reason) for reason in refusal.reasons)


def keep_files(sent: SentForm, settings: Settings, user_id: int) -> None:
    """Hold the form's files for its next try; the form sends the tokens back."""
    for name, upload in sent.files.items():
        sent.tokens[name] = hold(settings, user_id, upload)


def field_of(loc: tuple[int | str, ...]) -> str:
    """The form field a validation error is about: ``("basis", "warrant", "court")`` is
    the court field; an error of the basis as a whole is the basis radios'."""
    if loc and loc[0] == "basis":
        return str(loc[2]) if len(loc) > 2 else "basis"
    if loc and loc[0] == "statements":
        return f"statement-{loc[1]}" if len(loc) > 1 else ""
    return str(loc[0]) if loc else ""


def _aware(local: str, zone: str) -> str:
    """A form's date and time, read in the policy's time zone (where the court sits)."""
    try:
        moment = datetime.fromisoformat(local)
    except ValueError:
        return local  # left for the model to refuse with a clear message
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.isoformat()
