"""The quarterly per-search documentation for the oversight office (requirement 13).

One row per search that one searching body ran in one quarter: what requirement 7 asks
to be recorded (operator, time, gallery, algorithm and version, threshold, list size,
candidates returned) and what the statute's documentation names (requesting agency and
officer, basis, offence, number of searches). It is not public: only auditors and
administrators produce it, and each production is on the record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.basis import require
from facedocket.governance.access import acting_role
from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.policy import check_searching_body, load_policy
from facedocket.reports.exports import CONFIDENTIAL_ROLES, record_export
from facedocket.reports.files import Files, csv_bytes, json_bytes, with_manifest
from facedocket.reports.periods import Period, quarter
from facedocket.settings import Settings
from facedocket.store.schema import Agency, Document, FaceModelRecord, Gallery, Search, User

COLUMNS = (
    "search_id",
    "request_id",
    "run_at",
    "searching_body",
    "examiner",
    "examiner_name",
    "requesting_agency",
    "requesting_officer",
    "officer_rank",
    "case_number",
    "offence",
    "offence_class",
    "offence_code",
    "basis",
    "court",
    "docket_number",
    "judge",
    "order_issued_on",
    "order_expires_at",
    "basis_confirmed_at",
    "emergency_supervisor",
    "statement_due_at",
    "statement_filed_at",
    "search_number",
    "searches_in_request",
    "gallery",
    "model",
    "model_version",
    "model_sha256",
    "index_backend",
    "threshold",
    "list_size",
    "candidates_returned",
    "quality_override",
    "policy",
)


def quarterly_export(
    session: Session, settings: Settings, actor: Actor, quarter_text: str, body_code: str
) -> Files:
    """The quarter's documentation of one searching body, as CSV and JSON with a manifest."""
    role = acting_role(actor, CONFIDENTIAL_ROLES, "produce per-search documentation")
    policy = load_policy(settings.policy)
    period = quarter(policy, quarter_text)
    body = session.scalar(select(Agency).where(Agency.code == body_code))
    if body is None:
        raise Refused(f"no agency with code {body_code[:63]!r}", code=RefusalCode.UNKNOWN_BODY)
    require(check_searching_body(policy, body.code))
    rows = documentation_rows(session, body, period, policy.zone)
    files = with_manifest(
        {
            "searches.csv": csv_bytes(COLUMNS, rows),
            "searches.json": json_bytes(
                {"quarter": period.label, "searching_body": body.code, "searches": rows}
            ),
        },
        {
            "report": "per-search documentation (confidential: not for publication)",
            "for": policy.reporting.oversight_body,
            "quarter": period.label,
            "period": period.describe(),
            "searching_body": f"{body.code}: {body.name}",
            "searches": len(rows),
            "policy": f"{policy.id} {policy.version}",
        },
    )
    record_export(
        session,
        actor,
        role,
        "quarterly",
        ("report", f"quarterly-{period.label}-{body.code}"),
        files,
        {"quarter": period.label, "searching_body": body.code, "searches": len(rows)},
    )
    return files


def documentation_rows(
    session: Session, body: Agency, period: Period, zone: ZoneInfo
) -> list[dict[str, Any]]:
    """One row per search of ``body`` in ``period``, in the order they ran."""
    searches = session.scalars(
        select(Search)
        .where(
            Search.searching_agency_id == body.id,
            Search.run_at >= period.start,
            Search.run_at < period.end,
        )
        .order_by(Search.run_at, Search.id)
    )
    agencies = {a.id: a for a in session.scalars(select(Agency))}
    users = {u.id: u for u in session.scalars(select(User))}
    galleries = {g.id: g.name for g in session.scalars(select(Gallery))}
    models = {m.id: m for m in session.scalars(select(FaceModelRecord))}
    rows = []
    for search in searches:
        request, model = search.request, models[search.model_id]
        basis = request.basis
        filed = basis.statement_document_id if basis else None
        statement = session.get(Document, filed) if filed is not None else None
        supervisor = users.get(basis.supervisor_id) if basis and basis.supervisor_id else None
        row: dict[str, Any] = {
            "search_id": search.id,
            "request_id": request.id,
            "run_at": _local(search.run_at, zone),
            "searching_body": body.code,
            "examiner": users[search.examiner_id].username,
            "examiner_name": users[search.examiner_id].full_name,
            "requesting_agency": agencies[request.agency_id].code,
            "requesting_officer": request.officer_name,
            "officer_rank": request.officer_rank,
            "case_number": request.case_number,
            "offence": request.offence,
            "offence_class": request.offence_class,
            "offence_code": request.offence_code,
            "basis": basis.kind if basis else None,
            "court": basis.court if basis else None,
            "docket_number": basis.docket_number if basis else None,
            "judge": basis.judge if basis else None,
            "order_issued_on": basis.issued_on.isoformat() if basis and basis.issued_on else None,
            "order_expires_at": _local(basis.expires_at, zone) if basis else None,
            "basis_confirmed_at": _local(basis.confirmed_at, zone) if basis else None,
            "emergency_supervisor": supervisor.username if supervisor else None,
            "statement_due_at": _local(basis.statement_due_at, zone) if basis else None,
            "statement_filed_at": _local(statement.uploaded_at, zone) if statement else None,
            "search_number": [s.id for s in request.searches].index(search.id) + 1,
            "searches_in_request": len(request.searches),
            "gallery": galleries[search.gallery_id],
            "model": model.name,
            "model_version": model.version,
            "model_sha256": model.file_sha256,
            "index_backend": search.index_backend,
            "threshold": f"{search.threshold:.4f}",
            "list_size": search.list_size,
            "candidates_returned": search.candidates_returned,
            "quality_override": search.quality_override,
            "policy": f"{search.policy_id} {search.policy_version}",
        }
        rows.append(row)
    return rows


def _local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")
