"""Decisions of each pack on representative requests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from facedocket.policy import (
    BasisFacts,
    Policy,
    candidate_list_size,
    check_algorithm,
    check_basis,
    check_gallery,
    check_probe,
    check_searcher,
    check_searching_body,
    check_training,
    emergency_deadline,
    load_policy,
    report_period,
    retention_until,
    similarity_threshold,
)

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
REQUEST = {
    "requesting_officer",
    "officer_rank",
    "agency",
    "case_number",
    "narrative",
    "probe_image",
    "probe_source",
}
ORDER = BasisFacts(
    basis="court_order",
    fields_present={
        *REQUEST,
        "offence",
        "order_document",
        "court",
        "docket_number",
        "judge",
        "issued_on",
        "expires_on",
        "order_scope",
    },
    offence_class="misdemeanour",
    basis_confirmed=True,
    expires_at=NOW + timedelta(days=30),
)
EMERGENCY = BasisFacts(
    basis="emergency",
    fields_present={*REQUEST, "emergency_facts", "approving_supervisor"},
    basis_confirmed=True,
)
WARRANT = BasisFacts(
    basis="warrant",
    fields_present={
        *REQUEST,
        "offence",
        "warrant_document",
        "court",
        "docket_number",
        "judge",
        "issued_on",
        "expires_on",
    },
    offence_class="felony",
    basis_confirmed=True,
    expires_at=NOW + timedelta(days=10),
)
INVESTIGATION = BasisFacts(
    basis="investigation",
    fields_present={*REQUEST, "offence", "approving_supervisor"},
    offence_code="CL 14-101",
    basis_confirmed=True,
)


@pytest.fixture(scope="module")
def massachusetts() -> Policy:
    return load_policy("massachusetts")


@pytest.fixture(scope="module")
def commission() -> Policy:
    return load_policy("ma-commission-2022")


@pytest.fixture(scope="module")
def maryland() -> Policy:
    return load_policy("maryland-2024")


# Massachusetts, as the law stands.


def test_a_complete_confirmed_order_is_allowed_and_cites_the_policy(
    massachusetts: Policy,
) -> None:
    decision = check_basis(massachusetts, ORDER, NOW)
    assert decision.allowed, decision.reasons
    assert (decision.policy_id, decision.policy_version) == ("massachusetts", massachusetts.version)
    assert decision.details() == {"allowed": True, "reasons": []}


def test_an_emergency_is_allowed_in_massachusetts(massachusetts: Policy) -> None:
    assert check_basis(massachusetts, EMERGENCY, NOW).allowed
    assert emergency_deadline(massachusetts, NOW) is None  # the statute sets no follow-up


def test_an_expired_order_is_refused(massachusetts: Policy) -> None:
    expired = replace(ORDER, expires_at=NOW - timedelta(minutes=1))
    decision = check_basis(massachusetts, expired, NOW)
    assert not decision.allowed
    assert decision.reasons == ("the court_order expired at 2026-03-10T14:59:00+00:00",)


def test_an_order_without_a_recorded_expiry_is_refused(massachusetts: Policy) -> None:
    decision = check_basis(massachusetts, replace(ORDER, expires_at=None), NOW)
    assert decision.reasons == ("the authorisation's expiry is not recorded",)


def test_exhausted_searches_are_refused(massachusetts: Policy) -> None:
    assert check_basis(
        massachusetts, replace(ORDER, searches_allowed=3, searches_done=2), NOW
    ).allowed
    done = check_basis(massachusetts, replace(ORDER, searches_allowed=3, searches_done=3), NOW)
    assert done.reasons == ("all 3 searches this court_order allows have been run",)
    default = check_basis(massachusetts, replace(ORDER, searches_done=1), NOW)
    assert default.reasons == ("all 1 searches this court_order allows have been run",)


def test_a_grant_above_the_policy_maximum_is_refused(massachusetts: Policy) -> None:
    decision = check_basis(massachusetts, replace(ORDER, searches_allowed=11), NOW)
    assert decision.reasons == ("11 searches granted, more than the 10 a court_order may allow",)


def test_every_reason_is_given_at_once(massachusetts: Policy) -> None:
    facts = replace(
        ORDER,
        fields_present=REQUEST - {"case_number"},
        basis_confirmed=False,
        expires_at=NOW - timedelta(days=1),
    )
    reasons = check_basis(massachusetts, facts, NOW).reasons
    assert len(reasons) == 3
    assert reasons[0].startswith("missing for a court_order request: case_number, offence")
    assert "a reviewer has not confirmed" in reasons[1]
    assert "expired" in reasons[2]


def test_a_basis_the_policy_does_not_list_is_refused(massachusetts: Policy) -> None:
    decision = check_basis(massachusetts, WARRANT, NOW)
    assert decision.reasons == (
        "legal basis 'warrant' is not allowed; allowed: court_order, emergency, deceased",
    )


def test_a_decision_cannot_be_used_as_a_condition(massachusetts: Policy) -> None:
    refused = check_basis(massachusetts, WARRANT, NOW)
    with pytest.raises(TypeError, match=r"Decision\.allowed"):
        bool(refused)


def test_hostile_text_is_quoted_and_shortened(massachusetts: Policy) -> None:
    decision = check_basis(massachusetts, replace(ORDER, basis="x" * 10_000 + "\n"), NOW)
    assert len(decision.reasons[0]) < 200
    assert "'xxxx" in decision.reasons[0]


def test_before_the_policy_takes_effect_nothing_is_allowed(massachusetts: Policy) -> None:
    before = datetime(2021, 7, 1, 3, 0, tzinfo=UTC)  # still June 30 in Boston
    decision = check_basis(massachusetts, EMERGENCY, before)
    version = massachusetts.version
    assert decision.reasons == (f"policy massachusetts {version} takes effect on 2021-07-01",)
    assert check_basis(massachusetts, EMERGENCY, before + timedelta(hours=2)).allowed


def test_naive_times_are_a_programming_error(massachusetts: Policy) -> None:
    with pytest.raises(ValueError, match="naive"):
        check_basis(massachusetts, ORDER, datetime(2026, 3, 10))
    with pytest.raises(ValueError, match="expires_at is a naive"):
        check_basis(massachusetts, replace(ORDER, expires_at=datetime(2026, 4, 1)), NOW)
    with pytest.raises(ValueError, match="negative"):
        check_basis(massachusetts, replace(ORDER, searches_done=-1), NOW)


def test_only_the_three_bodies_search_in_massachusetts(massachusetts: Policy) -> None:
    assert check_searcher(massachusetts, "state-police", "examiner").allowed
    local = check_searcher(massachusetts, "boston-police", "examiner")
    assert local.reasons == (
        "'boston-police' is not a searching body; it sends a written request to: "
        "Registry of Motor Vehicles, Massachusetts State Police, "
        "Federal Bureau of Investigation",
    )
    assert not check_searcher(massachusetts, "rmv", "requester").allowed
    assert check_searching_body(massachusetts, "fbi").allowed
    assert check_searching_body(massachusetts, "boston-police").reasons == local.reasons


def test_galleries_probes_and_lists(massachusetts: Policy) -> None:
    assert check_gallery(massachusetts, "rmv").allowed
    assert check_gallery(massachusetts, "mugshots").reasons == (
        "gallery 'mugshots' may not be searched; allowed: rmv",
    )
    assert check_probe(massachusetts, "photo").allowed
    assert check_probe(massachusetts, "video_still").allowed
    assert not check_probe(massachusetts, "live_video").allowed
    assert "unknown probe kind" in check_probe(massachusetts, "sketch").reasons[0]
    assert candidate_list_size(massachusetts, None) == 20
    assert candidate_list_size(massachusetts, 500) == 50
    assert candidate_list_size(massachusetts, 5) == 5
    with pytest.raises(ValueError, match="at least 1"):
        candidate_list_size(massachusetts, 0)
    assert similarity_threshold(massachusetts, 0.912) == 0.912
    assert check_training(massachusetts, None, NOW).allowed
    assert check_algorithm(massachusetts, approved=False).allowed
    assert retention_until(massachusetts, "probe_images", NOW) is None


def test_the_massachusetts_report_year_runs_from_september_in_boston(
    massachusetts: Policy,
) -> None:
    # 02:00 UTC on September 1 is still August 31 in Boston: the old period.
    start, end = report_period(massachusetts, datetime(2024, 9, 1, 2, 0, tzinfo=UTC))
    assert (start.date(), end.date()) == (date(2023, 9, 1), date(2024, 9, 1))
    start, end = report_period(massachusetts, datetime(2024, 9, 1, 5, 0, tzinfo=UTC))
    assert (start.date(), end.date()) == (date(2024, 9, 1), date(2025, 9, 1))
    assert start.utcoffset() == timedelta(hours=-4)  # local midnight, daylight time


# The special commission's proposal: warrant-only, felonies, one unit.


def test_a_misdemeanour_is_refused_under_the_commission(commission: Policy) -> None:
    decision = check_basis(commission, replace(WARRANT, offence_class="misdemeanour"), NOW)
    assert decision.reasons == (
        "offence class 'misdemeanour' is not one the law covers: felony (Felony)",
    )
    assert check_basis(commission, WARRANT, NOW).allowed
    unknown = check_basis(commission, replace(WARRANT, offence_class=None), NOW)
    assert unknown.reasons == (
        "offence class not given is not one the law covers: felony (Felony)",
    )


def test_a_court_order_is_not_enough_under_the_commission(commission: Policy) -> None:
    assert "not allowed" in check_basis(commission, ORDER, NOW).reasons[0]


def test_an_overdue_sworn_statement_blocks_further_emergency_searches(
    commission: Policy,
) -> None:
    first = NOW - timedelta(hours=49)
    assert emergency_deadline(commission, first) == NOW - timedelta(hours=1)
    later = replace(EMERGENCY, searches_allowed=2, searches_done=1, first_search_at=first)
    decision = check_basis(commission, later, NOW)
    assert decision.reasons == (
        "the sworn_statement due to Superior Court by 2026-03-10T14:00:00+00:00 is overdue",
    )
    filed = replace(later, fields_present={*later.fields_present, "sworn_statement"})
    assert check_basis(commission, filed, NOW).allowed
    in_time = replace(later, first_search_at=NOW - timedelta(hours=47))
    assert check_basis(commission, in_time, NOW).allowed


def test_only_the_unit_searches_and_software_must_be_approved(commission: Policy) -> None:
    assert not check_searcher(commission, "state-police", "examiner").allowed
    assert check_searcher(commission, "state-police-frt-unit", "examiner").allowed
    assert check_algorithm(commission, approved=False).reasons == (
        "the face model is not approved for searches",
    )
    assert check_training(commission, None, NOW).reasons == (
        "no face-comparison training on record",
    )
    assert check_training(commission, date(2010, 1, 1), NOW).allowed  # no renewal period
    assert candidate_list_size(commission, 50) == 20


# Maryland: a closed list of crimes, any agency, yearly training, three years of records.


def test_an_offence_outside_the_maryland_list_is_refused(maryland: Policy) -> None:
    theft = check_basis(maryland, replace(INVESTIGATION, offence_code="CL 7-104"), NOW)
    assert theft.reasons == (
        "offence 'CL 7-104' is not one of the 20 offences policy maryland-2024 lists",
    )
    none = check_basis(maryland, replace(INVESTIGATION, offence_code=None), NOW)
    assert "offence not given" in none.reasons[0]


def test_a_listed_offence_matches_without_case_or_spacing(maryland: Policy) -> None:
    assert check_basis(maryland, INVESTIGATION, NOW).allowed
    assert check_basis(maryland, replace(INVESTIGATION, offence_code="  cl   14-101 "), NOW).allowed
    assert not check_basis(maryland, replace(INVESTIGATION, offence_code="CL 14-1011"), NOW).allowed


def test_no_listed_offence_is_needed_to_find_a_missing_person(maryland: Policy) -> None:
    missing = BasisFacts(
        basis="missing_person",
        fields_present={*REQUEST, "missing_person_report"},
        basis_confirmed=True,
    )
    assert check_basis(maryland, missing, NOW).allowed


def test_any_agency_searches_with_yearly_training(maryland: Policy) -> None:
    assert check_searcher(maryland, "baltimore-county-police", "examiner").allowed
    assert check_searching_body(maryland, "baltimore-county-police").allowed
    assert not check_searcher(maryland, "baltimore-county-police", "requester").allowed
    recent = NOW.date() - timedelta(days=100)
    assert check_training(maryland, recent, NOW).allowed
    stale = NOW.date() - timedelta(days=400)
    assert check_training(maryland, stale, NOW).reasons == (
        f"training of {stale} lapsed on {stale + timedelta(days=365)}",
    )


def test_maryland_records_are_kept_three_years(maryland: Policy) -> None:
    assert retention_until(maryland, "candidate_lists", NOW) == NOW + timedelta(days=1095)
    start, end = report_period(maryland, NOW)
    assert (start.date(), end.date()) == (date(2026, 1, 1), date(2027, 1, 1))
    assert check_gallery(maryland, "mugshots").allowed
