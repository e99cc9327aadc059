"""Index files in FAISS's own format, named by a small manifest that is replaced atomically.

FAISS writes and reads its indexes itself (``write_index``, ``read_index``), so a file is
read without a copy through Python and can be memory-mapped (``IO_FLAG_MMAP_IFC``): the
vectors of a flat index then live in the page cache, shared by the service and its
workers, instead of once in each process. An index may need more than one file (HNSW's
tombstones, the SQ8 backend's float32 vectors), and a crash must leave the old set or the
new one, never a mix; so every save writes new files under a fresh generation name, then
replaces the manifest at the index's path, the one file a reader starts from, which names
them with their sizes.

Anything that does not add up (a manifest of another format or an older version, a file
missing or of the wrong size, bytes FAISS cannot parse) is an ``IndexFileError``: the
caller rebuilds the index from the database, which is the truth, and says so.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from facedocket.private_files import FILE_MODE, open_private, private_folder

FORMAT = "facedocket-index/2"


class IndexFileError(ValueError):
    """An index file that cannot be trusted; rebuild the index from the database."""


@cache
def faiss() -> Any:
    """The faiss module, imported on first use: loading it costs every command that never
    opens an index. Typed Any: faiss bundles stubs that cover little of its SWIG API."""
    import faiss as module  # noqa: PLC0415

    return module


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_files(
    path: Path,
    parts: dict[str, Callable[[Path], None]],
    meta: dict[str, Any],
    kept: dict[str, Path] | None = None,
) -> None:
    """Write each part through its writer into a new file, then point the manifest at them.

    ``kept`` names files that stay (an append-only file, written already): the manifest
    records the size they have now, and a reader accepts them grown since. The other files
    the replaced manifest named are deleted afterwards: a process that mapped one keeps
    reading it until it opens the index again.
    """
    kept = kept or {}
    private_folder(path.parent)
    try:
        previous = [path.with_name(f["file"]) for f in read_manifest(path)["files"].values()]
    except IndexFileError:
        previous = []
    generation = secrets.token_hex(6)
    files = {}
    for name, write in parts.items():
        target = path.with_name(f"{path.name}.{generation}.{name}")
        write(target)
        os.chmod(target, FILE_MODE)
        _fsync(target)
        files[name] = {"file": target.name, "bytes": target.stat().st_size}
    for name, file in kept.items():
        files[name] = {"file": file.name, "bytes": file.stat().st_size, "grows": True}
    temporary = path.with_suffix(path.suffix + ".tmp")
    with open_private(temporary) as handle:
        handle.write(json.dumps({"format": FORMAT, **meta, "files": files}).encode())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync(path.parent)
    for old in previous:
        if old not in kept.values():
            old.unlink(missing_ok=True)


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise IndexFileError(f"{path} does not exist") from None
    except (OSError, ValueError):
        raise IndexFileError(
            f"{path} is not an index manifest (written by an older version, or damaged)"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexFileError(f"{path} is not a {FORMAT} manifest")
    return manifest


def part(path: Path, manifest: dict[str, Any], name: str) -> Path:
    """The file holding one part, checked against the size the manifest recorded."""
    entry = manifest["files"].get(name)
    if entry is None:
        raise IndexFileError(f"{path} names no {name} file")
    file = path.with_name(entry["file"])
    try:
        size = file.stat().st_size
    except FileNotFoundError:
        raise IndexFileError(f"{file} is missing") from None
    if size != entry["bytes"] and not (entry.get("grows") and size > entry["bytes"]):
        raise IndexFileError(f"{file} holds {size} bytes, the manifest says {entry['bytes']}")
    return file


def read_faiss(file: Path, mmap: bool = False) -> Any:
    """A FAISS index from its file; memory-mapped (read-only: never add to it) if asked."""
    flags = faiss().IO_FLAG_MMAP_IFC | faiss().IO_FLAG_READ_ONLY if mmap else 0
    try:
        return faiss().read_index(str(file), flags)
    except RuntimeError as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else "unreadable"
        raise IndexFileError(f"FAISS cannot read {file}: {reason}") from None
