"""A public search log: what the law makes public of each search, and nothing else.

Maine's act makes the BMV's log of searches a public record. The pack says which bodies'
searches the log holds, which fields it shows and in which formats (``public_log``); the
fields come from a closed list (``policy.afterwards.PublicLogField``) that has no name,
case number, narrative, probe or candidate in it, so no pack can publish one. Each row is
built from the field list alone: nothing is read that the list does not name. Producing it
reads the record, so it takes a supervisor, auditor or administrator, and is on the record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.governance.access import acting_role
from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.policy import PolicyError, load_pack
from facedocket.policy.model import Policy
from facedocket.reports.exports import PUBLIC_REPORT_ROLES, record_export
from facedocket.reports.files import Files, csv_bytes, json_bytes, with_manifest
from facedocket.store.schema import Agency, Gallery, Search, SearchRequest, UnlawfulDeletion

LONGEST = timedelta(days=366 * 5)

Value = Callable[["Row"], Any]


@dataclass(frozen=True)
class Row:
    """One search as the public log may read it (only through ``FIELDS``)."""

    search: Search
    policy: Policy
    agencies: dict[int, str]
    galleries: dict[int, str]
    deleted: bool

    def local(self) -> datetime:
        return self.search.run_at.astimezone(self.policy.zone)


def _basis(row: Row) -> str | None:
    basis = row.search.request.basis
    return basis.kind if basis is not None else None


FIELDS: dict[str, Value] = {
    "date": lambda row: row.local().date().isoformat(),
    "time": lambda row: row.local().strftime("%H:%M"),
    "requesting_agency": lambda row: row.agencies[row.search.request.agency_id],
    "searching_body": lambda row: row.agencies[row.search.searching_agency_id],
    "basis": _basis,
    "offence_class": lambda row: row.search.request.offence_class,
    "offence_code": lambda row: row.search.request.offence_code,
    "purpose": lambda row: row.search.request.purpose,
    "gallery": lambda row: row.galleries[row.search.gallery_id],
    "candidates_returned": lambda row: row.search.candidates_returned,
    "outcome": lambda row: row.search.request.outcome or "pending",
    "results_deleted": lambda row: row.deleted,
    "policy": lambda row: f"{row.search.policy_id} {row.search.policy_version}",
}


def public_log_export(
    session: Session, actor: Actor, pack_id: str, first: date, last: date
) -> Files:
    """The public log of ``pack_id``'s searches run from ``first`` to ``last`` (local days,
    both included), in the fields and formats of the version in force on ``last``."""
    role = acting_role(actor, PUBLIC_REPORT_ROLES, "produce a public search log")
    try:
        pack = load_pack(pack_id)
    except PolicyError as error:
        raise Refused(str(error), code=RefusalCode.POLICY) from None
    if last < first:
        raise Refused(f"--to {last} is before --from {first}", code=RefusalCode.INVALID)
    if last - first > LONGEST:
        raise Refused(
            "a public log covers at most five years; produce one per period",
            code=RefusalCode.INVALID,
        )
    policy = pack.at(last)
    rule = policy.public_log
    if rule is None:
        raise Refused(
            f"{policy.title} ({policy.id} {policy.version}) makes no search log public",
            code=RefusalCode.POLICY,
        )
    start = datetime.combine(first, time(), policy.zone)
    end = datetime.combine(last + timedelta(days=1), time(), policy.zone)
    codes = list(rule.searching_bodies)
    bodies = [a.id for a in session.scalars(select(Agency).where(Agency.code.in_(codes)))]
    searches = session.scalars(
        select(Search)
        .join(SearchRequest, SearchRequest.id == Search.request_id)
        .where(
            SearchRequest.policy_id == pack.id,
            Search.searching_agency_id.in_(bodies),
            Search.run_at >= start,
            Search.run_at < end,
        )
        .order_by(Search.run_at, Search.id)
    ).all()
    agencies = {a.id: a.name for a in session.scalars(select(Agency))}
    galleries = {g.id: g.name for g in session.scalars(select(Gallery))}
    deleted = set(session.scalars(select(UnlawfulDeletion.search_id)))
    shown = [Row(s, policy, agencies, galleries, s.id in deleted) for s in searches]
    rows: list[dict[str, Any]] = [{f: FIELDS[f](row) for f in rule.fields} for row in shown]
    period = f"{first.isoformat()} to {last.isoformat()} ({policy.timezone})"
    content: Files = {}
    if "csv" in rule.formats:
        content["public-log.csv"] = csv_bytes(rule.fields, rows)
    if "json" in rule.formats:
        content["public-log.json"] = json_bytes({"period": period, "searches": rows})
    files = with_manifest(
        content,
        {
            "report": "public search log (a public record)",
            "policy": f"{policy.id} {policy.version}",
            "searching_bodies": sorted(rule.searching_bodies),
            "period": period,
            "fields": list(rule.fields),
            "searches": len(rows),
        },
    )
    record_export(
        session,
        actor,
        role,
        "public-log",
        ("report", f"public-log-{pack.id}-{first.isoformat()}-{last.isoformat()}"),
        files,
        {"policy": f"{policy.id} {policy.version}", "period": period, "searches": len(rows)},
    )
    return files
