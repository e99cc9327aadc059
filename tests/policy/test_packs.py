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
PINNED = {
    ("ma-commission-2022", "1.4"): (
        "8490a64d8c3924244da9a7f8035adbd95247e83a73f682472122c33336a4e022"
    ),
    # Re-pinned when the act's deletion of an unlawful search's results and the BMV's public
    # search log were modelled: the law of 1.0 did not change, and no intake or gate
    # decision reads the new rules.
    ("maine-2021", "1.0"): ("5514c3e90ab8ab1509f4df0798c66e04b6d5888ba0a8ba24da4e1f8348030dbf"),
    ("maryland-2024", "1.4"): ("3cb0373120ac949d45e8c87eb72a02b136e10fb54487c2bd869b47d744cbf921"),
    ("massachusetts", "1.4"): ("713119114a4a46c8ce77e1ff05fab832e235df3f5d8eea1cc46922bd612df337"),
    ("massachusetts-bills", "1.0"): (
        "c246ff7509300273bf1480ee1840a89c1c66a078af74348ffd8d505d8d8e37d0"
    ),
    # Re-pinned when the act's outcome tracking (§ 44-15-111(2)(c)) was modelled: the law
    # of 1.0 did not change, and no decision it made (intake, the gate) reads the new rule.
    ("montana-2023", "1.0"): ("ae748054d6d03a1c0717a9383d774567d3d248651bdd954c4709f34640f6e6c1"),
    ("utah-2021", "1.0"): ("2c93681d531a632cb1b5e74087a1f51786d1382f35b95dbf03ac44c3f821db7b"),
    ("virginia-2022", "1.0"): ("32ee0ea225a383e12e1f68313b5616fbad013bf471084efb0d4f73e29628707a"),
    ("virginia-2022", "2.0"): ("1972c5f8e2894239e2fd4f92aaf4c62a64e6b422536fa09b0934f8e819c83fd7"),
    ("washington-2020", "1.0"): (
        "88a54ed1f3018af4f7e1d06c23d1e22bf91d77727f60307693dfff05bd9af6c9"
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
