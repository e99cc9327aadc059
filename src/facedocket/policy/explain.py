"""Every rule of a policy in plain words, with its citation, for people to check.

An officer, an auditor or a defence lawyer reads the rules here, not the YAML: each rule
says what it requires, which section it comes from, and whether that citation was
checked against the official text (an unverified one says so, with the note, every time
the rule is shown). ``differences`` compares two packs or two versions rule by rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from facedocket.policy.afterwards import explain_outcomes, explain_public_log, explain_unlawful
from facedocket.policy.floors import EVALUATED_BY
from facedocket.policy.model import BasisRule, Policy, Source, rule_names

WORDS = {
    "court_order": "a court order",
    "warrant": "a warrant",
    "emergency": "an emergency",
    "deceased": "identifying a deceased person",
    "missing_person": "a missing or unidentifiable person",
    "investigation": "a criminal investigation",
}


@dataclass(frozen=True)
class Explained:
    name: str
    text: str
    source: Source

    def citation(self) -> str:
        """The source as one line: the section, its kind, and the unverified mark."""
        line = f"{self.source.cite} ({self.source.origin})"
        if not self.source.verified:
            line += f" [SOURCE NOT VERIFIED: {self.source.note}]"
        return line


@dataclass(frozen=True)
class Difference:
    name: str
    before: str | None  # None: the rule is not in the first policy
    after: str | None


def explain(policy: Policy) -> list[Explained]:
    """Every rule, in the order ``rule_names`` gives, then the separation of duties."""
    rules = [
        Explained(name, _text(policy, name), policy.sources[name]) for name in rule_names(policy)
    ]
    for duty in policy.separate_duties:
        origin = "proposed law" if duty.source == "proposal" else duty.source
        rules.append(
            Explained(
                f"separate_duties.{duty.id}",
                "one person may take only one of: "
                + ", ".join(s.replace("_", " ") for s in duty.steps),
                Source(cite=duty.citation, origin=origin, verified=True),
            )
        )
    return rules


def heading(policy: Policy) -> list[str]:
    """The lines that say which law this is and when this version is in force."""
    until = policy.effective_to.isoformat() if policy.effective_to else "no end date"
    lines = [
        f"{policy.title} ({policy.id} {policy.version})",
        f"{policy.jurisdiction}: {policy.statute}",
        f"in force from {policy.effective_from} to {until} ({policy.timezone})",
    ]
    if policy.status == "proposed":
        lines.append("PROPOSED LAW: not enacted; the rules show what the proposal would require")
    return lines


def differences(first: Policy, second: Policy) -> list[Difference]:
    """Each rule that differs (or is in only one), with both explanations and sources."""
    before = {rule.name: rule for rule in explain(first)}
    after = {rule.name: rule for rule in explain(second)}
    found = []
    for key, what in (("status", "status"), ("effective_from", "in force from")):
        if getattr(first, key) != getattr(second, key):
            found.append(Difference(what, str(getattr(first, key)), str(getattr(second, key))))
    for name in [*before, *(n for n in after if n not in before)]:
        a, b = before.get(name), after.get(name)
        shown_a = f"{a.text} — {a.citation()}" if a else None
        shown_b = f"{b.text} — {b.citation()}" if b else None
        if shown_a != shown_b:
            found.append(Difference(name, shown_a, shown_b))
    return found


def _text(policy: Policy, name: str) -> str:
    if name == "bases":
        return "no basis allows a search: this version of the law forbids face searches"
    if name.startswith("bases."):
        kind = name.removeprefix("bases.")
        return _basis(kind, policy.bases[kind])  # type: ignore[index]
    return TEXTS[name](policy)


def _basis(kind: str, rule: BasisRule) -> str:
    parts = [f"a search may rest on {WORDS.get(kind, kind)}"]
    if rule.required_fields:
        parts.append("the request holds " + _fields(rule.required_fields))
    if rule.reviewer_confirms:
        parts.append("a reviewer confirms it covers the request before any search")
    if rule.offence_rule_applies:
        parts.append("only for the offences the offence rule allows")
    searches = rule.searches
    parts.append(f"{searches.default} search(es) unless it grants more, at most {searches.max}")
    if rule.max_life_days is not None:
        parts.append(f"it may run at most {rule.max_life_days} days from issue to expiry")
    if rule.follow_up is not None:
        follow = rule.follow_up
        sworn = "a sworn " if follow.sworn and "sworn" not in follow.document else "a "
        parts.append(
            f"{sworn}{follow.document.replace('_', ' ')} is due to {follow.filed_with} within "
            f"{follow.deadline_hours} hours of the first search; until it is filed no further "
            "search runs"
        )
    return "; ".join(parts)


def _fields(fields: Any) -> str:
    return ", ".join(str(field).replace("_", " ") for field in fields) or "nothing more"


def _offences(policy: Policy) -> str:
    rule = policy.offences
    if rule.rule == "any":
        return "any offence may be investigated"
    if rule.rule == "classes":
        kinds = "; ".join(f"{kind.name} ({kind.id})" for kind in rule.classes)
        return f"only these kinds of offence may be investigated: {kinds}"
    listed = "; ".join(f"{o.code} {o.name} ({o.statute})" for o in rule.listed)
    return f"only these offences may be investigated: {listed}"


def _searchers(policy: Policy) -> str:
    roles = ", ".join(policy.searchers.roles)
    bodies = policy.searchers.bodies
    if bodies is None:
        return f"any law-enforcement agency searches, by its {roles}s"
    names = ", ".join(body.name for body in bodies)
    alone = "alone searches" if len(bodies) == 1 else "are the only bodies that search"
    return f"{names} {alone}, by their {roles}s; every other agency sends a written request"


def _purposes(policy: Policy) -> str:
    if policy.purposes is None:
        return "the law lists no closed set of purposes"
    listed = "; ".join(f"{p.name} ({p.id})" for p in policy.purposes)
    return f"a request names one authorised use, and only these: {listed}"


def _narratives(policy: Policy) -> str:
    if not policy.narratives:
        return "no written statement beyond the narrative"
    return "; ".join(
        f"a {', '.join(WORDS.get(b, b) for b in n.bases)} request holds the statement "
        f"'{n.label}' ({n.id}), which must show {n.standard}"
        for n in policy.narratives
    )


def _intake(policy: Policy) -> str:
    screening = policy.intake.screening
    if screening is None:
        return "the searching body takes the request in and decides it"
    return (
        f"two stages: {screening.name} screens and decides every request first; only then "
        "does the searching body search"
    )


def _model_accuracy(policy: Policy) -> str:
    floor = policy.model_accuracy
    if floor is None:
        return "no per-group accuracy floor for the face model"
    by = " or ".join(EVALUATED_BY[e] for e in floor.evaluated_by)
    groups = "; ".join(f"{group.name} ({group.id})" for group in floor.groups)
    return (
        f"only a face model whose {floor.metric.replace('_', ' ')}, measured by {by}, is at "
        f"least {floor.least} in every one of these groups may search: {groups}; a group "
        "with no such figure stops searches too"
    )


def _retention(policy: Policy) -> str:
    kept = policy.retention_days.model_dump()
    if all(days is None for days in kept.values()):
        return "no retention limit here: records follow the agency's records schedule"
    return "; ".join(
        f"{record.replace('_', ' ')} kept {days} days" if days else f"{record} kept"
        for record, days in kept.items()
    )


def _reporting(policy: Policy) -> str:
    r = policy.reporting
    start = f"{r.period_start.month:02d}-{r.period_start.day:02d}"
    parts = [
        f"reports go to {r.oversight_body}",
        f"documentation every {r.documentation_interval_months} month(s)",
        f"the annual period starts on {start}",
    ]
    if r.suppress_below:
        parts.append(f"public counts under {r.suppress_below} are shown as 'fewer than'")
    if r.public_per_search_records:
        parts.append("each search's record is public")
    if r.demographics:
        parts.append("figures by race and gender")
    return "; ".join(parts)


TEXTS: dict[str, Callable[[Policy], str]] = {
    "request_fields": lambda p: "every request holds " + _fields(p.request_fields),
    "offences": _offences,
    "purposes": _purposes,
    "narratives": _narratives,
    "intake": _intake,
    "searchers": _searchers,
    "galleries": lambda p: "only these galleries may be searched: " + ", ".join(p.galleries),
    "candidates": lambda p: (
        f"candidate lists of {p.candidates.default}, at most {p.candidates.max}; threshold: "
        + (
            "the model's calibrated one"
            if p.candidates.similarity_threshold is None
            else f"{p.candidates.similarity_threshold}"
        )
    ),
    "still_images_only": lambda p: (
        "only still images are searched, never live video"
        if p.still_images_only
        else "live video may be searched"
    ),
    "probe_min_eye_distance": lambda p: (
        f"a probe under {p.probe_min_eye_distance} pixels between the eyes needs a recorded "
        "override reason"
        if p.probe_min_eye_distance
        else "no minimum probe size"
    ),
    "review": lambda p: (
        "a first examiner reviews every candidate; a second, independent examiner "
        + ("must" if p.review.second_examiner == "required" else "may")
        + " verify"
    ),
    "training": lambda p: (
        "no training is required"
        if not p.training.required
        else "searchers must be trained"
        + (f", renewed every {p.training.valid_days} days" if p.training.valid_days else "")
    ),
    "algorithm_approval_required": lambda p: (
        "only a face model approved in the algorithm register may search"
        if p.algorithm_approval_required
        else "no approval of the face model is required"
    ),
    "model_accuracy": _model_accuracy,
    "retention_days": _retention,
    "reporting": _reporting,
    "disclosure": lambda p: (
        "a defendant identified with a search is told of it"
        if p.disclosure.notify_defendants
        else "no notice to defendants is required"
    ),
    "outcomes": lambda p: explain_outcomes(p.outcomes),
    "unlawful_searches": lambda p: explain_unlawful(p.unlawful_searches),
    "public_log": lambda p: explain_public_log(p.public_log),
    "report_kinds": lambda p: "; ".join(
        f"{k.name} ({k.id}: {k.content}) to {k.to}, due {k.due.month:02d}-{k.due.day:02d} "
        "each year for the calendar year before"
        for k in p.report_kinds or []
    ),
}
