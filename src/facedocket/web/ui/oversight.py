"""Auditor and supervisor pages: the record with filters, its verification and export;
overdue sworn statements and emergencies waiting for a supervisor."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from facedocket.audit import EntryFilter
from facedocket.audit.gaps import gaps
from facedocket.audit.witnesses import configured
from facedocket.cases.followup import overdue
from facedocket.cases.outcomes import overdue_outcomes
from facedocket.cases.oversight import read_record, sign_checkpoint, verify_record
from facedocket.cases.schemas import PLAIN, line
from facedocket.cases.states import State
from facedocket.cases.visibility import list_requests
from facedocket.reports.timeline import timeline
from facedocket.web.deps import Auditor, ReadSession, ServicesDep, Supervision, WriteSession
from facedocket.web.render import page
from facedocket.web.schemas.common import MAX_ID
from facedocket.web.ui.forms import done, typed_time

router = APIRouter()

# A form sends every field, the empty ones as "": an empty field filters on nothing.
Filter = Annotated[str, line(200, 0), PLAIN, Query()]


@router.get("/record")
def record(
    request: Request,
    session: WriteSession,
    app: ServicesDep,
    me: Auditor,
    actor: Filter = "",
    action: Filter = "",
    subject_type: Filter = "",
    subject_id: Filter = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    before_seq: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """The record, newest first, each time in the agency's zone and in UTC; times typed
    without a zone are read as UTC."""
    wanted = EntryFilter(
        actor or None,
        action or None,
        subject_type or None,
        subject_id or None,
        typed_time(since),
        typed_time(until),
        before_seq,
        50,
    )
    entries = read_record(session, me.actor, wanted)
    threads = timeline(entries)
    older = None
    if len(entries) == wanted.limit:
        # The next page keeps every filter, the times as typed, so it reads them alike.
        typed = {
            "actor": actor,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "since": since,
            "until": until,
        }
        kept = {name: value for name, value in typed.items() if value}
        older = "/record?" + urlencode({**kept, "before_seq": entries[-1].seq})
    zone = app.time_zone()
    return page(
        request,
        "record.html",
        me,
        entries=entries,
        threads=threads,
        wanted=wanted,
        older=older,
        zone=zone,
    )


@router.get("/record/verify")
def verification(
    request: Request, session: WriteSession, app: ServicesDep, me: Auditor
) -> Response:
    result = verify_record(session, app.settings, me.actor)
    witnessed = gaps(session, configured(app.settings))
    return page(request, "verify.html", me, result=result, witnesses=witnessed)


@router.post("/record/checkpoint")
def checkpoint(session: WriteSession, app: ServicesDep, me: Auditor) -> Response:
    sign_checkpoint(session, app.settings, me.actor)
    return done("/record/verify", "checkpoint")


@router.get("/supervision")
def supervision(
    request: Request, session: ReadSession, app: ServicesDep, me: Supervision
) -> Response:
    """Emergencies to approve, statements and outcomes overdue; deadlines in the agency's
    time zone, as the people they bind read them."""
    late = overdue(session)
    waiting = [
        r
        for r in list_requests(session, me.actor, State.SUBMITTED)
        if r.basis is not None and r.basis.kind == "emergency"
    ]
    outcomes = overdue_outcomes(session, me.actor)
    zone = app.time_zone()
    return page(
        request,
        "supervision.html",
        me,
        overdue=late,
        waiting=waiting,
        outcomes=outcomes,
        zone=zone,
    )
