"""Reading a case's files: its documents and the gallery photos of its candidates.

A face photo is as sensitive as a candidate list, so each view is an audit entry, and a
requester sees a gallery photo only when the examiners released that candidate as a lead.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy.orm import Session

from facedocket.cases.documents import media_type_of
from facedocket.cases.evidence import verified_content
from facedocket.cases.requests import open_case
from facedocket.cases.review import released_lead_ids
from facedocket.faces.errors import ImageError
from facedocket.faces.images import DecodeLimits, decode_image
from facedocket.gallery.sources import photo_path
from facedocket.kernel.actors import Actor
from facedocket.kernel.audit_entry import log
from facedocket.kernel.refusals import NotFound, RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.settings import Settings
from facedocket.store.schema import Candidate, Document, Photo

CANDIDATE_VIEWERS = (Role.EXAMINER, Role.SUPERVISOR, Role.AUDITOR)


@dataclass(frozen=True)
class FileContent:
    filename: str
    media_type: str
    content: bytes


def read_document(session: Session, actor: Actor, request_id: int, document_id: int) -> FileContent:
    """A document of a request this actor may see; purged content is refused, not faked."""
    request, actor = open_case(session, actor, request_id)
    document = session.get(Document, document_id)
    if document is None or document.request_id != request.id:
        raise NotFound(f"no document {document_id} in request {request_id}")
    content = verified_content(session, document)
    role = actor.role_for(*Role) or Role.REQUESTER
    log(
        session,
        actor,
        role,
        "document.viewed",
        request.id,
        {"document": document.id, "kind": document.kind, "sha256": document.sha256},
    )
    return FileContent(document.filename, document.media_type, content)


def candidate_photo(
    session: Session, settings: Settings, actor: Actor, request_id: int, candidate_id: int
) -> FileContent:
    """The gallery photo a candidate was found by, for an examiner or a released lead."""
    request, actor = open_case(session, actor, request_id)
    candidate = session.get(Candidate, candidate_id)
    if candidate is None or candidate.search_id not in {s.id for s in request.searches}:
        raise NotFound(f"no candidate {candidate_id} in request {request_id}")
    role = actor.role_for(*CANDIDATE_VIEWERS)
    if role is None:
        if candidate.id not in released_lead_ids(session, request):
            raise NotFound(f"no candidate {candidate_id} in request {request_id}")
        role = Role.REQUESTER
    photo = session.get_one(Photo, candidate.photo_id)
    location = photo_path(photo.source, settings.photo_root)
    content, media_type = _viewable(settings, location)
    log(
        session,
        actor,
        role,
        "photo.viewed",
        request.id,
        {"candidate": candidate.id, "rank": candidate.rank, "photo_sha256": photo.sha256},
    )
    return FileContent(f"candidate-{candidate.rank}.{media_type[6:]}", media_type, content)


def _viewable(settings: Settings, path: Path) -> tuple[bytes, str]:
    """The photo as a browser shows it: JPEG and PNG as stored, anything else as PNG."""
    try:
        content = path.read_bytes()
    except OSError:
        raise Refused(
            "the gallery photo is no longer at its enrolled place", code=RefusalCode.PHOTO_MISSING
        ) from None
    media_type = media_type_of(content)
    if media_type in ("image/jpeg", "image/png"):
        return content, media_type
    try:
        pixels = decode_image(content, DecodeLimits.of(settings))
    except ImageError as error:
        raise Refused(
            f"the gallery photo cannot be shown: {error.message}", code=RefusalCode[error.code.name]
        ) from None
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue(), "image/png"
