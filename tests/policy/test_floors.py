"""The per-group accuracy floor: a pure decision over the register's figures, and a pack
whose floor is malformed refused at load with the field and line."""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from tests.policy.test_policy_files import _pack, _problems, _write

from facedocket.policy import (
    GroupFigure,
    PolicyError,
    check_model_accuracy,
    fraction,
    load_pack_file,
    load_policy,
)
from facedocket.policy.explain import explain

VIRGINIA = load_policy("virginia-2022", at=date(2024, 1, 1))
GROUPS = [group.id for group in VIRGINIA.model_accuracy.groups]  # type: ignore[union-attr]


def figure(group: str, value: str = "0.9912", evaluator: str = "nist") -> GroupFigure:
    return GroupFigure(
        group, "true_positive_rate", value, evaluator, "NIST FRTE 1:N, 2024-05", date(2024, 5, 1)
    )


def reasons(figures: list[GroupFigure]) -> tuple[str, ...]:
    decision = check_model_accuracy(VIRGINIA, figures)
    assert decision.allowed == (not decision.reasons)
    assert (decision.policy_id, decision.policy_version) == ("virginia-2022", "1.0")
    return decision.reasons


def test_a_model_at_or_above_the_floor_in_every_group_may_search() -> None:
    assert reasons([figure(g) for g in GROUPS]) == ()
    # Exactly the floor is enough: 0.98 compared as a decimal, not as the float under it.
    assert reasons([figure(g, "0.98") for g in GROUPS]) == ()


def test_a_group_under_the_floor_is_named_with_its_figure_and_the_floor() -> None:
    figures = [figure(g, "0.9799" if g == "black-female" else "0.99") for g in GROUPS]
    (reason,) = reasons(figures)
    assert "Black women (black-female)" in reason
    assert "0.9799" in reason and "NIST FRTE 1:N, 2024-05" in reason
    assert "under the floor of 0.98" in reason


def test_a_group_without_a_figure_stops_searches() -> None:
    (reason,) = reasons([figure(g) for g in GROUPS if g != "american-indian-male"])
    assert "no true_positive_rate figure for the group American Indian men" in reason
    assert "measured by NIST" in reason and "the floor is 0.98" in reason


def test_only_the_evaluators_the_law_names_count() -> None:
    """Virginia asks for NIST's evaluation: the agency's own high figure does not stand in
    for it, and a NIST figure under the floor is not outweighed by another figure."""
    figures = [figure(g) for g in GROUPS if g != "white-male"]
    (missing,) = reasons([*figures, figure("white-male", "0.999", "agency")])
    assert "no true_positive_rate figure for the group White men" in missing
    figures = [figure(g) for g in GROUPS]
    under = [*figures, figure("white-male", "0.95", "independent")]
    assert reasons(under) == ()  # an independent lab is not an evaluator the law names
    other_metric = [
        GroupFigure(g, "rank1_identification_rate", "0.99", "nist", "r", date(2024, 1, 1))
        for g in GROUPS
    ]
    assert len(reasons(other_metric)) == len(GROUPS)


def test_every_group_short_is_a_reason_of_its_own() -> None:
    assert len(reasons([figure(g, "0.5") for g in GROUPS])) == len(GROUPS)
    assert len(reasons([])) == len(GROUPS)


def test_a_pack_without_a_floor_asks_nothing() -> None:
    maryland = load_policy("maryland-2024")
    assert maryland.model_accuracy is None
    assert check_model_accuracy(maryland, []).allowed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0.98x", "is not a number"),
        ("98", "is not a fraction from 0 to 1"),
        ("-0.1", "is not a fraction from 0 to 1"),
        ("NaN", "is not a fraction from 0 to 1"),
        ("0.12345678", "more than 6 decimal places"),
        ("", "is not a number"),
    ],
)
def test_a_figure_that_is_not_a_fraction_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fraction(text)


def test_the_floor_is_explained_with_its_unverified_source() -> None:
    (rule,) = [r for r in explain(VIRGINIA) if r.name == "model_accuracy"]
    assert "at least 0.98 in every one of these groups" in rule.text
    assert "measured by NIST" in rule.text and "Black women (black-female)" in rule.text
    assert "SOURCE NOT VERIFIED" in rule.citation()


def _floor(data: dict[str, Any]) -> dict[str, Any]:
    floor: dict[str, Any] = data["versions"][0]["rules"]["model_accuracy"]
    return floor


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (lambda f: f.update(minimum=98), "minimum", "98 is not a fraction above 0"),
        (lambda f: f.update(minimum=0.0), "minimum", "is not a fraction above 0"),
        (lambda f: f.update(minimum="0.98"), "minimum", "valid number"),
        (lambda f: f.update(metric="accuracy"), "metric", "'true_positive_rate'"),
        (lambda f: f.update(evaluated_by=[]), "evaluated_by", "at least 1 item"),
        (lambda f: f.update(evaluated_by=["nist", "nist"]), "evaluated_by", "listed twice"),
        (lambda f: f.update(evaluated_by=["vendor"]), "evaluated_by[0]", "'nist'"),
        (lambda f: f["groups"].append(dict(f["groups"][0])), "groups", "group listed twice"),
        (lambda f: f.update(groups=[]), "groups", "at least 1 item"),
        (lambda f: f["groups"][1].update(id="Black Women"), "groups[1].id", "pattern"),
        (lambda f: f.pop("evaluated_by"), "evaluated_by", "missing"),
        (lambda f: f.update(at_false_match_rate=0.001), "at_false_match_rate", "unknown field"),
    ],
)
def test_a_malformed_floor_is_refused_at_load_naming_the_field(
    tmp_path: Path, edit: Any, field: str, message: str
) -> None:
    data = _pack("virginia-2022")
    edit(_floor(data))
    problems = _problems(_write(tmp_path, data))
    named = f"versions[0].rules.model_accuracy.{field}"
    assert any(got == named and message in text for got, text in problems), problems


def test_a_malformed_floor_is_reported_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "agency.yaml"
    text = (files("facedocket.policy") / "packs" / "virginia-2022.yaml").read_text("utf-8")
    path.write_text(text.replace("minimum: 0.98", "minimum: 98"))
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "minimum: 0.98" in t)
    with pytest.raises(PolicyError, match=rf"agency.yaml:{line}: versions\[0\]\.rules\.model_acc"):
        load_pack_file(path)
