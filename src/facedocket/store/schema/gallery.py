"""Galleries of named people, their photos and the face templates made from them.

The database is the source of truth; a vector index is a cache rebuilt from ``templates``.
Every template names the model that made it, so templates of two models are never compared.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from facedocket import limits
from facedocket.store.schema.base import Base, utcnow


class FaceModelRecord(Base):
    """A face embedding model as it was used: its name, version and file checksum."""

    __tablename__ = "face_models"
    __table_args__ = (UniqueConstraint("name", "version", "file_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    file_sha256: Mapped[str] = mapped_column(String(64))
    dimension: Mapped[int]
    threshold: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Gallery(Base):
    """A named collection of enrolled people, e.g. the state's licence photos."""

    __tablename__ = "galleries"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(limits.GALLERY_NAME), unique=True)
    description: Mapped[str] = mapped_column(String(limits.GALLERY_DESCRIPTION), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Person(Base):
    """Someone in a gallery, known by the source system's record id and a name."""

    __tablename__ = "persons"
    __table_args__ = (UniqueConstraint("gallery_id", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gallery_id: Mapped[int] = mapped_column(ForeignKey("galleries.id"), index=True)
    record_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    photos: Mapped[list["Photo"]] = relationship(back_populates="person")


class Photo(Base):
    """One enrolled photo; its SHA-256 makes enrolment idempotent within a gallery."""

    __tablename__ = "photos"
    __table_args__ = (UniqueConstraint("gallery_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gallery_id: Mapped[int] = mapped_column(ForeignKey("galleries.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(1000))
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="photos")


class Template(Base):
    """A face embedding of one photo by one model, with the quality of the face."""

    __tablename__ = "templates"
    __table_args__ = (
        UniqueConstraint("photo_id", "model_id"),
        # The search gate's freshness check (count and newest id of one gallery's templates
        # of one model) reads this index alone, not millions of rows; it also serves every
        # lookup by gallery.
        Index("ix_templates_gallery_model_id", "gallery_id", "model_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gallery_id: Mapped[int] = mapped_column(ForeignKey("galleries.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"))
    model_id: Mapped[int] = mapped_column(ForeignKey("face_models.id"))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    box: Mapped[dict[str, Any]] = mapped_column()
    quality: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EnrolmentRejection(Base):
    """A photo enrolment refused, with the reason; kept so a rerun skips it and says why."""

    __tablename__ = "enrolment_rejections"
    __table_args__ = (UniqueConstraint("gallery_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gallery_id: Mapped[int] = mapped_column(ForeignKey("galleries.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(1000))
    code: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
