"""The record for auditors (read with filters, verify, sign, export) and the overdue
sworn statements supervisors chase."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from facedocket.audit import EntryFilter, export_checkpoints, export_entries
from facedocket.audit.gaps import Gap, gaps
from facedocket.audit.witnesses import configured
from facedocket.cases.followup import overdue
from facedocket.cases.outcomes import overdue_outcomes
from facedocket.cases.oversight import export_record, read_record, sign_checkpoint, verify_record
from facedocket.web.deps import Auditor, ReadSession, ServicesDep, Supervision, WriteSession
from facedocket.web.schemas.cases import OverdueOutcomePublic, OverduePublic
from facedocket.web.schemas.common import MAX_ID, Name
from facedocket.web.schemas.record import (
    CheckpointPublic,
    EntryPublic,
    VerificationPublic,
    WitnessGapPublic,
)
from facedocket.web.services import Services

router = APIRouter(tags=["record"])

JSON_LINES: dict[int | str, dict[str, Any]] = {200: {"content": {"application/jsonl": {}}}}


@router.get("/record")
def entries(
    session: WriteSession,
    me: Auditor,
    actor: Annotated[Name | None, Query()] = None,
    action: Annotated[Name | None, Query(description="A dotted name or its start.")] = None,
    subject_type: Annotated[Name | None, Query()] = None,
    subject_id: Annotated[Name | None, Query()] = None,
    since: Annotated[AwareDatetime | None, Query()] = None,
    until: Annotated[AwareDatetime | None, Query()] = None,
    before_seq: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[EntryPublic]:
    """Entries newest first, filtered; reading the record is itself recorded."""
    wanted = EntryFilter(actor, action, subject_type, subject_id, since, until, before_seq, limit)
    return [EntryPublic.model_validate(e) for e in read_record(session, me.actor, wanted)]


@router.get("/record/verification")
def verification(session: WriteSession, app: ServicesDep, me: Auditor) -> VerificationPublic:
    """Recompute the hash chain from entry 1 and check the signed checkpoints; each
    configured witness's gap, as the verification page shows it."""
    result = verify_record(session, app.settings, me.actor)
    witnessed = gaps(session, configured(app.settings))
    return VerificationPublic(
        ok=result.ok,
        summary=str(result),
        entries=result.entries,
        checkpoints=result.checkpoints,
        signatures_checked=result.signatures_checked,
        last_seq=result.last_seq,
        uncovered=result.uncovered,
        problem=result.problem.value if result.problem else None,
        first_bad=result.first_bad,
        reason=result.reason,
        witnesses=[_gap(gap) for gap in witnessed],
    )


def _gap(gap: Gap) -> WitnessGapPublic:
    return WitnessGapPublic(
        witness=gap.witness,
        url=gap.url,
        gap=gap.open,
        checkpointed=gap.checkpointed,
        cosigned=gap.cosigned,
        behind=gap.behind,
        cosigned_at=gap.cosigned_at,
        tried_at=gap.tried_at,
        last_answer=gap.problem,
        summary=str(gap),
    )


@router.post("/record/checkpoints", status_code=201)
def checkpoint(session: WriteSession, app: ServicesDep, me: Auditor) -> CheckpointPublic:
    """Sign the record as it stands with this deployment's key."""
    return CheckpointPublic.model_validate(sign_checkpoint(session, app.settings, me.actor))


@router.get("/record/export", response_class=StreamingResponse, responses=JSON_LINES)
def export(session: WriteSession, app: ServicesDep, me: Auditor) -> StreamingResponse:
    """Every entry as JSON Lines, up to and including the entry recording this export;
    ``facedocket audit verify-export`` checks it without the database. The stream, read
    in a session of its own, starts after this route's transaction committed that entry."""
    last = export_record(session, me.actor, "entries")
    return _lines(app, "facedocket-record.jsonl", last, entries=True)


@router.get("/record/export/checkpoints", response_class=StreamingResponse, responses=JSON_LINES)
def export_signed(session: WriteSession, app: ServicesDep, me: Auditor) -> StreamingResponse:
    last = export_record(session, me.actor, "checkpoints")
    return _lines(app, "facedocket-checkpoints.jsonl", last, entries=False)


@router.get("/followup/overdue")
def overdue_statements(session: ReadSession, me: Supervision) -> list[OverduePublic]:
    """Emergency requests whose sworn statement is missing past its deadline."""
    return [
        OverduePublic(
            request_id=r.id,
            case_number=r.case_number,
            officer_name=r.officer_name,
            statement_due_at=r.basis.statement_due_at if r.basis else None,
        )
        for r in overdue(session)
    ]


@router.get("/followup/overdue-outcomes")
def overdue_lead_outcomes(session: ReadSession, me: Supervision) -> list[OverdueOutcomePublic]:
    """Leads whose law counts what followed them, with nothing recorded past the pack's days."""
    return [
        OverdueOutcomePublic.model_validate(late, from_attributes=True)
        for late in overdue_outcomes(session, me.actor)
    ]


def _lines(app: Services, filename: str, last: int, *, entries: bool) -> StreamingResponse:
    def lines() -> Iterator[bytes]:
        with app.sessions() as session:
            if entries:
                yield from export_entries(session, last=last)
            else:
                yield from export_checkpoints(session, last=last)

    return StreamingResponse(
        lines(),
        media_type="application/jsonl",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
