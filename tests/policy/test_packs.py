"""The shipped packs: each loads, each differs in kind, and none changes without a new version."""

from __future__ import annotations

import hashlib

import pytest

from facedocket.policy import PolicyError, list_policies, load_policy

# A pack's rules may change only with its version: decisions on record cite the version.
# After changing a pack's rules, bump its `version` and update its digest here.
PINNED = {
    "massachusetts": ("1.2", "926f487949f733c84ecc8bd3cf57c0b53729480cff1c11b7b8d54547dbcedeb6"),
    "ma-commission-2022": (
        "1.2",
        "cec6a8ae85ce7c44b0675c4befbc8f954f6100c0eb04b8a9be1547f2dceb4128",
    ),
    "maryland-2024": ("1.2", "d881f87ff37e0644db446f730ca03449dec38e3654e2817b702846ecbda17cc1"),
}


def _digest(policy_id: str) -> str:
    # The parsed rules, not the file bytes: comments may be corrected without a new version.
    rules = load_policy(policy_id).model_dump_json(exclude={"version"})
    return hashlib.sha256(rules.encode()).hexdigest()


def test_every_pack_loads_and_is_listed() -> None:
    assert [policy.id for policy in list_policies()] == sorted(PINNED)


@pytest.mark.parametrize("policy_id", sorted(PINNED))
def test_a_pack_changes_only_with_its_version(policy_id: str) -> None:
    version, digest = PINNED[policy_id]
    assert load_policy(policy_id).version == version
    assert _digest(policy_id) == digest, f"{policy_id}.yaml changed: bump its version"


def test_the_packs_differ_in_kind() -> None:
    massachusetts = load_policy("massachusetts")
    commission = load_policy("ma-commission-2022")
    maryland = load_policy("maryland-2024")
    assert set(massachusetts.bases) == {"court_order", "emergency", "deceased"}
    assert set(commission.bases) == {"warrant", "emergency", "deceased"}
    assert "investigation" in maryland.bases
    assert [p.offences.rule for p in (massachusetts, commission, maryland)] == [
        "any",
        "felony",
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


@pytest.mark.parametrize(
    "hostile",
    ["../../etc/passwd", "", "MASSACHUSETTS", "massachusetts.yaml", "a" * 500, "mass\x00"],
)
def test_a_policy_id_is_never_a_path(hostile: str) -> None:
    with pytest.raises(PolicyError, match="not a policy id"):
        load_policy(hostile)


def test_an_unknown_pack_lists_the_known_ones() -> None:
    with pytest.raises(PolicyError, match="ma-commission-2022, maryland-2024, massachusetts"):
        load_policy("vermont")
