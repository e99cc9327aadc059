"""What a request shows about its legal basis, in the policy's vocabulary.

The policy names required fields (``court``, ``order_scope``, ``approving_supervisor`` ...);
this module says which of them a stored request actually has, so the policy can judge it.
"""

from __future__ import annotations

from datetime import datetime

from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.policy import (
    BasisFacts,
    Decision,
    Policy,
    check_basis,
    check_intake_body,
    check_searcher,
)
from facedocket.store.schema import LegalBasis, SearchRequest

# Fields the searching body supplies after submission; a requester cannot be asked for them.
SUPPLIED_LATER = {"approving_supervisor", "sworn_statement"}


def fields_present(request: SearchRequest) -> set[str]:
    basis = request.basis
    probes = [d for d in request.documents if d.kind == "probe"]
    present = {
        "requesting_officer": bool(request.officer_name),
        "officer_rank": bool(request.officer_rank),
        "agency": bool(request.agency_id),
        "case_number": bool(request.case_number),
        "offence": bool(request.offence),
        "narrative": bool(request.narrative),
        "probe_image": bool(probes),
        "probe_source": bool(probes) and all(d.source for d in probes),
        "purpose": bool(request.purpose),
    }
    if basis is not None:
        ordered = basis.order_document_id is not None
        present |= {
            "order_document": ordered and basis.kind == "court_order",
            "warrant_document": ordered and basis.kind == "warrant",
            "court": bool(basis.court),
            "docket_number": bool(basis.docket_number),
            "judge": bool(basis.judge),
            "issued_on": basis.issued_on is not None,
            "expires_on": basis.expires_at is not None,
            "order_scope": bool(basis.scope),
            "emergency_facts": basis.kind == "emergency" and bool(basis.facts),
            "death_record": basis.kind == "deceased" and bool(basis.facts),
            "missing_person_report": basis.kind == "missing_person" and bool(basis.facts),
            "approving_supervisor": basis.supervisor_id is not None,
            "sworn_statement": basis.statement_document_id is not None,
        }
    return {name for name, there in present.items() if there}


def basis_facts(request: SearchRequest, *, stage: str) -> BasisFacts:
    """The facts at a stage: ``submit`` and ``approve`` credit what the searching body
    supplies later; ``search`` credits nothing."""
    basis = legal_basis(request)
    present = fields_present(request)
    later = stage != "search"
    return BasisFacts(
        basis=basis.kind,
        fields_present=present | SUPPLIED_LATER if later else present,
        offence_class=request.offence_class,
        offence_code=request.offence_code,
        basis_confirmed=later or basis.confirmed_at is not None,
        issued_on=basis.issued_on,
        expires_at=basis.expires_at,
        searches_done=0 if later else len(request.searches),
        searches_allowed=basis.searches_allowed,
        first_search_at=request.searches[0].run_at if request.searches else None,
        purpose=request.purpose,
        statements={str(k): str(v) for k, v in (request.statements or {}).items()},
    )


def require(decision: Decision) -> None:
    if not decision.allowed:
        raise Refused(list(decision.reasons), code=RefusalCode.POLICY)


def require_basis(policy: Policy, request: SearchRequest, stage: str, at: datetime) -> None:
    require(check_basis(policy, basis_facts(request, stage=stage), at))


def require_intake_body(policy: Policy, actor: Actor) -> None:
    """Intake belongs to the screening body where the policy has two stages, else to the
    bodies the policy lets search."""
    require(check_intake_body(policy, actor.agency_code))


def require_searcher(policy: Policy, actor: Actor, role: Role) -> None:
    require(check_searcher(policy, actor.agency_code, role.value))


def legal_basis(request: SearchRequest) -> LegalBasis:
    if request.basis is None:
        raise Refused("the request has no legal basis", code=RefusalCode.NO_BASIS)
    return request.basis


def searches_granted(policy: Policy, request: SearchRequest) -> int | None:
    """How many searches the request's basis grants under ``policy``, as the search gate
    counts them; none for a request without a basis the policy knows."""
    basis = request.basis
    if basis is None:
        return None
    # The basis is stored text: whether the policy knows it is the question.
    rule = policy.bases.get(basis.kind)  # type: ignore[call-overload]
    return None if rule is None else int(rule.searches.granted(basis.searches_allowed))
