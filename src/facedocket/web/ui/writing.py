"""The requester's pages to write a request and to change one (a draft, one intake sent
back, or an approved one, which goes back to intake); a refused form comes back with what
was typed, the files kept, and each error beside its field (``request_form``)."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from facedocket.cases import corrections, requests, visibility
from facedocket.cases.bodies import offered_bodies
from facedocket.cases.schemas import RequestCreate
from facedocket.gallery.galleries import list_galleries
from facedocket.kernel import clock
from facedocket.kernel.refusals import Refused
from facedocket.policy import Policy, load_policy
from facedocket.store.db import transaction
from facedocket.store.schema import Gallery, SearchRequest
from facedocket.web.deps import Caller, ReadSession, Requester, ServicesDep
from facedocket.web.render import page
from facedocket.web.schemas.common import Id
from facedocket.web.services import Services
from facedocket.web.ui.forms import done
from facedocket.web.ui.request_form import (
    SentForm,
    keep_files,
    read_files,
    refused,
    request_data,
    sent_form,
)

router = APIRouter()
Sent = Annotated[SentForm, Depends(sent_form)]
# What RequestCreate takes, in the order the form offers them.
FORM_BASES = ("court_order", "warrant", "investigation", "emergency", "deceased", "missing_person")
LABELS = {
    "case_number": "Case number",
    "offence": "Offence",
    "offence_class": "Class of offence",
    "offence_code": "Offence code (if the policy lists offences)",
    "narrative": "Narrative",
    "purpose": "Authorised use (the law's closed list)",
    "gallery": "Gallery to search",
    "searching_body": "Searching body the request is made to",
    "probe": "Photo of the unknown person (JPEG or PNG)",
    "probe_source": "Where the photo came from",
    "basis": "Legal basis",
    "court": "Court",
    "docket_number": "Docket number",
    "judge": "Judge",
    "issued_on": "Date issued",
    "expires_at": "Expires (date and time)",
    "scope": "Scope of the order",
    "searches_allowed": "Searches the order allows (if it says)",
    "order": "The signed order (PDF, or a photo of the paper)",
    "facts": "The facts",
    "": "The request",
}


@router.get("/requests/new")
def new(request: Request, session: ReadSession, app: ServicesDep, me: Requester) -> Response:
    galleries = list_galleries(session)
    only = {"gallery": galleries[0].name} if len(galleries) == 1 else {}
    return _form(request, session, app, me, SentForm(only, {}, {}), "/requests/new")


@router.post("/requests/new")
def create(
    request: Request, session: ReadSession, app: ServicesDep, me: Requester, sent: Sent
) -> Response:
    """The request from the form, with its probe and order; a draft, or submitted."""
    data = _read(app, me, sent)
    if "probe" not in sent.files:
        sent.errors.setdefault("probe", "Choose the photo of the unknown person.")
    if data is not None and not sent.errors:
        try:  # its own transaction: a refused form, answered below, must write nothing
            with transaction(app.sessions) as writing:
                made = requests.create_request(
                    writing,
                    app.settings,
                    me.actor,
                    data,
                    [sent.files["probe"]],
                    _order(sent),
                    pipeline=app.pipeline(),
                )
                if sent.action == "submit":
                    requests.submit(writing, app.settings, me.actor, made.id)
                number = made.id
            return done(f"/requests/{number}", _notice(sent))
        except Refused as refusal:
            refused(sent, refusal)
    keep_files(sent, app.settings, me.actor.user_id)
    return _form(request, session, app, me, sent, "/requests/new", status=422)


@router.get("/requests/{request_id}/edit")
def edit_form(
    request: Request, session: ReadSession, app: ServicesDep, me: Requester, request_id: Id
) -> Response:
    policy = load_policy(app.settings.policy, at=clock.now())
    found, actor = requests.open_case(session, me.actor, request_id)
    corrections.may_change(found, actor, "edit")
    sent = SentForm(_values(session, found, policy), dict(found.statements or {}), {})
    return _form(request, session, app, me, sent, f"/requests/{request_id}/edit", found)


@router.post("/requests/{request_id}/edit")
def edit(
    request: Request,
    session: ReadSession,
    app: ServicesDep,
    me: Requester,
    request_id: Id,
    sent: Sent,
) -> Response:
    """The request rewritten from the form; files chosen replace the request's."""
    # Who may change it, and when, before the form is read.
    corrections.may_change(*requests.open_case(session, me.actor, request_id), "edit")
    data = _read(app, me, sent)
    if data is not None and not sent.errors:
        try:  # its own transaction: a refused form, answered below, must write nothing
            with transaction(app.sessions) as writing:
                probes = [sent.files["probe"]] if "probe" in sent.files else []
                corrections.edit_request(
                    writing,
                    app.settings,
                    me.actor,
                    request_id,
                    data,
                    probes,
                    _order(sent),
                    sent.values.get("probe_source", ""),
                    pipeline=app.pipeline(),
                )
                if sent.action == "submit":
                    requests.submit(writing, app.settings, me.actor, request_id)
            return done(f"/requests/{request_id}", _notice(sent, "edited"))
        except Refused as refusal:
            refused(sent, refusal)
    keep_files(sent, app.settings, me.actor.user_id)
    found = visibility.get_request(session, me.actor, request_id)
    return _form(request, session, app, me, sent, f"/requests/{request_id}/edit", found, 422)


def _read(app: Services, me: Caller, sent: SentForm) -> RequestCreate | None:
    read_files(sent, app.settings, me.actor.user_id)
    return request_data(sent, app.time_zone())


def _order(sent: SentForm) -> Any:
    """The order the form carries, only for a basis that takes one (the others' fields
    may still hold a file chosen before the basis changed)."""
    return sent.files.get("order") if sent.values.get("basis") in FORM_BASES[:2] else None


def _notice(sent: SentForm, saved: str = "saved") -> str:
    return "submitted" if sent.action == "submit" else saved


def _form(
    request: Request,
    session: Session,
    app: Services,
    me: Caller,
    sent: SentForm,
    action: str,
    editing: SearchRequest | None = None,
    status: int = 200,
) -> Response:
    policy = load_policy(app.settings.policy, at=clock.now())
    galleries = [(g.name, g.name) for g in list_galleries(session)]
    bodies = [(b.id, b.name) for b in offered_bodies(session, policy)]
    kept: dict[str, str | None] = {n: upload.filename for n, upload in sent.files.items()}
    if editing is not None:
        on_file = {d.kind: d.filename for d in editing.documents}
        kept = {name: kept.get(name) or on_file.get(name) for name in ("probe", "order")}
    return page(
        request,
        "request_form.html",
        me,
        status=status,
        action=action,
        editing=editing,
        values=sent.values,
        statements=sent.statements,
        errors=sent.errors,
        held=sent.tokens,
        kept={"probe": kept.get("probe"), "order": kept.get("order")},
        labels=LABELS,
        galleries=galleries,
        bodies=bodies,
        bases=[kind for kind in FORM_BASES if kind in policy.bases],
        timezone=policy.timezone,
        purposes=[(p.id, p.name) for p in policy.purposes or []],
        narratives=policy.narratives,
        classes=[(c.id, c.name) for c in policy.offences.classes]
        or [("felony", "felony"), ("misdemeanour", "misdemeanour")],
    )


def _values(session: Session, found: SearchRequest, policy: Policy) -> dict[str, str]:
    """The form's fields as the request on file fills them."""
    basis = found.basis
    probe = next((d for d in found.documents if d.kind == "probe"), None)
    values = {
        "case_number": found.case_number,
        "offence": found.offence,
        "offence_class": found.offence_class,
        "offence_code": found.offence_code or "",
        "narrative": found.narrative,
        "purpose": found.purpose or "",
        "gallery": session.get_one(Gallery, found.gallery_id).name,
        "searching_body": found.searching_body.code if found.searching_body else "",
        "probe_source": probe.source if probe else "",
    }
    if basis is not None:
        local = basis.expires_at.astimezone(ZoneInfo(policy.timezone)) if basis.expires_at else None
        values |= {
            "basis": basis.kind,
            "court": basis.court or "",
            "docket_number": basis.docket_number or "",
            "judge": basis.judge or "",
            "issued_on": basis.issued_on.isoformat() if basis.issued_on else "",
            "expires_at": local.strftime("%Y-%m-%dT%H:%M") if local else "",
            "scope": basis.scope or "",
            "searches_allowed": str(basis.searches_allowed or ""),
            "facts": basis.facts or "",
        }
    return values
