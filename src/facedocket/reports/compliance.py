"""The compliance report (requirement 19): what must be none, listed case by case.

Each check reads the record as it stands at ``at`` and judges every search by the rules
of its own request's policy, at the moment it ran:

- ``basis``: a request past draft without a legal basis, or a search whose basis did not
  hold when it ran (``policy.check_basis`` on the facts as they were then);
- ``statement``: an emergency search whose sworn statement is missing past its deadline
  (``cases.followup.overdue``) or was filed after it;
- ``review``: a search whose candidates still lack a conclusion (a second one too, where
  the policy requires a second examiner); a purged candidate list is not counted;
- ``training``: a search by an examiner whose training did not count, where the policy
  requires training;
- ``model``: a search with a model the register had not approved, where the policy
  requires approval;
- ``unlawful``: a search a supervisor or an auditor declared unlawful, its results
  deleted (``cases.unlawful``): the tombstone's date and reason.

The gate refuses all of these; this report is the independent check that it did. Beside
the checks, ``witnessing`` lists each configured witness with any gap in its
cosignatures of the record as it stands now (``audit.gaps``): a record no outsider has
cosigned since could have been rewritten by whoever holds the agency's key; and
``cosigned_checkpoint`` embeds the newest checkpoint a witness cosigned (None: none). It
names cases, so it is confidential, and each production is on the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.audit.gaps import Gap, gaps
from facedocket.audit.witnesses import Witness
from facedocket.cases.basis import fields_present
from facedocket.cases.followup import overdue
from facedocket.cases.states import State
from facedocket.governance.access import acting_role
from facedocket.governance.register import is_approved
from facedocket.governance.training import training_decision
from facedocket.kernel.actors import Actor
from facedocket.policy import BasisFacts, Pack, Policy, PolicyError, check_basis, load_pack
from facedocket.reports.exports import CONFIDENTIAL_ROLES, record_export
from facedocket.reports.files import Files, csv_bytes, json_bytes, with_manifest
from facedocket.reports.witnessed import latest_cosigned
from facedocket.store.schema import (
    Document,
    LegalBasis,
    Purge,
    Review,
    Search,
    SearchRequest,
    UnlawfulDeletion,
)

CHECKS = {
    "basis": "requests and searches without a valid legal basis",
    "statement": "emergency searches whose sworn statement is missing or was late",
    "review": "searches whose candidates lack a required examiner conclusion",
    "training": "searches by examiners whose training did not count",
    "model": "searches with a model not approved at the time",
    "unlawful": "searches declared unlawful, their results deleted as the law requires",
}
COLUMNS = ("check", "request_id", "case_number", "search_id", "at", "detail")


@dataclass(frozen=True)
class Finding:
    check: str
    request_id: int
    case_number: str
    search_id: int | None
    at: str
    detail: str


def compliance_export(
    session: Session, actor: Actor, at: datetime, witnesses: Sequence[Witness] = ()
) -> Files:
    """The report's files; ``witnesses``, those configured, are each shown with any gap in
    their cosignatures of the record (``witnessing``)."""
    role = acting_role(actor, CONFIDENTIAL_ROLES, "produce the compliance report")
    found = findings(session, at)
    witnessing = [_witness_row(gap) for gap in gaps(session, witnesses)]
    cosigned = latest_cosigned(session)
    rows = [asdict(finding) for finding in found]
    counts = {check: sum(f.check == check for f in found) for check in CHECKS}
    as_of = at.isoformat(timespec="seconds")
    files = with_manifest(
        {
            "compliance.json": json_bytes(
                {
                    "as_of": as_of,
                    "checks": CHECKS,
                    "counts": counts,
                    "findings": rows,
                    "witnessing": witnessing,
                    "cosigned_checkpoint": cosigned.record() if cosigned else None,
                }
            ),
            "compliance.csv": csv_bytes(COLUMNS, rows),
        },
        {
            "report": "compliance (confidential: not for publication)",
            "as_of": as_of,
            "findings": len(found),
            "witness_gaps": sum(row["gap"] for row in witnessing),
        },
    )
    record_export(
        session, actor, role, "compliance", ("report", "compliance"), files, {"as_of": as_of}
    )
    return files


def _witness_row(gap: Gap) -> dict[str, object]:
    return {
        "witness": gap.witness,
        "gap": gap.open,
        "cosigned_entries": gap.cosigned,
        "signed_not_cosigned": gap.behind,
        "last_answer": gap.problem,
        "summary": str(gap),
    }


def findings(session: Session, at: datetime) -> list[Finding]:
    """Every finding at ``at``, by check, then request, then search."""
    found: list[Finding] = []
    packs: dict[str, Pack | None] = {}
    requests = session.scalars(
        select(SearchRequest)
        .where(SearchRequest.state != State.DRAFT, SearchRequest.submitted_at <= at)
        .order_by(SearchRequest.id)
    )
    purged = set(session.scalars(select(Purge.search_id).where(Purge.search_id.is_not(None))))
    for request in requests:
        if request.policy_id not in packs:
            packs[request.policy_id] = _pack(request.policy_id)
        pack = packs[request.policy_id]
        if request.basis is None or pack is None:
            why = "no legal basis on record" if request.basis is None else "unknown policy"
            found.append(_finding("basis", request, None, request.submitted_at, why))
            continue
        for search in request.searches:
            if search.run_at > at:
                continue
            # Each search is judged by the version in force when it ran.
            found += _search_findings(
                session, pack.at(search.run_at), request, request.basis, search, search.id in purged
            )
    for request in overdue(session, at):
        due = request.basis.statement_due_at if request.basis else None
        found.append(_finding("statement", request, None, due, "sworn statement missing"))
    found += _late_statements(session, at)
    found += _unlawful(session, at)
    order = list(CHECKS)
    return sorted(
        found, key=lambda f: (order.index(f.check), f.request_id, f.search_id or 0, f.detail)
    )


def _search_findings(
    session: Session,
    policy: Policy,
    request: SearchRequest,
    basis: LegalBasis,
    search: Search,
    purged: bool,
) -> list[Finding]:
    found = []
    facts = _facts_then(session, request, basis, search)
    decision = check_basis(policy, facts, search.run_at)
    if not decision.allowed:
        found.append(_finding("basis", request, search, search.run_at, "; ".join(decision.reasons)))
    if not purged:
        rounds = (1, 2) if policy.review.second_examiner == "required" else (1,)
        missing = _missing_conclusions(session, search, rounds)
        if missing:
            detail = f"{missing} of {len(search.candidates) * len(rounds)} conclusions missing"
            found.append(_finding("review", request, search, search.run_at, detail))
    training = training_decision(session, policy, search.examiner_id, search.run_at)
    if not training.allowed:
        detail = "; ".join(training.reasons)
        found.append(_finding("training", request, search, search.run_at, detail))
    if policy.algorithm_approval_required and not is_approved(
        session, search.model_id, search.run_at
    ):
        detail = f"model {search.model_id} was not approved when the search ran"
        found.append(_finding("model", request, search, search.run_at, detail))
    return found


def _facts_then(
    session: Session, request: SearchRequest, basis: LegalBasis, search: Search
) -> BasisFacts:
    """The basis facts as they stood when ``search`` ran."""
    present = set(fields_present(request))
    filed = basis.statement_document_id
    statement = session.get(Document, filed) if filed is not None else None
    if statement is None or statement.uploaded_at > search.run_at:
        present.discard("sworn_statement")
    approved = basis.supervisor_approved_at
    if approved is None or approved > search.run_at:
        present.discard("approving_supervisor")
    earlier = [s for s in request.searches if s.id < search.id]
    return BasisFacts(
        basis=basis.kind,
        fields_present=present,
        offence_class=request.offence_class,
        offence_code=request.offence_code,
        basis_confirmed=basis.confirmed_at is not None and basis.confirmed_at <= search.run_at,
        expires_at=basis.expires_at,
        searches_done=len(earlier),
        searches_allowed=basis.searches_allowed,
        first_search_at=earlier[0].run_at if earlier else None,
    )


def _missing_conclusions(session: Session, search: Search, rounds: tuple[int, ...]) -> int:
    rows = session.execute(
        select(Review.candidate_id, Review.round).where(Review.search_id == search.id)
    )
    made = {(row.candidate_id, row.round) for row in rows}
    return sum((c.id, r) not in made for c in search.candidates for r in rounds)


def _late_statements(session: Session, at: datetime) -> list[Finding]:
    found = []
    for request in session.scalars(select(SearchRequest).order_by(SearchRequest.id)):
        basis = request.basis
        if basis is None or basis.statement_due_at is None or basis.statement_document_id is None:
            continue
        filed = session.get_one(Document, basis.statement_document_id).uploaded_at
        if basis.statement_due_at < filed <= at:
            detail = f"sworn statement filed {filed.isoformat(timespec='seconds')}, late"
            found.append(_finding("statement", request, None, basis.statement_due_at, detail))
    return found


def _unlawful(session: Session, at: datetime) -> list[Finding]:
    deleted = session.scalars(
        select(UnlawfulDeletion)
        .where(UnlawfulDeletion.declared_at <= at)
        .order_by(UnlawfulDeletion.id)
    )
    return [
        Finding(
            check="unlawful",
            request_id=tombstone.request_id,
            case_number=session.get_one(SearchRequest, tombstone.request_id).case_number,
            search_id=tombstone.search_id,
            at=tombstone.declared_at.isoformat(timespec="seconds"),
            detail=f"{tombstone.candidates} candidate(s) deleted: {tombstone.reason}",
        )
        for tombstone in deleted
    ]


def _pack(policy_id: str) -> Pack | None:
    try:
        return load_pack(policy_id)
    except PolicyError:
        return None


def _finding(
    check: str,
    request: SearchRequest,
    search: Search | None,
    at: datetime | None,
    detail: str,
) -> Finding:
    return Finding(
        check=check,
        request_id=request.id,
        case_number=request.case_number,
        search_id=search.id if search is not None else None,
        at=at.isoformat(timespec="seconds") if at is not None else "",
        detail=detail,
    )
