"""The shipped packs: each loads, each differs in kind, and none changes without a new version."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from facedocket.policy import (
    Policy,
    PolicyError,
    list_packs,
    list_policies,
    load_pack,
    load_policy,
)
from facedocket.policy.explain import heading
from facedocket.policy.model import OPTIONAL_RULES

# A version's rules may change only with its number: decisions on record cite it. After
# changing a pack's rules, add a version (or, before any deployment used it, bump it) and
# pin its digest here: `python -c "from tests.policy.test_packs import digests; digests()"`.
# Every pin re-taken when the per-group accuracy floor (model_accuracy) became a rule:
# each pack states its floor or that it has none; only virginia-2022 1.0 has one.
PINNED = {
    ("ma-commission-2022", "1.4"): (
        "73207d0178b7b989acfd882ab549b96072cfc86a188d4db1f35449895c5f3e2f"
    ),
    ("maine-2021", "1.0"): ("54d2fdd208c41c368399699c30edd89b51274facf57dcadd1f1cb2e420953cf9"),
    ("maryland-2024", "1.4"): ("e48ffc4ffc7b46a60423895b7ba5b5eddfe525fcecf641a271e24c7f506d0363"),
    ("massachusetts", "1.4"): ("00e6e49a80c4ea3bf1befc554b4946dba894252783b6994dceedb343ba4e0220"),
    ("massachusetts-bills", "1.0"): (
        "0ba7be591dd28eab2f2094329d1f73a9b471f28cbaa16b08aa6270b285b05ffc"
    ),
    # Montana, Utah and Washington re-pinned when their laws' own reports (report_kinds)
    # were modelled: the law of 1.0 did not change, and no intake or gate decision reads it.
    ("montana-2023", "1.0"): ("de36c958a69633a49e94b39bf633e69be2b5ecb36e4fe7589521132312a94918"),
    ("utah-2021", "1.0"): ("1592e9733981109d79da854c35e84499d2fe83b62934aa712509f6a7c1103c07"),
    ("virginia-2022", "1.0"): ("3728b042bc1d212e6d33b3ba553c0712ce3013820ba5c5de3fee784ccf31e885"),
    ("virginia-2022", "2.0"): ("ed012f0919aa8c0484edc91acbc6c8b3e0448531f55f8593ea0ca509817c4e25"),
    ("washington-2020", "1.0"): (
        "672d4f1b87d26131237f835b5a1e17fb3b5415d1456f13a178343621563f9543"
    ),
}


def _digest(policy: Policy) -> str:
    # The parsed rules, not the file bytes: comments may be corrected without a new version.
    # A rule a law does not have (an optional rule left out) is no part of its pin.
    absent = {name for name in OPTIONAL_RULES if getattr(policy, name) is None}
    rules = policy.model_dump_json(exclude={"version", *absent})
    return hashlib.sha256(rules.encode()).hexdigest()


def digests() -> None:
    """Print the pins for every shipped version (to paste above after a change)."""
    for pack in list_packs():
        for policy in pack.versions:
            print(f'    ("{pack.id}", "{policy.version}"): (\n        "{_digest(policy)}"\n    ),')


SHIPPED = [(pack.id, policy) for pack in list_packs() for policy in pack.versions]


def test_every_version_is_pinned() -> None:
    assert sorted((pack_id, policy.version) for pack_id, policy in SHIPPED) == sorted(PINNED)


@pytest.mark.parametrize(
    ("pack_id", "policy"), SHIPPED, ids=[f"{p}@{v.version}" for p, v in SHIPPED]
)
def test_a_version_changes_only_with_its_number(pack_id: str, policy: Policy) -> None:
    assert _digest(policy) == PINNED[(pack_id, policy.version)], (
        f"{pack_id}.yaml {policy.version} changed: add a version"
    )


def test_the_packs_differ_in_kind() -> None:
    massachusetts = load_policy("massachusetts")
    commission = load_policy("ma-commission-2022")
    maryland = load_policy("maryland-2024")
    assert set(massachusetts.bases) == {"court_order", "emergency", "deceased"}
    assert set(commission.bases) == {"warrant", "emergency", "deceased"}
    assert "investigation" in maryland.bases
    assert [p.offences.rule for p in (massachusetts, commission, maryland)] == [
        "any",
        "classes",
        "listed",
    ]
    assert massachusetts.searchers.bodies is not None
    assert [body.id for body in massachusetts.searchers.bodies] == ["rmv", "state-police", "fbi"]
    assert maryland.searchers.bodies is None
    assert commission.review.second_examiner == "required"
    assert commission.disclosure.notify_defendants
    assert not massachusetts.disclosure.notify_defendants
    emergency = commission.bases["emergency"].follow_up
    assert emergency is not None
    assert (emergency.deadline_hours, emergency.sworn) == (48, True)
    assert maryland.training.valid_days == 365
    assert maryland.retention_days.request_records == 1095
    assert massachusetts.reporting.period_start.month == 9


def test_the_new_rule_kinds_are_in_the_packs_that_need_them() -> None:
    """Each law's distinctive rule, as data: nothing in code names a state."""
    utah = load_policy("utah-2021")
    assert [body.id for body in utah.searchers.bodies or []] == ["utah-dps"]
    assert [n.id for n in utah.narratives] == ["fair-probability"]
    assert [c.id for c in utah.offences.classes] == ["felony", "violent_crime", "threat_to_life"]
    maine = load_policy("maine-2021")
    assert maine.intake.screening is not None and maine.intake.screening.id == "maine-state-police"
    assert [body.id for body in maine.searchers.bodies or []] == ["maine-bmv", "fbi"]
    assert maine.unlawful_searches is not None and maine.unlawful_searches.results == "deleted"
    assert maine.public_log is not None and maine.public_log.searching_bodies == ["maine-bmv"]
    virginia = load_pack("virginia-2022")
    first, second = virginia.versions
    assert first.purposes is not None and len(first.purposes) == 14
    assert "purpose" in first.request_fields
    assert second.bases == {} and first.effective_to == date(2026, 6, 30)
    montana = load_policy("montana-2023")
    assert "warrant" in montana.bases and "court_order" not in montana.bases
    assert len(montana.offences.listed) == 26
    assert montana.outcomes is not None and montana.outcomes.counted == ["arrest", "conviction"]
    bills = load_policy("massachusetts-bills")
    follow_up = bills.bases["emergency"].follow_up
    assert bills.status == "proposed" and follow_up is not None and follow_up.deadline_hours == 48
    assert load_policy("washington-2020").disclosure.notify_defendants


def test_a_proposed_pack_is_marked_wherever_it_is_explained() -> None:
    for pack in list_packs():
        proposed = pack.latest.status == "proposed"
        assert proposed == any("PROPOSED LAW" in line for line in heading(pack.latest))
    assert {p.id for p in list_policies() if p.status == "proposed"} == {
        "ma-commission-2022",
        "massachusetts-bills",
    }


@pytest.mark.parametrize(
    "hostile",
    ["../../etc/passwd", "", "MASSACHUSETTS", "massachusetts.yaml", "a" * 500, "mass\x00"],
)
def test_a_policy_id_is_never_a_path(hostile: str) -> None:
    with pytest.raises(PolicyError, match="not a policy id"):
        load_policy(hostile)


def test_an_unknown_pack_lists_the_known_ones() -> None:
    with pytest.raises(PolicyError, match="maryland-2024, massachusetts, massachusetts-bills"):
        load_policy("vermont")
