"""What a law asks of the record after a search: what followed a lead, what becomes of an
unlawful search's results, and what of the searches is public.

Pure rules over data, as the rest of ``policy``: the cases layer records the facts and
asks these functions what is due.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

# What followed a lead: an arrest, a charge, a conviction, or nothing (said so on purpose,
# so that "none" is a recorded fact and not a missing one).
OutcomeKind = Literal["arrest", "charge", "conviction", "none"]
OUTCOME_KINDS: tuple[OutcomeKind, ...] = ("arrest", "charge", "conviction", "none")


class OutcomeTracking(BaseModel):
    """The law counts what resulted from the searches (Montana: "the number of arrests and
    convictions that resulted from the searches"); the requester records it after a lead."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    # The outcomes the law's reports count.
    counted: list[OutcomeKind] = Field(min_length=1)
    # Days after a lead within which a first outcome is recorded; then it is overdue.
    due_days: int = Field(ge=1, le=3650)

    @field_validator("counted")
    @classmethod
    def _no_repeats(cls, value: list[OutcomeKind]) -> list[OutcomeKind]:
        if len(set(value)) != len(value):
            raise ValueError("an outcome is listed twice")
        return value


class UnlawfulSearches(BaseModel):
    """What the law does with the results of a search found unlawful: deleted (Maine's
    act, as summarised: deleted, and not used as evidence)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    results: Literal["deleted"]


# What a public log may show of a search: a closed list with no name, case number,
# narrative, probe or candidate in it, so that no pack can publish one.
PublicLogField = Literal[
    "date",
    "time",
    "requesting_agency",
    "searching_body",
    "basis",
    "offence_class",
    "offence_code",
    "purpose",
    "gallery",
    "candidates_returned",
    "outcome",
    "results_deleted",
    "policy",
]
PublicLogFormat = Literal["csv", "json"]
BodyId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


class PublicLog(BaseModel):
    """The law makes a log of searches public (Maine: the BMV's search log is a public
    record): whose searches it holds, which fields it shows, in which formats."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    searching_bodies: list[BodyId] = Field(min_length=1)
    fields: list[PublicLogField] = Field(min_length=1)
    formats: list[PublicLogFormat] = Field(min_length=1)

    @field_validator("searching_bodies", "fields", "formats")
    @classmethod
    def _listed_once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("an entry is listed twice")
        return value


def outcome_due(rule: OutcomeTracking | None, lead_at: datetime) -> datetime | None:
    """When a lead's first outcome is due; None where the law asks for none."""
    return None if rule is None else lead_at + timedelta(days=rule.due_days)


def explain_outcomes(rule: OutcomeTracking | None) -> str:
    if rule is None:
        return "the law asks for no record of what followed a lead (one may still be kept)"
    counted = ", ".join(f"{kind}s" if kind != "none" else "none" for kind in rule.counted)
    return (
        f"after a lead, its requester records what followed (arrest, charge, conviction or "
        f"none) within {rule.due_days} days; the reports count {counted}"
    )


def explain_unlawful(rule: UnlawfulSearches | None) -> str:
    if rule is None:
        return "the law has no rule deleting an unlawful search's results: they are kept"
    return (
        "a supervisor or an auditor who finds a search unlawful declares it, with the reason; "
        "its results (candidates and conclusions) are deleted, and a tombstone keeps that it "
        "ran, when, why and by whom its results went, and their SHA-256"
    )


def explain_public_log(rule: PublicLog | None) -> str:
    if rule is None:
        return "the law makes no log of searches public"
    return (
        f"the log of searches by {', '.join(rule.searching_bodies)} is a public record: "
        f"it shows {', '.join(f.replace('_', ' ') for f in rule.fields)} of each search "
        f"(never a name, a case, a probe or a candidate), as {' and '.join(rule.formats)}"
    )
