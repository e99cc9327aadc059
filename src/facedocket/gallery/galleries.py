"""Finding and creating the gallery rows that enrolment and search share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facedocket import limits
from facedocket.gallery.record import Enroller, log
from facedocket.store.locks import lock_name
from facedocket.store.schema import EnrolmentRejection, FaceModelRecord, Gallery, Person, Photo
from facedocket.store.schema import Template as TemplateRow

if TYPE_CHECKING:
    from facedocket.faces.models import Embedder


class GalleryNotFoundError(LookupError):
    pass


class GalleryExistsError(ValueError):
    pass


class InvalidGalleryError(ValueError):
    """A name or description a new gallery may not have; the message says why."""


# A gallery's name also names its index files and collections, so it is one plain word:
# never a path ('../../etc'), never a space or a letter that looks like another.
# Also the page's ``pattern`` (a '-' in a class escaped, as a browser's ``v`` flag wants).
GALLERY_NAME = re.compile(rf"[a-z0-9][a-z0-9\-]{{0,{limits.GALLERY_NAME - 1}}}")
GALLERY_NAME_RULE = (
    f"a gallery name is 1 to {limits.GALLERY_NAME} lower-case letters a-z, digits and "
    "dashes, starting with a letter or digit"
)


def checked_gallery_name(name: str) -> str:
    """``name`` if a new gallery may be called that, else ``InvalidGalleryError``."""
    if not GALLERY_NAME.fullmatch(name):
        raise InvalidGalleryError(f"{name!r}: {GALLERY_NAME_RULE}")
    return name


def get_gallery(session: Session, name: str) -> Gallery:
    gallery = session.scalar(select(Gallery).where(Gallery.name == name))
    if gallery is None:
        raise GalleryNotFoundError(f"no gallery called {name!r}")
    return gallery


def ensure_gallery(
    session: Session, name: str, description: str = "", *, by: Enroller | None = None
) -> Gallery:
    """The gallery called ``name``; a new one is made and its creation recorded.

    The name is locked first so that two enrolments starting at once make one gallery
    (and one creation entry), not a unique-constraint error in the second."""
    lock_name(session, "gallery", name)
    gallery = session.scalar(select(Gallery).where(Gallery.name == name))
    if gallery is None:
        try:
            description = limits.checked_line(
                "description", description, limits.GALLERY_DESCRIPTION, required=False
            )
        except ValueError as error:
            raise InvalidGalleryError(str(error)) from None
        gallery = Gallery(name=checked_gallery_name(name), description=description)
        session.add(gallery)
        session.flush()
        log(session, Enroller.default(by), "gallery.created", name, {"description": description})
    return gallery


def ensure_model_record(session: Session, embedder: Embedder) -> FaceModelRecord:
    """The row naming this exact model file; a changed file is a different model.

    Locked by the file's hash first: two processes meeting a new model at once register
    it once."""
    card = embedder.card
    lock_name(session, "face-model", embedder.file_sha256)
    record = session.scalar(
        select(FaceModelRecord).where(
            FaceModelRecord.name == card.name,
            FaceModelRecord.version == card.version,
            FaceModelRecord.file_sha256 == embedder.file_sha256,
        )
    )
    if record is None:
        record = FaceModelRecord(
            name=card.name,
            version=card.version,
            file_sha256=embedder.file_sha256,
            dimension=card.dimension,
            threshold=card.threshold,
        )
        session.add(record)
        session.flush()
    return record


@dataclass(frozen=True)
class GalleryStats:
    name: str
    persons: int
    photos: int
    templates_by_model: dict[str, int]
    rejections_by_code: dict[str, int]


def gallery_stats(session: Session, name: str) -> GalleryStats:
    gallery = get_gallery(session, name)

    def count(model: type[Person] | type[Photo]) -> int:
        return (
            session.scalar(
                select(func.count()).select_from(model).where(model.gallery_id == gallery.id)
            )
            or 0
        )

    templates = session.execute(
        select(FaceModelRecord.name, FaceModelRecord.version, func.count(TemplateRow.id))
        .join(TemplateRow, TemplateRow.model_id == FaceModelRecord.id)
        .where(TemplateRow.gallery_id == gallery.id)
        .group_by(FaceModelRecord.name, FaceModelRecord.version)
    ).all()
    rejections = session.execute(
        select(EnrolmentRejection.code, func.count())
        .where(EnrolmentRejection.gallery_id == gallery.id)
        .group_by(EnrolmentRejection.code)
    ).all()
    return GalleryStats(
        name=gallery.name,
        persons=count(Person),
        photos=count(Photo),
        templates_by_model={f"{n} {v}": c for n, v, c in templates},
        rejections_by_code={code: int(c) for code, c in rejections},
    )


def create_gallery(session: Session, by: str, name: str, description: str = "") -> Gallery:
    """A new, empty gallery; the policy decides which galleries requests may search."""
    if session.scalar(select(Gallery).where(Gallery.name == name)) is not None:
        raise GalleryExistsError(f"a gallery called {name!r} exists already")
    return ensure_gallery(session, name, description, by=Enroller(by, "administrator"))


def list_galleries(session: Session) -> list[Gallery]:
    return list(session.scalars(select(Gallery).order_by(Gallery.name)))


def list_models(session: Session) -> list[FaceModelRecord]:
    """Every model that made templates or ran searches here, oldest first."""
    return list(session.scalars(select(FaceModelRecord).order_by(FaceModelRecord.id)))
