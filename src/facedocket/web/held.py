"""Uploads kept across a form that came back with errors, so nobody chooses a file twice.

A browser cannot put a file back into a file input, so when a request form is refused the
files it carried are held here, under a random token the form sends back, in a folder of
the user's own: only the same user reads them, for an hour. They are the user's files,
not yet part of any request, so nothing of them is on the record until the form goes
through (then ``cases`` stores and records them as if just uploaded).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from facedocket.cases.schemas import FileUpload
from facedocket.private_files import open_private, private_folder
from facedocket.settings import Settings

KEPT_SECONDS = 3600
TOKEN = re.compile(r"\A[0-9a-f]{32}\Z")


def _folder(settings: Settings, user_id: int) -> Path:
    return settings.data_dir / "held-uploads" / str(user_id)


def hold(settings: Settings, user_id: int, upload: FileUpload) -> str:
    """Keep ``upload`` for the user; the token that gives it back (to them only)."""
    folder = private_folder(_folder(settings, user_id))
    cutoff = time.time() - KEPT_SECONDS
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    with open_private(folder / token) as file:
        file.write(upload.content)
    with open_private(folder / f"{token}.json", "w") as file:
        json.dump({"filename": upload.filename, "source": upload.source}, file)
    return token


def held(settings: Settings, user_id: int, token: str, source: str) -> FileUpload | None:
    """The upload the user's ``token`` holds, with the source now given; None when there is
    none (unknown, expired, or another user's)."""
    if not TOKEN.match(token):
        return None
    path = _folder(settings, user_id) / token
    try:
        if path.stat().st_mtime < time.time() - KEPT_SECONDS:
            return None
        names = json.loads((path.parent / f"{token}.json").read_text())
        return FileUpload(filename=names["filename"], content=path.read_bytes(), source=source)
    except (OSError, ValueError, KeyError):
        return None
