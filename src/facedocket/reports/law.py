"""Each law's own report, as a kind of its own, produced from the record.

A pack names the reports its law requires (``report_kinds``): what each holds, to whom
it goes and the day it is due, for the calendar year before. What each kind holds:

- ``requests-by-crime-type`` (Utah Code 77-23e): the crime types, the requests of each,
  and for each request its probable matches (candidates the examiners concluded to be
  possible leads) and the image source (gallery) of each match;
- ``searches-offences-outcomes`` (Mont. Code Ann. § 44-15-111(2), (3)): the searches
  run, the offences they investigated, and the arrests and convictions that resulted
  (``cases.outcomes``), by requesting agency;
- ``use-and-compliance`` (RCW 43.386): the extent of use (searches and requests by basis
  and by agency) and the compliance findings and unlawful searches of the year.

Counted are the requests and searches of the pack's own law. Only aggregates and request
numbers appear, never a name or a case number; producing one is on the record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.review import released_lead_ids
from facedocket.governance.access import acting_role
from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.policy import Policy, load_policy
from facedocket.policy.model import ReportKind
from facedocket.reports.compliance import CHECKS, findings
from facedocket.reports.exports import PUBLIC_REPORT_ROLES, record_export
from facedocket.reports.files import Files, csv_bytes, json_bytes, with_manifest
from facedocket.reports.periods import Period, calendar_year
from facedocket.store.schema import Agency, Candidate, Gallery, LeadOutcome, Search, SearchRequest

Tables = dict[str, list[dict[str, Any]]]


def report_kinds(policy: Policy) -> list[ReportKind]:
    return list(policy.report_kinds or [])


def due_on(kind: ReportKind, year: int) -> date:
    """The day the report on ``year`` is due: in the year after."""
    return date(year + 1, kind.due.month, kind.due.day)


def law_report(session: Session, actor: Actor, pack_id: str, kind_id: str, year: int) -> Files:
    """The ``kind_id`` report on calendar ``year``, by the version of ``pack_id`` in force
    on its due day."""
    role = acting_role(actor, PUBLIC_REPORT_ROLES, "produce a law's report")
    first = load_policy(pack_id)
    offered = {kind.id: kind for kind in report_kinds(first)}
    if kind_id not in offered:
        known = ", ".join(offered) or "none"
        raise Refused(
            f"{first.id} has no report kind {kind_id[:60]!r}; its kinds: {known}",
            code=RefusalCode.INVALID,
        )
    period = calendar_year(first, year)
    due = due_on(offered[kind_id], year)
    policy = load_policy(pack_id, at=due)
    kind = next((k for k in report_kinds(policy) if k.id == kind_id), offered[kind_id])
    tables = BUILDERS[kind.content](session, policy, period)
    about = {
        "report": kind.name,
        "kind": kind.id,
        "content": kind.content,
        "to": kind.to,
        "due": due.isoformat(),
        "period": period.describe(),
        "policy": f"{policy.id} {policy.version}",
    }
    content: Files = {f"{kind.id}.json": json_bytes({**about, **tables})}
    for name, rows in tables.items():
        if rows:
            content[f"{name}.csv"] = csv_bytes(list(rows[0]), rows)
    files = with_manifest(content, about)
    record_export(
        session,
        actor,
        role,
        f"law-report:{kind.id}",
        ("report", f"{kind.id}-{period.label}"),
        files,
        {"period": period.label, "policy": f"{policy.id} {policy.version}"},
    )
    return files


def _searches(session: Session, policy: Policy, period: Period) -> list[Search]:
    return list(
        session.scalars(
            select(Search)
            .join(SearchRequest, SearchRequest.id == Search.request_id)
            .where(
                SearchRequest.policy_id == policy.id,
                Search.run_at >= period.start,
                Search.run_at < period.end,
            )
            .order_by(Search.run_at, Search.id)
        )
    )


def _requests(session: Session, policy: Policy, period: Period) -> list[SearchRequest]:
    return list(
        session.scalars(
            select(SearchRequest)
            .where(
                SearchRequest.policy_id == policy.id,
                SearchRequest.submitted_at >= period.start,
                SearchRequest.submitted_at < period.end,
            )
            .order_by(SearchRequest.id)
        )
    )


def requests_by_crime_type(session: Session, policy: Policy, period: Period) -> Tables:
    galleries = {g.id: g.name for g in session.scalars(select(Gallery))}
    per_request = []
    for request in _requests(session, policy, period):
        leads = released_lead_ids(session, request)
        matches = session.scalars(select(Candidate).where(Candidate.id.in_(leads))).all()
        sources = Counter(galleries[_gallery_of(session, c)] for c in matches)
        per_request.append(
            {
                "request": request.id,
                "crime_type": request.offence_class,
                "probable_matches": len(matches),
                "image_sources": "; ".join(f"{name}: {n}" for name, n in sorted(sources.items())),
            }
        )
    types = Counter(row["crime_type"] for row in per_request)
    return {
        "crime_types": [{"crime_type": t, "requests": n} for t, n in sorted(types.items())],
        "requests": per_request,
    }


def _gallery_of(session: Session, candidate: Candidate) -> int:
    search = session.get_one(Search, candidate.search_id)
    return search.gallery_id


def searches_offences_outcomes(session: Session, policy: Policy, period: Period) -> Tables:
    agencies = {a.id: a.name for a in session.scalars(select(Agency))}
    searches = _searches(session, policy, period)
    requests = {s.request_id: s.request for s in searches}
    outcomes = session.scalars(
        select(LeadOutcome).where(LeadOutcome.request_id.in_(list(requests)))
    ).all()
    rows = []
    for agency_id in sorted({r.agency_id for r in requests.values()}, key=lambda a: agencies[a]):
        mine = {rid for rid, r in requests.items() if r.agency_id == agency_id}
        kinds = Counter(o.kind for o in outcomes if o.request_id in mine)
        offences = Counter(_offence(requests[rid]) for rid in mine)
        rows.append(
            {
                "requesting_agency": agencies[agency_id],
                "searches": sum(s.request_id in mine for s in searches),
                "offences": "; ".join(f"{o}: {n}" for o, n in sorted(offences.items())),
                "arrests": kinds["arrest"],
                "convictions": kinds["conviction"],
            }
        )
    offences = Counter(_offence(requests[s.request_id]) for s in searches)
    kinds = Counter(o.kind for o in outcomes)
    return {
        "totals": [
            {
                "searches": len(searches),
                "arrests": kinds["arrest"],
                "convictions": kinds["conviction"],
            }
        ],
        "offences": [{"offence": o, "searches": n} for o, n in sorted(offences.items())],
        "agencies": rows,
    }


def _offence(request: SearchRequest) -> str:
    return request.offence_code or request.offence_class


def use_and_compliance(session: Session, policy: Policy, period: Period) -> Tables:
    agencies = {a.id: a.name for a in session.scalars(select(Agency))}
    searches = _searches(session, policy, period)
    by_basis = Counter(s.request.basis.kind if s.request.basis else "none" for s in searches)
    by_agency = Counter(agencies[s.request.agency_id] for s in searches)
    mine = {s.request_id for s in searches}
    found = [
        f for f in findings(session, period.end) if f.request_id in mine and _within(f.at, period)
    ]
    checks = Counter(f.check for f in found)
    return {
        "use": [{"searches": len(searches), "requests": len(mine)}],
        "searches_by_basis": [{"basis": b, "searches": n} for b, n in sorted(by_basis.items())],
        "searches_by_agency": [
            {"requesting_agency": a, "searches": n} for a, n in sorted(by_agency.items())
        ],
        "compliance": [{"check": c, "what": CHECKS[c], "findings": checks[c]} for c in CHECKS],
    }


def _within(at: str, period: Period) -> bool:
    return bool(at) and period.start <= datetime.fromisoformat(at) < period.end


BUILDERS: dict[str, Callable[[Session, Policy, Period], Tables]] = {
    "requests-by-crime-type": requests_by_crime_type,
    "searches-offences-outcomes": searches_offences_outcomes,
    "use-and-compliance": use_and_compliance,
}
