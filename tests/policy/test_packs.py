"""The shipped packs: each loads, each differs in kind, and none changes without a new version."""

from __future__ import annotations

import hashlib

import pytest

from facedocket.policy import Policy, PolicyError, list_packs, load_policy

# A version's rules may change only with its number: decisions on record cite it. After
# changing a pack's rules, add a version (or, before any deployment used it, bump it) and
# pin its digest here: `python -c "from tests.policy.test_packs import digests; digests()"`.
PINNED = {
    (
        "ma-commission-2022",
        "1.3",
    ): "c771b83f531d607689fd6b0a8bf73b4414d619a5c2ee6528062a988689a51f54",
    ("maryland-2024", "1.3"): "b65dd247a763918f853993bcfa99cce8feda071beb42dbcebe16a2d49b251c8e",
    ("massachusetts", "1.3"): "3af0027cf3d4e640b2a00fca5e6fc8076b87fc7ec8b6f61a9d2b1f22c9fe0c58",
}


def _digest(policy: Policy) -> str:
    # The parsed rules, not the file bytes: comments may be corrected without a new version.
    rules = policy.model_dump_json(exclude={"version"})
    return hashlib.sha256(rules.encode()).hexdigest()


def digests() -> None:
    """Print the pins for every shipped version (to paste above after a change)."""
    for pack in list_packs():
        for policy in pack.versions:
            print(f'    ("{pack.id}", "{policy.version}"): "{_digest(policy)}",')


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
