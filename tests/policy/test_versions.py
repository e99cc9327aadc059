"""Versions by date: the law of the day applies, and a pack whose versions contradict each
other is refused at load with the line and field of the contradiction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.policy.test_decide import EMERGENCY
from tests.policy.test_policy_files import _pack, _write

from facedocket.policy import PolicyError, check_basis, load_pack_file


def _second(data: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """The Massachusetts pack with a version 2.0 from 2027-01-01 that lowers a limit."""
    data["versions"][0]["effective_to"] = date(2026, 12, 31)
    later = {
        "version": "2.0",
        "effective_from": date(2027, 1, 1),
        "effective_to": None,
        "note": "A later act lowers the candidate list.",
        "changes": {"candidates": {"default": 5, "max": 10}},
    }
    data["versions"].append(later | overrides)
    return data


def _refused(tmp_path: Path, data: dict[str, Any]) -> PolicyError:
    with pytest.raises(PolicyError) as raised:
        load_pack_file(_write(tmp_path, data))
    return raised.value


def test_the_version_in_force_on_the_day_applies(tmp_path: Path) -> None:
    pack = load_pack_file(_write(tmp_path, _second(_pack("massachusetts"))))
    first, second = pack.versions
    assert (first.candidates.max, second.candidates.max) == (50, 10)
    # What changes did not name is inherited: the bases are the first version's.
    assert second.bases == first.bases and second.sources == first.sources
    # New Year's Eve in Boston is already January 1 in UTC: the local day decides.
    assert pack.at(datetime(2027, 1, 1, 4, 59, tzinfo=UTC)) is first
    assert pack.at(datetime(2027, 1, 1, 5, 0, tzinfo=UTC)) is second
    assert pack.at(date(2026, 12, 31)) is first
    assert pack.at(date(2020, 1, 1)) is first  # before any version: refused by check_basis
    with pytest.raises(ValueError, match="timezone-aware"):
        pack.at(datetime(2027, 1, 1))


def test_after_the_last_version_ends_nothing_is_allowed(tmp_path: Path) -> None:
    data = _pack("massachusetts")
    data["versions"][0]["effective_to"] = date(2026, 6, 30)
    policy = load_pack_file(_write(tmp_path, data)).at(date(2030, 1, 1))
    inside = datetime(2026, 6, 30, 12, tzinfo=UTC)
    assert check_basis(policy, EMERGENCY, inside).allowed
    after = check_basis(policy, EMERGENCY, datetime(2026, 7, 1, 12, tzinfo=UTC))
    assert after.reasons == (
        f"policy massachusetts {policy.version} ended on 2026-06-30; no later version is in force",
    )


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (
            lambda d: _second(d, effective_from=date(2027, 2, 1)),
            "versions[0].effective_to",
            "this one ends on 2027-01-31",
        ),
        (
            lambda d: _second(d, effective_from=date(2026, 12, 1)),
            "versions[0].effective_to",
            "this one ends on 2026-11-30",
        ),
        (
            lambda d: _second(d, effective_from=date(2020, 1, 1)),
            "versions[1].effective_from",
            "is not after the previous version's",
        ),
        (lambda d: _second(d, version="1.0"), "versions[1].version", "does not follow"),
        (
            lambda d: _second(d, rules={"galleries": ["rmv"]}),
            "versions[1]",
            "either 'rules' (in full) or 'changes'",
        ),
        (
            lambda d: _second(d, changes={"timezone": "UTC"}),
            "versions[1]",
            "'timezone' is stated once",
        ),
        (
            lambda d: _second(d, changes={"candidates": {"max": 5000}}),
            "versions[1].changes.candidates.max",
            "less than or equal to 1000",
        ),
        (
            lambda d: _second(d, effective_to=date(2026, 1, 1)),
            "versions[1].effective_to",
            "is before effective_from",
        ),
        (lambda d: d.update(versions=[]), "versions", "at least 1 item"),
    ],
)
def test_contradictory_versions_are_refused(
    tmp_path: Path, edit: Any, field: str, message: str
) -> None:
    data = _pack("massachusetts")
    edit(data)
    error = _refused(tmp_path, data)
    assert any(got == field and message in text for got, text in error.problems), error.problems


def test_a_problem_names_its_line_even_when_inherited(tmp_path: Path) -> None:
    data = _second(_pack("massachusetts"))
    data["versions"][0]["rules"]["still_images_only"] = "yes"
    path = _write(tmp_path, data)
    error = _refused(tmp_path, data)
    lines = path.read_text("utf-8").splitlines()
    # Named once, at the first version's line that wrote it, not again for version 2.0.
    assert error.problems == [
        ("versions[0].rules.still_images_only", "Input should be a valid boolean")
    ]
    (line,) = error.lines
    assert line is not None and lines[line - 1].strip() == "still_images_only: 'yes'"
    assert (
        str(error)
        == f"{path}:{line}: versions[0].rules.still_images_only: Input should be a valid boolean"
    )


def test_a_missing_field_is_named_where_its_mapping_is(tmp_path: Path) -> None:
    data = _pack("massachusetts")
    del data["versions"][0]["rules"]["review"]["second_examiner"]
    path = _write(tmp_path, data)
    error = _refused(tmp_path, data)
    assert error.problems[0][0] == "versions[0].rules.review.second_examiner"
    line = error.lines[0]
    # The mapping it is missing from, left empty here: ``review: {}``.
    assert (
        line is not None and path.read_text("utf-8").splitlines()[line - 1].strip() == "review: {}"
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.pop("offences"), "no source for offences"),
        (
            lambda s: s.update(bases_court_order=dict(s["request_fields"])),
            "no rule called bases_court_order",
        ),
        (
            lambda s: s.update(training={"cite": "x", "origin": "law", "verified": False}),
            "an unverified source needs a note",
        ),
    ],
)
def test_every_rule_is_cited_and_an_unverified_one_says_why(
    tmp_path: Path, edit: Any, message: str
) -> None:
    data = _pack("massachusetts")
    edit(data["versions"][0]["rules"]["sources"])
    error = _refused(tmp_path, data)
    assert any(message in text for _, text in error.problems), error.problems
