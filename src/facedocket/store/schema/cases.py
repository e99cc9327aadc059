"""Written requests, their legal basis and documents, the searches run for them, the
candidates those returned and the examiners' conclusions.

Rows here are never the record of what happened: the audit log is. They hold the current
state so the workflow can be checked and shown; every change to them is logged in the same
transaction.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from facedocket import limits
from facedocket.store.schema.base import Base, utcnow
from facedocket.store.schema.people import Agency


class SearchRequest(Base):
    """A written request for a face search (requirement 2)."""

    __tablename__ = "requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    # The body the request is made to (one the policy lets search); only its staff act on
    # it. None only for requests written before bodies were named (migration 0009).
    searching_body_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    officer_name: Mapped[str] = mapped_column(String(limits.FULL_NAME))
    officer_rank: Mapped[str] = mapped_column(String(limits.RANK))
    case_number: Mapped[str] = mapped_column(String(limits.CASE_NUMBER))
    offence: Mapped[str] = mapped_column(String(limits.OFFENCE))
    offence_class: Mapped[str] = mapped_column(String(50))
    offence_code: Mapped[str | None] = mapped_column(String(limits.OFFENCE_CODE))
    narrative: Mapped[str] = mapped_column(Text)
    # The authorised use it names, where the policy has a closed list (migration 0018).
    purpose: Mapped[str | None] = mapped_column(String(63))
    # The written statements the policy asks for, by narrative id (e.g. Utah's "fair
    # probability" narrative); empty where it asks none.
    statements: Mapped[dict[str, Any] | None]
    # The body that screens and decides it first where the policy has two stages of intake
    # (Maine's State Police); None: the searching body decides it.
    intake_body_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    gallery_id: Mapped[int] = mapped_column(ForeignKey("galleries.id"))
    state: Mapped[str] = mapped_column(String(30), index=True)
    outcome: Mapped[str | None] = mapped_column(String(30))
    policy_id: Mapped[str] = mapped_column(String(100))
    policy_version: Mapped[str] = mapped_column(String(50))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    # When the examiners concluded it (migration 0019; None for requests concluded before).
    concluded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    # Loaded when read, not joined: a joined load would put an outer join into the
    # row lock's SELECT ... FOR UPDATE, which PostgreSQL refuses.
    searching_body: Mapped[Agency | None] = relationship(foreign_keys=[searching_body_id])
    basis: Mapped["LegalBasis | None"] = relationship(back_populates="request", uselist=False)
    documents: Mapped[list["Document"]] = relationship(back_populates="request")
    searches: Mapped[list["Search"]] = relationship(back_populates="request", order_by="Search.id")


class Document(Base):
    """A file of a request: probe photo, court order, attachment or sworn statement.

    The SHA-256 stays when retention purges the content, so the record still proves what
    the file was.
    """

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(limits.FILENAME))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(Text, default="")
    # A probe's check when it was attached (``cases.probes``): faces found, their quality
    # against the policy's floor. None for other files and for probes attached before.
    probe_check: Mapped[dict[str, Any] | None]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[datetime | None]

    request: Mapped[SearchRequest] = relationship(back_populates="documents")


class LegalBasis(Base):
    """The ground a request rests on: court order, warrant, emergency or deceased person."""

    __tablename__ = "legal_bases"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    court: Mapped[str | None] = mapped_column(String(limits.COURT))
    docket_number: Mapped[str | None] = mapped_column(String(limits.DOCKET_NUMBER))
    judge: Mapped[str | None] = mapped_column(String(limits.JUDGE))
    issued_on: Mapped[date | None]
    expires_at: Mapped[datetime | None]
    scope: Mapped[str | None] = mapped_column(Text)
    searches_allowed: Mapped[int | None]
    order_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    facts: Mapped[str | None] = mapped_column(Text)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    supervisor_approved_at: Mapped[datetime | None]
    statement_due_at: Mapped[datetime | None]
    statement_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    # When the scheduled duty found the statement missing past its deadline (on the record).
    statement_overdue_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]

    request: Mapped[SearchRequest] = relationship(back_populates="basis")


class Search(Base):
    """One 1:N search, with everything requirement 7 asks to be recorded."""

    __tablename__ = "searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    examiner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    searching_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    gallery_id: Mapped[int] = mapped_column(ForeignKey("galleries.id"))
    model_id: Mapped[int] = mapped_column(ForeignKey("face_models.id"))
    index_backend: Mapped[str] = mapped_column(String(30))
    threshold: Mapped[float]
    list_size: Mapped[int]
    candidates_returned: Mapped[int]
    probe_document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    probe_face: Mapped[int]
    probe_box: Mapped[dict[str, Any]] = mapped_column()
    # The size of the image the box is measured in (the probe, or the probe scaled to the
    # decode bound); None for searches run before migration 0021.
    probe_width: Mapped[int | None]
    probe_height: Mapped[int | None]
    probe_quality: Mapped[dict[str, Any]] = mapped_column()
    quality_override: Mapped[str | None] = mapped_column(Text)
    policy_id: Mapped[str] = mapped_column(String(100))
    policy_version: Mapped[str] = mapped_column(String(50))

    request: Mapped[SearchRequest] = relationship(back_populates="searches")
    candidates: Mapped[list["Candidate"]] = relationship(order_by="Candidate.rank")


class Candidate(Base):
    """A person a search returned, at a rank, with the best-matching photo's score."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("search_id", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("searches.id"), index=True)
    rank: Mapped[int]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id"))
    score: Mapped[float]


class Review(Base):
    """An examiner's conclusion on one candidate; round 2 is the independent second look."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("candidate_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("searches.id"), index=True)
    examiner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    round: Mapped[int]
    conclusion: Mapped[str] = mapped_column(String(30))
    reasons: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LeadOutcome(Base):
    """What followed a lead (an arrest, a charge, a conviction, or none), as its requester
    or a supervisor recorded it. A lead can have several over time; none is ever changed,
    and each is on the record (``audit_seq``)."""

    __tablename__ = "lead_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    audit_seq: Mapped[int] = mapped_column(BigInteger)
