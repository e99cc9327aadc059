"""The search gate: the one place in FaceDocket where a probe meets a gallery index.

A 1:N search runs only here, only for an approved request whose legal basis holds right
now, only by an examiner of a body the policy lets search (trained, where the policy asks
for training) who took no step of the request the policy keeps apart from searching,
only against a gallery the policy allows, only with a model the algorithm register
approved, where the policy asks for approval, whose per-group figures there meet the
policy's accuracy floor, where it sets one, and only on probe bytes that hash to what
the record stored. Everything requirement 7 asks is recorded with the candidates, in the
same transaction as the audit entry and a checkpoint signed over it, so a search either
happened on the signed record or not at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.cases.basis import require, require_basis, require_searcher
from facedocket.cases.configuration import gate_settings, record_gate_settings
from facedocket.cases.duties import require_separate_duties
from facedocket.cases.evidence import candidate_fact, candidate_list_sha256, verified_content
from facedocket.cases.requests import locked_case
from facedocket.cases.signing import sign_after_search
from facedocket.cases.states import State, next_state
from facedocket.faces.errors import FaceError
from facedocket.faces.pipeline import FacePipeline
from facedocket.gallery.candidates import HITS_PER_CANDIDATE, rank_people
from facedocket.gallery.galleries import ensure_model_record
from facedocket.gallery.opened import opened_index
from facedocket.governance.figures import accuracy_decision
from facedocket.governance.register import is_approved
from facedocket.governance.training import training_decision
from facedocket.kernel import clock
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.policy import (
    Policy,
    candidate_list_size,
    check_algorithm,
    check_gallery,
    emergency_deadline,
    load_policy,
    similarity_threshold,
)
from facedocket.settings import Settings
from facedocket.store.schema import Candidate, Document, Gallery, Person, Search, SearchRequest


def run_search(
    session: Session,
    settings: Settings,
    actor: Actor,
    request_id: int,
    pipeline: FacePipeline,
    *,
    probe_id: int | None = None,
    face: int | None = None,
    list_size: int | None = None,
    quality_override: str | None = None,
) -> Search:
    """Search the request's gallery with its probe; refuses unless every rule holds."""
    # Locked first: the count of searches the order allows is read here and changed below.
    request, actor = locked_case(session, actor, request_id)
    at = clock.now()
    to, role, policy, gallery = may_search(session, request, actor, at)
    probe = _probe(request.documents, probe_id)
    content = verified_content(session, probe)
    try:
        photo, chosen = pipeline.probe_face(content, face)
    except FaceError as error:
        raise Refused(
            f"probe {probe.filename}: {error.message}", code=RefusalCode[error.code.name]
        ) from None
    floor = policy.probe_min_eye_distance
    if chosen.quality.eye_distance < floor and not (quality_override or "").strip():
        raise Refused(
            f"the probe face is {chosen.quality.eye_distance:.0f} pixels between the eyes, "
            f"under the policy's {floor}; give a quality override reason to search anyway",
            code=RefusalCode.POOR_PROBE,
        )
    model = ensure_model_record(session, pipeline.embedder)
    require(check_algorithm(policy, is_approved(session, model.id, at)))
    require(accuracy_decision(session, policy, model.id, at))
    size = candidate_list_size(policy, list_size)
    threshold = similarity_threshold(policy, settings.match_threshold or model.threshold)
    record_gate_settings(session, gate_settings(settings, policy, model, threshold))
    vector = pipeline.embed([chosen], probe=True)
    with opened_index(session, settings, gallery.id, model.id) as index:
        hits = index.search(vector, size * HITS_PER_CANDIDATE)
    people = rank_people(session, hits, size, threshold)
    search = Search(
        request_id=request.id,
        examiner_id=actor.user_id,
        searching_agency_id=actor.agency_id,
        run_at=at,
        gallery_id=gallery.id,
        model_id=model.id,
        index_backend=settings.index_backend,
        threshold=threshold,
        list_size=size,
        candidates_returned=len(people),
        probe_document_id=probe.id,
        probe_face=chosen.index,
        probe_box=chosen.detection.box.as_dict(),
        probe_width=photo.width,
        probe_height=photo.height,
        probe_quality=chosen.quality.as_dict(),
        quality_override=(quality_override or "").strip() or None,
        policy_id=policy.id,
        policy_version=policy.version,
        candidates=[
            Candidate(
                rank=p.rank,
                person_id=p.person_id,
                photo_id=p.photo_id,
                template_id=p.template_id,
                score=p.score,
            )
            for p in people
        ],
    )
    session.add(search)
    basis = request.basis
    if basis is not None and basis.kind == "emergency" and basis.statement_due_at is None:
        basis.statement_due_at = emergency_deadline(policy, at)
    request.state = to
    session.flush()
    log(
        session,
        actor,
        role,
        "search.run",
        request.id,
        {
            "search": search.id,
            "gallery": gallery.name,
            "model": f"{model.name} {model.version}",
            "model_sha256": model.file_sha256,
            "index": settings.index_backend,
            "threshold": f"{threshold:.4f}",
            "list_size": size,
            "candidates_returned": len(people),
            "probe_sha256": probe.sha256,
            "probe_face": chosen.index,
            "faces_in_probe": len(photo.faces),
            "quality_override": search.quality_override,
            "candidates_sha256": _candidates_sha256(session, search),
        },
        policy,
    )
    sign_after_search(session, settings)
    return search


def may_search(
    session: Session, request: SearchRequest, actor: Actor, at: datetime
) -> tuple[State, Role, Policy, Gallery]:
    """Where a search leads and under what, or Refused: every rule of the request, the
    examiner and the gallery, before the probe is looked at (the page's offer asks it too)."""
    to, role = next_state(request.state, "search", actor)
    # The law of the day the search runs, which may be a later version than the one the
    # request was written under.
    policy = load_policy(request.policy_id, at=at)
    require_searcher(policy, actor, role)
    require_separate_duties(session, policy, request, actor, "search")
    require(training_decision(session, policy, actor.user_id, at))
    require_basis(policy, request, "search", at)
    gallery = session.get_one(Gallery, request.gallery_id)
    require(check_gallery(policy, gallery.name))
    return to, role, policy, gallery


def _candidates_sha256(session: Session, search: Search) -> str:
    """The candidate list as the examiners will be shown it, hashed for the record."""
    people = {
        p.id: p
        for p in session.scalars(
            select(Person).where(Person.id.in_([c.person_id for c in search.candidates]))
        )
    }
    return candidate_list_sha256(candidate_fact(c, people[c.person_id]) for c in search.candidates)


def _probe(documents: list[Document], probe_id: int | None) -> Document:
    probes = [d for d in documents if d.kind == "probe"]
    if probe_id is not None:
        probes = [d for d in probes if d.id == probe_id]
    if not probes:
        raise Refused("the request has no such probe photo", code=RefusalCode.MISSING_PROBE)
    if len(probes) > 1:
        raise Refused(
            "the request has several probes; say which one to search with",
            code=RefusalCode.MISSING_PROBE,
        )
    return probes[0]
