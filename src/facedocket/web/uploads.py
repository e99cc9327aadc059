"""Files as they arrive over HTTP, made into ``FileUpload``s: read only up to a limit,
named by their last path part (a name with control or bidi characters is refused by
``FileUpload``). Their type is judged later by their bytes (``cases.documents``), never by
the name or the browser's word."""

from __future__ import annotations

from starlette.datastructures import UploadFile

from facedocket.cases.schemas import FileUpload
from facedocket.kernel.refusals import RefusalCode, Refused

FILENAME_LENGTH = 200


def received(upload: UploadFile, limit: int, source: str = "") -> FileUpload:
    content = upload.file.read(limit + 1)
    name = clean_filename(upload.filename)
    if len(content) > limit:
        raise Refused(f"{name}: larger than {limit:,} bytes", code=RefusalCode.FILE_TOO_LARGE)
    return FileUpload(filename=name, content=content, source=source)


def clean_filename(name: str | None) -> str:
    last = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return last.strip()[:FILENAME_LENGTH] or "upload"


def is_empty(upload: UploadFile | None) -> bool:
    """A browser sends an empty, nameless part for a file input left blank."""
    return upload is None or (not upload.filename and upload.size in (0, None))
