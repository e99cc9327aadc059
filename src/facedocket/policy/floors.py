"""The least accuracy a face model must have measured for each demographic group.

Some laws let only a model search whose measured accuracy reaches a floor in every
demographic group (Virginia: evaluated by NIST, at least 98 % true positives across all
demographic groups). A pack names the floor, the metric, the groups and whose evaluations
count; the algorithm register holds each model's figures; ``floor_reasons`` says, group by
group, why a model's figures fall short. Figures are decimal strings ("0.9844"), compared
as decimals, so 0.98 is 0.98 and not the float just under it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import Field, field_validator

from facedocket.policy.fields import Slug, Strict, Text, unique

# Higher is better for each; a floor is a minimum.
Metric = Literal["true_positive_rate", "rank1_identification_rate"]
# Who measured a figure: NIST (its Face Recognition Technology Evaluation), an independent
# laboratory, or the agency itself (operational testing).
Evaluator = Literal["nist", "independent", "agency"]
METRICS: tuple[Metric, ...] = ("true_positive_rate", "rank1_identification_rate")
EVALUATORS: tuple[Evaluator, ...] = ("nist", "independent", "agency")
EVALUATED_BY: dict[str, str] = {
    "nist": "NIST",
    "independent": "an independent laboratory",
    "agency": "the agency's own testing",
}


class DemographicGroup(Strict):
    id: Slug
    name: Text


class AccuracyFloor(Strict):
    """Every group in ``groups`` needs a ``metric`` figure of at least ``minimum``, measured
    by one of ``evaluated_by``; one figure under it, or a group with none, stops searches."""

    metric: Metric
    # A fraction: 0.98 for 98 %.
    minimum: float
    evaluated_by: list[Evaluator] = Field(min_length=1)
    groups: list[DemographicGroup] = Field(min_length=1)

    @field_validator("minimum")
    @classmethod
    def _a_fraction(cls, value: float) -> float:
        if not 0 < value <= 1:
            raise ValueError(f"{value:g} is not a fraction above 0 and at most 1 (0.98 for 98 %)")
        return value

    @field_validator("evaluated_by")
    @classmethod
    def _no_repeated_evaluators(cls, value: list[Evaluator]) -> list[Evaluator]:
        unique(list(value), "evaluator")
        return value

    @field_validator("groups")
    @classmethod
    def _no_repeated_groups(cls, value: list[DemographicGroup]) -> list[DemographicGroup]:
        unique([group.id for group in value], "group")
        return value

    @property
    def least(self) -> Decimal:
        return Decimal(str(self.minimum))


@dataclass(frozen=True)
class GroupFigure:
    """One figure of the algorithm register: what was measured for one group, by whom."""

    group: str
    metric: str
    value: str
    evaluator: str
    reference: str
    measured_on: date

    def shown(self) -> str:
        by = EVALUATED_BY.get(self.evaluator, self.evaluator)
        return f"{self.value} ({by}, {self.reference[:80]!r}, measured {self.measured_on})"


def fraction(text: str) -> Decimal:
    """A figure as a decimal in [0, 1]; ValueError with the reason otherwise."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise ValueError(f"{text[:40]!r} is not a number (a fraction: 0.9844)") from None
    if not value.is_finite() or not 0 <= value <= 1:
        raise ValueError(f"{text[:40]!r} is not a fraction from 0 to 1 (0.9844 for 98.44 %)")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6:
        raise ValueError(f"{text[:40]!r} has more than 6 decimal places")
    return value


def floor_reasons(floor: AccuracyFloor | None, figures: Collection[GroupFigure]) -> list[str]:
    """Why the model's figures do not meet the floor: a reason per group short of it."""
    if floor is None:
        return []
    least = floor.least
    by = " or ".join(EVALUATED_BY[e] for e in floor.evaluated_by)
    reasons = []
    for group in floor.groups:
        counted = [
            f
            for f in figures
            if f.group == group.id
            and f.metric == floor.metric
            and f.evaluator in floor.evaluated_by
        ]
        if not counted:
            reasons.append(
                f"the face model has no {floor.metric} figure for the group {group.name} "
                f"({group.id}) measured by {by}; the floor is {least}"
            )
        reasons += [
            f"the face model's {floor.metric} for the group {group.name} ({group.id}) is "
            f"{figure.shown()}, under the floor of {least}"
            for figure in counted
            if fraction(figure.value) < least
        ]
    return reasons
