"""The rules applied: plain facts in, a ``Decision`` out, nothing read or written.

The cases layer gathers the facts from its records, asks here, and records the decision
(with the policy id and version it carries) in the audit record. A refusal lists every
reason at once, so a requester fixes the request in one go.

Facts come from people, so text in them is hostile: it is shown shortened and quoted in
reasons, never trusted. Times must be timezone-aware; a naive one is a programming error.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from facedocket.policy.dates import order_date_reasons
from facedocket.policy.floors import GroupFigure, floor_reasons
from facedocket.policy.grounds import narrative_reasons, offence_reasons, purpose_reasons, show
from facedocket.policy.model import DutyStep, Policy

ProbeKind = Literal["photo", "video_still", "live_video"]
RecordType = Literal["probe_images", "candidate_lists", "documents", "request_records"]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...]
    policy_id: str
    policy_version: str

    def __bool__(self) -> bool:
        # ``if check_basis(...):`` would always be true for a dataclass; make it an error.
        raise TypeError("test Decision.allowed, not the decision itself")

    def details(self) -> dict[str, object]:
        """The decision as audit-record details (the policy goes in its own fields)."""
        return {"allowed": self.allowed, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class BasisFacts:
    """What a request shows about its legal basis, as the cases layer knows it."""

    basis: str
    fields_present: Collection[str]
    offence_class: str | None = None
    offence_code: str | None = None
    # A reviewer confirmed that the order, warrant or facts cover this request.
    basis_confirmed: bool = False
    issued_on: date | None = None
    expires_at: datetime | None = None
    searches_done: int = 0
    # Searches the authorisation grants; None: the policy's default for the basis.
    searches_allowed: int | None = None
    first_search_at: datetime | None = None
    purpose: str | None = None
    # The request's written statements, by the policy's narrative id.
    statements: Mapping[str, str] = field(default_factory=dict)


def check_basis(policy: Policy, facts: BasisFacts, now: datetime) -> Decision:
    """May a search run now on this basis? Refused with every reason that applies."""
    _aware(now, "now")
    if facts.searches_done < 0:
        raise ValueError("searches_done is negative")
    if facts.searches_allowed is not None and facts.searches_allowed < 0:
        raise ValueError("searches_allowed is negative")
    reasons = []
    local_day = now.astimezone(policy.zone).date()
    if local_day < policy.effective_from:
        reasons.append(
            f"policy {policy.id} {policy.version} takes effect on {policy.effective_from}"
        )
    if policy.effective_to is not None and local_day > policy.effective_to:
        reasons.append(
            f"policy {policy.id} {policy.version} ended on {policy.effective_to}; no later "
            "version is in force"
        )
    # The basis is a person's text: whether it is a BasisKind at all is the question.
    rule = policy.bases.get(facts.basis)  # type: ignore[call-overload]
    if rule is None and not policy.bases:
        reasons.append(f"policy {policy.id} {policy.version} allows no search on any basis")
        return _decide(policy, reasons)
    if rule is None:
        allowed = ", ".join(policy.bases)
        reasons.append(f"legal basis {show(facts.basis)} is not allowed; allowed: {allowed}")
        return _decide(policy, reasons)
    missing = [
        field
        for field in (*policy.request_fields, *rule.required_fields)
        if field not in facts.fields_present
    ]
    if missing:
        reasons.append(f"missing for a {facts.basis} request: {', '.join(missing)}")
    if rule.reviewer_confirms and not facts.basis_confirmed:
        reasons.append(f"a reviewer has not confirmed that the {facts.basis} covers the request")
    if rule.offence_rule_applies:
        reasons += offence_reasons(policy, facts.offence_class, facts.offence_code)
    reasons += purpose_reasons(policy, facts.purpose)
    reasons += narrative_reasons(policy, facts.basis, facts.statements)
    reasons += _expiry_reasons(facts, "expires_on" in rule.required_fields, now)
    reasons += order_date_reasons(policy, facts.basis, facts.issued_on, facts.expires_at, now)
    granted = rule.searches.granted(facts.searches_allowed)
    if granted > rule.searches.max:
        reasons.append(
            f"{granted} searches granted, more than the {rule.searches.max} a {facts.basis} "
            "may allow"
        )
    elif facts.searches_done >= granted:
        reasons.append(f"all {granted} searches this {facts.basis} allows have been run")
    follow_up = rule.follow_up
    if follow_up is not None and facts.first_search_at is not None:
        due = _aware(facts.first_search_at, "first_search_at") + timedelta(
            hours=follow_up.deadline_hours
        )
        if now > due and follow_up.document not in facts.fields_present:
            reasons.append(
                f"the {follow_up.document} due to {follow_up.filed_with} by "
                f"{due.isoformat()} is overdue"
            )
    return _decide(policy, reasons)


def _expiry_reasons(facts: BasisFacts, expiry_required: bool, now: datetime) -> list[str]:
    if facts.expires_at is None:
        return ["the authorisation's expiry is not recorded"] if expiry_required else []
    if now >= _aware(facts.expires_at, "expires_at"):
        return [f"the {facts.basis} expired at {facts.expires_at.isoformat()}"]
    return []


def check_order_dates(
    policy: Policy, basis: str, issued_on: date | None, expires_at: datetime | None, now: datetime
) -> Decision:
    """Are an order's dates acceptable: issued by now, expiring after issue, not too long?"""
    return _decide(
        policy, order_date_reasons(policy, basis, issued_on, expires_at, _aware(now, "now"))
    )


def check_searching_body(policy: Policy, body: str) -> Decision:
    """Is this body one that searches (and so takes in and supervises requests)?"""
    bodies = policy.searchers.bodies
    if bodies is None or body in {allowed.id for allowed in bodies}:
        return _decide(policy, [])
    names = ", ".join(allowed.name for allowed in bodies)
    return _decide(
        policy, [f"{show(body)} is not a searching body; it sends a written request to: {names}"]
    )


def check_intake_body(policy: Policy, body: str) -> Decision:
    """May this body take requests in (approve or reject them)? The screening body where
    the policy has one (two stages, two bodies), else a body that searches."""
    screening = policy.intake.screening
    if screening is None:
        return check_searching_body(policy, body)
    if body == screening.id:
        return _decide(policy, [])
    return _decide(
        policy,
        [f"{show(body)} does not take requests in; {screening.name} screens every request"],
    )


def check_searcher(policy: Policy, body: str, role: str) -> Decision:
    """May someone of this body, in this role, run a search (requirement 1)?"""
    reasons = list(check_searching_body(policy, body).reasons)
    if role not in policy.searchers.roles:
        reasons.append(
            f"role {show(role)} may not search; searching roles: "
            f"{', '.join(policy.searchers.roles)}"
        )
    return _decide(policy, reasons)


def check_gallery(policy: Policy, gallery: str) -> Decision:
    if gallery in policy.galleries:
        return _decide(policy, [])
    allowed = ", ".join(policy.galleries)
    return _decide(policy, [f"gallery {show(gallery)} may not be searched; allowed: {allowed}"])


def check_probe(policy: Policy, kind: str) -> Decision:
    """Still images only, where the policy says so: no live video."""
    known: tuple[ProbeKind, ...] = ("photo", "video_still", "live_video")
    if kind not in known:
        return _decide(policy, [f"unknown probe kind {show(kind)}; one of {', '.join(known)}"])
    if kind == "live_video" and policy.still_images_only:
        return _decide(policy, ["only still images may be searched, not live video"])
    return _decide(policy, [])


def check_training(policy: Policy, trained_on: date | None, now: datetime) -> Decision:
    """Lapsed or missing training blocks searching where training is required."""
    training = policy.training
    if not training.required:
        return _decide(policy, [])
    if trained_on is None:
        return _decide(policy, ["no face-comparison training on record"])
    today = _aware(now, "now").astimezone(policy.zone).date()
    if training.valid_days is not None:
        lapsed = trained_on + timedelta(days=training.valid_days)
        if today >= lapsed:
            return _decide(policy, [f"training of {trained_on} lapsed on {lapsed}"])
    return _decide(policy, [])


def check_algorithm(policy: Policy, approved: bool) -> Decision:
    if policy.algorithm_approval_required and not approved:
        return _decide(policy, ["the face model is not approved for searches"])
    return _decide(policy, [])


def check_model_accuracy(policy: Policy, figures: Collection[GroupFigure]) -> Decision:
    """Do the model's figures in the algorithm register meet the policy's per-group floor?"""
    return _decide(policy, floor_reasons(policy.model_accuracy, figures))


# How a reason names who took a step, and the step refused.
TOOK: dict[str, str] = {
    "request": "wrote the request",
    "approve": "approved it",
    "emergency_approval": "approved the emergency",
    "search": "ran a search for it",
    "first_review": "made a first review of its candidates",
    "second_review": "made a second review of its candidates",
}
TAKE: dict[str, str] = {
    "request": "write it",
    "approve": "approve it",
    "emergency_approval": "approve the emergency",
    "search": "run its search",
    "first_review": "make the first review",
    "second_review": "make the second review",
}


def check_separate_duties(
    policy: Policy,
    steps: Collection[DutyStep],
    person: int,
    taken: Mapping[str, Collection[int]],
) -> Decision:
    """May ``person`` take ``steps`` of a request, given who took its steps so far?

    ``taken`` maps each step to the people who took it (several searches, several
    reviewers). Every rule the person would break is a reason, naming the rule.
    """
    reasons = []
    for rule in policy.separate_duties:
        for step in (s for s in rule.steps if s in steps):
            for other in rule.steps:
                if other not in steps and person in taken.get(other, ()):
                    reasons.append(
                        f"separation of duties (rule {rule.id}, {rule.source}: "
                        f"{rule.citation}): the person who {TOOK[other]} may not also "
                        f"{TAKE[step]}"
                    )
    return _decide(policy, reasons)


def candidate_list_size(policy: Policy, requested: int | None) -> int:
    """The candidate list length to use: the default, or the request capped at the max."""
    if requested is None:
        return policy.candidates.default
    if requested < 1:
        raise ValueError(f"a candidate list has at least 1 entry, not {requested}")
    return min(requested, policy.candidates.max)


def similarity_threshold(policy: Policy, model_threshold: float) -> float:
    """The policy's fixed threshold, or the model's calibrated one."""
    fixed = policy.candidates.similarity_threshold
    return model_threshold if fixed is None else fixed


def emergency_deadline(policy: Policy, first_search_at: datetime) -> datetime | None:
    """When the emergency follow-up document is due; None if the policy asks for none."""
    rule = policy.bases.get("emergency")
    if rule is None or rule.follow_up is None:
        return None
    return _aware(first_search_at, "first_search_at") + timedelta(
        hours=rule.follow_up.deadline_hours
    )


def retention_until(policy: Policy, record: RecordType, created_at: datetime) -> datetime | None:
    """When a record may be purged (unless on legal hold); None: kept."""
    days: int | None = getattr(policy.retention_days, record)
    if days is None:
        return None
    return _aware(created_at, "created_at") + timedelta(days=days)


def report_period(policy: Policy, moment: datetime) -> tuple[datetime, datetime]:
    """The annual report period holding ``moment``: [start, end) at local midnight."""
    local = _aware(moment, "moment").astimezone(policy.zone)
    start = policy.reporting.period_start
    year = local.year if (local.month, local.day) >= (start.month, start.day) else local.year - 1
    return (
        datetime(year, start.month, start.day, tzinfo=policy.zone),
        datetime(year + 1, start.month, start.day, tzinfo=policy.zone),
    )


def _decide(policy: Policy, reasons: list[str]) -> Decision:
    return Decision(
        allowed=not reasons,
        reasons=tuple(reasons),
        policy_id=policy.id,
        policy_version=policy.version,
    )


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} is a naive datetime; rules compare only aware times")
    return moment
