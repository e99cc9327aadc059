"""Properties: whatever the facts, an allowed decision obeys every rule of its policy."""

from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from facedocket.policy import BasisFacts, BasisKind, Policy, RequestField, check_basis, load_policy
from facedocket.policy.model import normal_code

POLICIES = [
    load_policy(policy_id) for policy_id in ("massachusetts", "ma-commission-2022", "maryland-2024")
]
KINDS = list(typing.get_args(BasisKind))
FIELDS = list(typing.get_args(RequestField))
CODES = [offence.code for policy in POLICIES for offence in policy.offences.listed]
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
MOMENTS = st.none() | st.integers(-2000, 2000).map(lambda hours: NOW + timedelta(hours=hours))

FACTS = st.builds(
    BasisFacts,
    basis=st.sampled_from(KINDS) | st.text(max_size=20),
    fields_present=st.frozensets(st.sampled_from(FIELDS) | st.text(max_size=10)),
    offence_class=st.none() | st.sampled_from(["felony", "misdemeanour"]) | st.text(max_size=10),
    offence_code=st.none() | st.sampled_from(CODES) | st.text(max_size=10),
    basis_confirmed=st.booleans(),
    expires_at=MOMENTS,
    searches_done=st.integers(0, 20),
    searches_allowed=st.none() | st.integers(0, 20),
    first_search_at=MOMENTS,
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
    if rule.offence_rule_applies and policy.offences.rule == "felony":
        assert facts.offence_class == "felony"
    if rule.offence_rule_applies and policy.offences.rule == "listed":
        assert facts.offence_code is not None
        assert normal_code(facts.offence_code) in {
            normal_code(offence.code) for offence in policy.offences.listed
        }
    if rule.follow_up is not None and facts.first_search_at is not None:
        due = facts.first_search_at + timedelta(hours=rule.follow_up.deadline_hours)
        assert due >= NOW or rule.follow_up.document in facts.fields_present


@settings(max_examples=300, deadline=None)
@given(policy=st.sampled_from(POLICIES), basis=st.text())
def test_no_decision_allows_a_basis_the_policy_does_not_list(policy: Policy, basis: str) -> None:
    facts = BasisFacts(
        basis=basis,
        fields_present=frozenset(FIELDS),
        offence_class="felony",
        offence_code=CODES[0],
        basis_confirmed=True,
        expires_at=NOW + timedelta(days=1),
    )
    decision = check_basis(policy, facts, NOW)
    assert decision.allowed == (basis in policy.bases)
