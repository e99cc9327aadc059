"""Properties: whatever the facts, an allowed decision obeys every rule of its policy."""

from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from facedocket.policy import BasisFacts, BasisKind, Policy, RequestField, check_basis, list_packs
from facedocket.policy.model import normal_code

# Every version of every shipped pack.
POLICIES = [policy for pack in list_packs() for policy in pack.versions]
CLASSES = sorted({kind.id for p in POLICIES for kind in p.offences.classes} | {"misdemeanour"})
PURPOSES = sorted({purpose.id for p in POLICIES for purpose in p.purposes or []})
NARRATIVES = sorted({n.id for p in POLICIES for n in p.narratives})
KINDS = list(typing.get_args(BasisKind))
FIELDS = list(typing.get_args(RequestField))
CODES = [offence.code for policy in POLICIES for offence in policy.offences.listed]
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
MOMENTS = st.none() | st.integers(-2000, 2000).map(lambda hours: NOW + timedelta(hours=hours))

FACTS = st.builds(
    BasisFacts,
    basis=st.sampled_from(KINDS) | st.text(max_size=20),
    fields_present=st.frozensets(st.sampled_from(FIELDS) | st.text(max_size=10)),
    offence_class=st.none() | st.sampled_from(CLASSES) | st.text(max_size=10),
    offence_code=st.none() | st.sampled_from(CODES) | st.text(max_size=10),
    basis_confirmed=st.booleans(),
    expires_at=MOMENTS,
    searches_done=st.integers(0, 20),
    searches_allowed=st.none() | st.integers(0, 20),
    first_search_at=MOMENTS,
    purpose=st.none() | st.sampled_from(PURPOSES) | st.text(max_size=10),
    statements=st.dictionaries(
        st.sampled_from(NARRATIVES) | st.text(max_size=5),
        st.sampled_from(["", "short", "A witness saw the robber's face; " * 4]),
        max_size=3,
    ),
)


@settings(max_examples=500, deadline=None)
@given(policy=st.sampled_from(POLICIES), facts=FACTS)
def test_an_allowed_decision_obeys_every_rule(policy: Policy, facts: BasisFacts) -> None:
    decision = check_basis(policy, facts, NOW)
    assert (decision.policy_id, decision.policy_version) == (policy.id, policy.version)
    assert decision.allowed == (decision.reasons == ())
    if not decision.allowed:
        return
    # Never a basis the policy does not list.
    assert facts.basis in policy.bases
    rule = policy.bases[facts.basis]  # type: ignore[index]
    assert set(policy.request_fields) | set(rule.required_fields) <= set(facts.fields_present)
    assert facts.basis_confirmed or not rule.reviewer_confirms
    granted = rule.searches.default if facts.searches_allowed is None else facts.searches_allowed
    assert facts.searches_done < granted <= rule.searches.max
    assert facts.expires_at is None or facts.expires_at > NOW
    if rule.offence_rule_applies and policy.offences.rule == "classes":
        assert facts.offence_class in {kind.id for kind in policy.offences.classes}
    if policy.purposes is not None:
        assert facts.purpose in {purpose.id for purpose in policy.purposes}
    for narrative in policy.narratives:
        if facts.basis in narrative.bases:
            assert len(" ".join(facts.statements[narrative.id].split())) >= narrative.min_length
    if rule.offence_rule_applies and policy.offences.rule == "listed":
        assert facts.offence_code is not None
        assert normal_code(facts.offence_code) in {
            normal_code(offence.code) for offence in policy.offences.listed
        }
    if rule.follow_up is not None and facts.first_search_at is not None:
        due = facts.first_search_at + timedelta(hours=rule.follow_up.deadline_hours)
        assert due >= NOW or rule.follow_up.document in facts.fields_present


@settings(max_examples=300, deadline=None)
@given(policy=st.sampled_from(POLICIES), basis=st.sampled_from(KINDS) | st.text())
def test_no_decision_allows_a_basis_the_policy_does_not_list(policy: Policy, basis: str) -> None:
    """With every other fact in order, the basis alone decides."""
    day = policy.effective_from + timedelta(days=1)
    at = datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC)
    offences = policy.offences
    facts = BasisFacts(
        basis=basis,
        fields_present=frozenset(FIELDS),
        offence_class=offences.classes[0].id if offences.classes else "felony",
        offence_code=offences.listed[0].code if offences.listed else None,
        purpose=policy.purposes[0].id if policy.purposes else None,
        statements={n.id: "A witness saw the robber's face; " * 10 for n in policy.narratives},
        basis_confirmed=True,
        expires_at=at + timedelta(days=1),
    )
    decision = check_basis(policy, facts, at)
    assert decision.allowed == (basis in policy.bases), decision.reasons
