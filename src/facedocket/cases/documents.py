"""Storing a request's files: checked by type and size, kept with their SHA-256.

A probe must be a photo that decodes (a corrupt or hostile file is refused before it is
stored). Orders and statements are PDFs or photos of the signed paper.
"""

from __future__ import annotations

import hashlib
import threading

from sqlalchemy.orm import Session

from facedocket.cases.schemas import FileUpload
from facedocket.faces.errors import ImageError
from facedocket.faces.images import DecodeLimits, decode_image
from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.settings import Settings
from facedocket.store.schema import Document, SearchRequest

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# PDFium is not thread-safe and the web service parses uploads on a pool of threads.
_PDFIUM = threading.Lock()


def media_type_of(content: bytes) -> str | None:
    """The media type by the file's own bytes, never by its name."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def store_document(
    session: Session,
    settings: Settings,
    request: SearchRequest,
    actor: Actor,
    kind: str,
    upload: FileUpload,
) -> Document:
    content = upload.content
    media_type = media_type_of(content)
    if kind == "probe":
        try:
            decode_image(content, DecodeLimits.of(settings))
        except ImageError as error:
            raise Refused(
                f"probe {upload.filename}: {error.message}", code=RefusalCode[error.code.name]
            ) from None
        if media_type not in {"image/jpeg", "image/png"}:
            raise Refused(
                f"probe {upload.filename}: only JPEG and PNG photos are accepted",
                code=RefusalCode.UNSUPPORTED_FORMAT,
            )
    else:
        if len(content) > MAX_DOCUMENT_BYTES:
            raise Refused(
                f"{kind} {upload.filename}: {len(content):,} bytes; "
                f"the limit is {MAX_DOCUMENT_BYTES:,}",
                code=RefusalCode.FILE_TOO_LARGE,
            )
        if media_type is None:
            raise Refused(
                f"{kind} {upload.filename}: must be a PDF, JPEG or PNG file",
                code=RefusalCode.UNSUPPORTED_FORMAT,
            )
        if media_type == "application/pdf":
            check_pdf(f"{kind} {upload.filename}", content)
    document = Document(
        request=request,
        kind=kind,
        filename=upload.filename,
        media_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        source=upload.source,
        uploaded_by_id=actor.user_id,
    )
    session.add(document)
    session.flush()
    return document


def check_pdf(what: str, content: bytes) -> None:
    """Refuse a file that starts like a PDF but that a PDF reader cannot open.

    The first bytes say only what a file claims to be; a court must be able to read the
    order the search relied on, so it is parsed (PDFium, as browsers do) before it is kept.
    """
    import pypdfium2  # noqa: PLC0415 - a PDF engine, loaded only when a PDF arrives

    with _PDFIUM:
        try:
            document = pypdfium2.PdfDocument(content)
        except pypdfium2.PdfiumError as error:
            raise Refused(
                f"{what}: starts like a PDF but is not a readable one ({error}); "
                "send the file as the court issued it",
                code=RefusalCode.CORRUPT_DOCUMENT,
            ) from None
        try:
            pages = len(document)
        finally:
            document.close()
    if pages == 0:
        raise Refused(f"{what}: the PDF has no pages", code=RefusalCode.CORRUPT_DOCUMENT)
