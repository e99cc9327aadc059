"""Governance: examiners' training, the algorithm register (with its per-group figures),
legal holds and purges.

Like the case tables, these rows hold the current state so that rules can be checked
quickly; the audit record holds what happened. Every row here is written together with
its audit entry, in one transaction.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from facedocket.store.schema.base import Base, utcnow
from facedocket.store.schema.people import User


class TrainingRecord(Base):
    """A face-comparison course an examiner completed; ``expires_on`` if the course sets one.

    A policy may also limit how long training counts (``training.valid_days``); the
    earlier of the two ends it.
    """

    __tablename__ = "training_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[date]
    expires_on: Mapped[date | None]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelRegistration(Base):
    """The algorithm register: a model file, its measured accuracy, and its approval.

    ``accuracy`` holds the figures read from the benchmark results (decimal strings, so
    they print and hash the same everywhere), ``accuracy_sha256`` the file they came from.
    """

    __tablename__ = "model_register"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("face_models.id"), unique=True)
    accuracy: Mapped[dict[str, Any]] = mapped_column()
    accuracy_sha256: Mapped[str | None] = mapped_column(String(64))
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    approval_note: Mapped[str | None] = mapped_column(Text)


class ModelGroupFigure(Base):
    """One accuracy figure measured for a model in one demographic group, as entered.

    Rows are never changed: a later figure for the same group, metric and evaluator
    supersedes the earlier one from the moment it is entered, so a decision made at any
    moment reads the figures as they stood then. ``value`` is a decimal string.
    """

    __tablename__ = "model_group_figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("face_models.id"), index=True)
    group: Mapped[str] = mapped_column(String(63))
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(12))
    evaluator: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(200))
    measured_on: Mapped[date]
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)


class LegalHold(Base):
    """A hold on a request: nothing of it is purged until the hold is released."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime]
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(Text)


class Purge(Base):
    """One item retention removed, and the SHA-256 of what it was.

    A document keeps its row (content emptied); a candidate list's rows are deleted, so
    this row (and the tombstone entry ``audit_seq`` on the record) is what remains.
    """

    __tablename__ = "purges"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    record_type: Mapped[str] = mapped_column(String(30))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    search_id: Mapped[int | None] = mapped_column(ForeignKey("searches.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    retained_until: Mapped[datetime]
    purged_at: Mapped[datetime]
    purged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    audit_seq: Mapped[int] = mapped_column(BigInteger)


class UnlawfulDeletion(Base):
    """A search declared unlawful, whose results (candidates and conclusions) the law had
    deleted: the tombstone that says it ran, why and by whom its results went, and what
    they hashed to. The search's own row stays."""

    __tablename__ = "unlawful_deletions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("searches.id"), unique=True)
    search_run_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(30))
    declared_at: Mapped[datetime]
    candidates: Mapped[int]
    conclusions: Mapped[int]
    # The candidate list's SHA-256 as the search.run entry recorded it (None: no entry).
    candidates_sha256: Mapped[str | None] = mapped_column(String(64))
    # The SHA-256 of the deleted rows (retention.candidate_list_bytes), as a purge takes it.
    deleted_sha256: Mapped[str] = mapped_column(String(64))
    search_entry_seq: Mapped[int | None] = mapped_column(BigInteger)
    audit_seq: Mapped[int] = mapped_column(BigInteger)
    declared_by: Mapped[User] = relationship(foreign_keys=[declared_by_id])
