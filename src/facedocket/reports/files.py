"""Report files as an agency hands them over: deterministic bytes and a manifest of hashes.

Same record, same bytes: JSON with sorted keys, CSV with fixed line endings, ZIP entries
sorted with a fixed timestamp and mode. ``manifest.json`` lists every other file with its
SHA-256 and size; the production's audit entry records the manifest's own SHA-256, so a
manifest rewritten to match altered files no longer matches the record.

Reading is for files that came from elsewhere (a lawyer's copy, an emailed ZIP), so it
is strict: unsafe or duplicate names, more than ``MAX_FILES`` files or ``MAX_BYTES``
bytes, and a manifest that is not exactly the expected JSON are all refused.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

Files = dict[str, bytes]
MANIFEST = "manifest.json"
MAX_FILES = 10_000
MAX_BYTES = 512 * 1024**2
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
# A cell a spreadsheet would run as a formula (CSV injection) gets a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class BundleError(ValueError):
    """Files that cannot be read as a bundle at all; the message says why."""


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def csv_bytes(header: Sequence[str], rows: Iterable[Mapping[str, object]]) -> bytes:
    """RFC 4180 CSV; None is an empty cell; formula-like text is defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row[name]) for name in header])
    return buffer.getvalue().encode()


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def with_manifest(files: Files, about: Mapping[str, Any]) -> Files:
    """The files plus ``manifest.json``: what they are (``about``) and each one's hash."""
    for name in files:
        _check_name(name)
    listed = [
        {"name": name, "sha256": sha256(files[name]), "size": len(files[name])}
        for name in sorted(files)
    ]
    return {**files, MANIFEST: json_bytes({"about": dict(about), "files": listed})}


def zip_bytes(files: Files) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def write_folder(folder: Path, files: Files) -> None:
    """Write the files under ``folder``; refuses to overwrite an earlier export."""
    clashes = sorted(name for name in files if (folder / name).exists())
    if clashes:
        raise BundleError(f"{folder} already holds {', '.join(clashes)}; choose an empty folder")
    for name in sorted(files):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[name])


def read_folder(folder: Path) -> Files:
    if not folder.is_dir():
        raise BundleError(f"{folder} is not a folder")
    paths = sorted(p for p in folder.rglob("*") if not p.is_dir())
    if len(paths) > MAX_FILES:
        raise BundleError(f"{folder} holds more than {MAX_FILES} files")
    files: Files = {}
    total = 0
    for path in paths:
        if path.is_symlink() or not path.is_file():
            raise BundleError(f"{path} is not a plain file")
        total += path.stat().st_size
        if total > MAX_BYTES:
            raise BundleError(f"{folder} holds more than {MAX_BYTES} bytes")
        files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def read_zip(data: bytes) -> Files:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as error:
        raise BundleError(f"not a ZIP file: {error}") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_FILES:
            raise BundleError(f"the ZIP holds more than {MAX_FILES} files")
        files: Files = {}
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            _check_name(info.filename)
            if info.filename in files:
                raise BundleError(f"the ZIP holds {info.filename!r} twice")
            try:
                with archive.open(info) as member:
                    content = member.read(MAX_BYTES - total + 1)
            except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as error:
                raise BundleError(f"{info.filename}: cannot be read: {error}") from None
            total += len(content)
            if total > MAX_BYTES:
                raise BundleError(f"the ZIP unpacks to more than {MAX_BYTES} bytes")
            files[info.filename] = content
        return files


def check_manifest(files: Files) -> list[str]:
    """Every problem with the files against their manifest; empty when all match."""
    try:
        listed = _listed(files)
    except BundleError as error:
        return [str(error)]
    problems = []
    for name, (digest, size) in sorted(listed.items()):
        if name not in files:
            problems.append(f"{name}: listed in the manifest but missing")
        elif sha256(files[name]) != digest or len(files[name]) != size:
            problems.append(f"{name}: its SHA-256 does not match the manifest: it was changed")
    unlisted = sorted(set(files) - set(listed) - {MANIFEST})
    problems += [f"{name}: not listed in the manifest: it was added" for name in unlisted]
    return problems


def manifest_about(files: Files) -> dict[str, Any]:
    """What the manifest says the files are; {} when it cannot be read."""
    try:
        about = json.loads(files[MANIFEST]).get("about")
    except (KeyError, ValueError, AttributeError, RecursionError):
        return {}
    return about if isinstance(about, dict) else {}


def _listed(files: Files) -> dict[str, tuple[str, int]]:
    if MANIFEST not in files:
        raise BundleError(f"no {MANIFEST}")
    try:
        manifest = json.loads(files[MANIFEST])
    except (ValueError, RecursionError):
        raise BundleError(f"{MANIFEST} is not JSON") from None
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        raise BundleError(f"{MANIFEST} has no list of files")
    listed: dict[str, tuple[str, int]] = {}
    for entry in entries:
        if not (
            isinstance(entry, dict)
            and set(entry) == {"name", "sha256", "size"}
            and isinstance(entry["name"], str)
            and isinstance(entry["sha256"], str)
            and isinstance(entry["size"], int)
        ):
            raise BundleError(f"{MANIFEST}: an entry is not {{name, sha256, size}}")
        if entry["name"] in listed or entry["name"] == MANIFEST:
            raise BundleError(f"{MANIFEST} lists {entry['name']!r} twice or lists itself")
        listed[entry["name"]] = (entry["sha256"], entry["size"])
    return listed


def _check_name(name: str) -> None:
    parts = name.split("/")
    if not SAFE_NAME.fullmatch(name) or any(part in (".", "..") for part in parts):
        raise BundleError(f"unsafe file name {name[:80]!r}")
