"""Files that hold personal data are readable by their owner alone: folders 0700, files 0600.

The data folder holds the database (password hashes, TOTP seeds, probe photos, candidate
lists), the indexes (face templates), enrolment reports and the model cache. A default
umask of 022 would leave all of them readable by every account on the machine, so they
are created with owner-only modes here, whatever the umask.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """``path`` and any missing parents, each created owner-only; existing ones are kept."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # another process made it first
            continue
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode passes through the umask
    return path


def open_private(path: Path, mode: str = "wb", **options: Any) -> IO[Any]:
    """Open ``path`` for writing, created (or truncated) with owner-only permissions."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)
    return os.fdopen(descriptor, mode, **options)


def make_private(path: Path) -> None:
    """Narrow an existing file to owner-only (one written before this rule, or by a library)."""
    if path.exists():
        os.chmod(path, FILE_MODE)
