"""Separation of duties as policy data: the rule kind, its checks, and every shipped pack."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from tests.policy.test_policy_files import _pack, _problems, _write, where

from facedocket.policy import (
    Policy,
    check_separate_duties,
    list_policies,
    load_policy,
    load_policy_file,
)

# Who took which step so far, by user number.
OFFICER, INTAKE, EXAMINER, SECOND, SUPERVISOR = 1, 2, 3, 4, 5
TAKEN = {"request": {OFFICER}, "approve": {INTAKE}, "search": {EXAMINER}}


def refused(policy: Policy, steps: tuple[Any, ...], person: int, taken: Any = None) -> list[str]:
    decision = check_separate_duties(policy, steps, person, TAKEN if taken is None else taken)
    return list(decision.reasons)


@pytest.mark.parametrize("policy", list_policies(), ids=lambda p: p.id)
def test_every_pack_separates_the_four_people_and_the_emergency_approver(policy: Policy) -> None:
    """Requester, approver, searcher and second reviewer are four people in every pack;
    the supervisor approving an emergency (which is an approval) reviews nothing either."""
    emergency = ("approve", "emergency_approval")
    must_differ = [
        *[
            ((a,), (b,))
            for a, b in combinations(["request", "approve", "search", "second_review"], 2)
        ],
        *[(emergency, (step,)) for step in ("request", "search", "first_review", "second_review")],
    ]
    for earlier, later in must_differ:
        for first, then in ((earlier, later), (later, earlier)):
            reasons = refused(policy, then, 7, dict.fromkeys(first, frozenset({7})))
            assert reasons, f"{policy.id}: one person may take {first} and then {then}"


def test_a_refusal_names_the_rule_and_the_steps() -> None:
    policy = load_policy("massachusetts")
    assert refused(policy, ("approve",), OFFICER) == [
        "separation of duties (rule request-approve-search-verify, agency practice: checks "
        "and balances on each search; independent verification by a second examiner "
        "(FISWG)): the person who wrote the request may not also approve it"
    ]
    reasons = refused(policy, ("emergency_approval",), EXAMINER, {"first_review": {EXAMINER}})
    assert reasons == [
        "separation of duties (rule emergency-approver-reviews-nothing, agency practice: the "
        "supervisor who approves an emergency search stays independent of its results): the "
        "person who made a first review of its candidates may not also approve the emergency"
    ]


def test_what_no_rule_separates_is_allowed() -> None:
    policy = load_policy("massachusetts")
    # The examiner who searched makes the first review: the usual path.
    assert refused(policy, ("first_review",), EXAMINER) == []
    assert refused(policy, ("second_review",), SECOND) == []
    assert refused(policy, ("search",), EXAMINER) == [], "a second search by the same examiner"
    assert refused(policy, ("second_review",), EXAMINER), "but never the searcher's own check"
    unseparated = policy.model_copy(update={"separate_duties": []})
    assert refused(unseparated, ("approve",), OFFICER) == []


def _rule(**changes: Any) -> dict[str, Any]:
    return {
        "id": "two-people",
        "steps": ["request", "approve"],
        "source": "agency practice",
        "citation": "our manual, section 4",
    } | changes


@pytest.mark.parametrize(
    ("rules", "field", "message"),
    [
        ([_rule(steps=["request"])], "separate_duties[0].steps", "at least 2 items"),
        ([_rule(steps=["request", "request"])], "separate_duties[0].steps", "listed twice"),
        (
            [_rule(steps=["approve", "emergency_approval"])],
            "separate_duties[0].steps",
            "one act for an emergency request",
        ),
        ([_rule(steps=["request", "coffee"])], "separate_duties[0].steps[1]", "Input should be"),
        ([_rule(source="tradition")], "separate_duties[0].source", "Input should be"),
        ([_rule(citation="")], "separate_duties[0].citation", "at least 1 character"),
        ([_rule(), _rule()], "separate_duties", "listed twice: two-people"),
    ],
)
def test_a_bad_rule_is_named(
    tmp_path: Path, rules: list[dict[str, Any]], field: str, message: str
) -> None:
    data = _pack("massachusetts")
    data["versions"][0]["rules"]["separate_duties"] = rules
    problems = _problems(_write(tmp_path, data))
    assert any(got == where(field) and message in text for got, text in problems), problems


def test_a_policy_must_say_whether_it_separates_duties(tmp_path: Path) -> None:
    data = _pack("massachusetts")
    rules = data["versions"][0]["rules"]
    del rules["separate_duties"]
    assert (
        where("separate_duties"),
        "missing (every policy field must be written out)",
    ) in _problems(_write(tmp_path, data))
    rules["separate_duties"] = []
    assert load_policy_file(_write(tmp_path, data)).separate_duties == []
