"""What a request must show beyond its basis: an offence the law covers, a purpose from
the law's closed list, and each written statement the law asks for, to its standard.

Pure reasons for ``check_basis``: the text is a person's, so it is quoted shortened.
"""

from __future__ import annotations

from collections.abc import Mapping

from facedocket.policy.model import Policy, normal_code


def offence_reasons(
    policy: Policy, offence_class: str | None, offence_code: str | None
) -> list[str]:
    offences = policy.offences
    if offences.rule == "classes":
        allowed = {kind.id: kind.name for kind in offences.classes}
        if offence_class not in allowed:
            names = "; ".join(f"{key} ({name})" for key, name in allowed.items())
            return [f"offence class {show(offence_class)} is not one the law covers: {names}"]
    if offences.rule == "listed":
        codes = {normal_code(offence.code) for offence in offences.listed}
        if offence_code is None or normal_code(offence_code) not in codes:
            return [
                f"offence {show(offence_code)} is not one of the "
                f"{len(codes)} offences policy {policy.id} lists"
            ]
    return []


def purpose_reasons(policy: Policy, purpose: str | None) -> list[str]:
    """A purpose from the closed list, where the law has one."""
    if policy.purposes is None:
        return []
    allowed = [p.id for p in policy.purposes]
    if purpose not in allowed:
        return [
            f"purpose {show(purpose)} is not an authorised use; the authorised uses are: "
            + ", ".join(allowed)
        ]
    return []


def narrative_reasons(policy: Policy, basis: str, statements: Mapping[str, str]) -> list[str]:
    """Each statement the basis needs, written out to at least its length."""
    reasons = []
    for narrative in policy.narratives:
        if basis not in narrative.bases:
            continue
        text = " ".join(str(statements.get(narrative.id, "")).split())
        if len(text) < narrative.min_length:
            reasons.append(
                f"the statement {narrative.id!r} ({narrative.label}) must show "
                f"{narrative.standard}, in at least {narrative.min_length} characters; "
                + (f"it has {len(text)}" if text else "it is missing")
            )
    return reasons


def show(value: str | None, limit: int = 60) -> str:
    """A person's text in a reason: quoted, and short enough to record."""
    if value is None:
        return "not given"
    return repr(value if len(value) <= limit else value[:limit] + "…")
