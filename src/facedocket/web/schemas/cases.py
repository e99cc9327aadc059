"""Requests with their legal basis and documents, searches, candidates, reviews, results.

A request is written with ``facedocket.cases.schemas.RequestCreate`` (the CLI uses the
same model), sent as the JSON ``form`` field of a multipart upload beside its files.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AliasPath, Field, StringConstraints

from facedocket.cases.schemas import PLAIN, line, plain_text
from facedocket.cases.states import Conclusion
from facedocket.policy.afterwards import OutcomeKind
from facedocket.web.schemas.common import Public, Reason, Strict


class DocumentPublic(Public):
    id: int
    kind: str
    filename: str
    media_type: str
    size: int
    sha256: str
    source: str
    uploaded_at: datetime
    purged_at: datetime | None
    probe_check: dict[str, Any] | None = Field(
        default=None,
        description="A probe's check when attached: each face found (eye_distance in "
        "pixels, detector_score) and the policy's min_eye_distance.",
    )


class BasisPublic(Public):
    kind: str
    court: str | None
    docket_number: str | None
    judge: str | None
    issued_on: date | None
    expires_at: datetime | None
    scope: str | None
    searches_allowed: int | None
    facts: str | None
    order_document_id: int | None
    statement_document_id: int | None
    supervisor_approved_at: datetime | None
    statement_due_at: datetime | None
    confirmed_at: datetime | None


class RequestPublic(Public):
    id: int
    case_number: str
    offence: str
    offence_class: str
    offence_code: str | None
    narrative: str
    officer_name: str
    officer_rank: str
    searching_body: str | None = Field(
        validation_alias=AliasPath("searching_body", "code"), default=None
    )
    state: str
    outcome: str | None
    policy_id: str
    policy_version: str
    decision_reason: str | None
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    concluded_at: datetime | None
    closed_at: datetime | None
    basis: BasisPublic | None
    documents: list[DocumentPublic]


class RequestSummary(Public):
    id: int
    case_number: str
    offence: str
    officer_name: str
    searching_body: str | None = Field(
        validation_alias=AliasPath("searching_body", "code"), default=None
    )
    state: str
    outcome: str | None
    created_at: datetime
    submitted_at: datetime | None


class Approval(Strict):
    note: Reason = Field(description="Why the legal basis covers this request.")


class Rejection(Strict):
    reason: Reason


class Correction(Strict):
    reason: Reason = Field(description="What the requester must correct, and why.")


class Withdrawal(Strict):
    reason: Reason = Field(description="Why the requester takes the request back.")


class SearchCreate(Strict):
    probe_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    face: int | None = Field(default=None, ge=0, le=1000)
    list_size: int | None = Field(default=None, ge=1, le=1000)
    quality_override: (
        Annotated[str, StringConstraints(max_length=2000), AfterValidator(plain_text)] | None
    ) = None


class SearchPublic(Public):
    id: int
    run_at: datetime
    threshold: float
    list_size: int
    candidates_returned: int
    index_backend: str
    probe_document_id: int
    probe_face: int
    probe_quality: dict[str, Any]
    quality_override: str | None
    policy_id: str
    policy_version: str


class CandidatePublic(Public):
    candidate_id: int
    search_id: int
    rank: int
    score: float
    # None to an examiner who has not yet concluded on this candidate.
    person_name: str | None
    record_id: str | None
    quality: dict[str, Any]
    first_review: str | None
    second_review: str | None


class ReviewCreate(Strict):
    candidate_id: int = Field(ge=1, le=2**31 - 1)
    conclusion: Conclusion
    reasons: Reason
    round: Literal[1, 2] = 1


class ReviewPublic(Public):
    id: int
    candidate_id: int
    round: int
    conclusion: str
    reasons: str
    created_at: datetime


class ConclusionCreate(Strict):
    outcome: Literal["lead", "no_lead"]


class LeadPublic(Public):
    candidate_id: int
    person_name: str
    record_id: str


class ResultsPublic(Public):
    notice: str
    outcome: str
    leads: list[LeadPublic]


class OverduePublic(Public):
    request_id: int
    case_number: str
    officer_name: str
    statement_due_at: datetime | None


class OutcomeCreate(Strict):
    """What followed a lead: ``kind`` on the local day ``occurred_on``."""

    kind: OutcomeKind
    occurred_on: date
    note: Annotated[str, line(2000, 0), PLAIN] = ""


class OutcomePublic(Public):
    id: int
    kind: str
    occurred_on: date
    note: str | None
    recorded_at: datetime


class OverdueOutcomePublic(Public):
    request_id: int
    case_number: str
    lead_at: datetime
    due_at: datetime


class UnlawfulCreate(Strict):
    """A search of the request declared unlawful, and why; where the law says so (Maine),
    its results are deleted. A reason shorter than a sentence is refused by the library
    (``missing_reason``), as the command refuses it."""

    search_id: int = Field(ge=1, le=2**31 - 1)
    reason: Annotated[str, StringConstraints(max_length=2000), PLAIN] = Field(
        description="Why the search was unlawful, in a sentence (10 to 2000 characters)."
    )


class UnlawfulPublic(Public):
    """The tombstone: the search ran (its row stays), and when, by whom and why its
    results were deleted, how many, and the SHA-256s of the list as recorded and as
    deleted."""

    request_id: int
    search_id: int
    search_run_at: datetime
    reason: str
    declared_by: str = Field(validation_alias=AliasPath("declared_by", "username"))
    role: str
    declared_at: datetime
    candidates: int
    conclusions: int
    candidates_sha256: str | None
    deleted_sha256: str
    search_entry_seq: int | None
    audit_seq: int
