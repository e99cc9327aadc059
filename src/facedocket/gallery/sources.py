"""Where enrolment photos come from: a folder per person, or a CSV manifest.

Both yield the same items, so enrolment has one code path. A manifest with a missing
column or an empty field is refused as a whole before any photo is touched.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
REQUIRED_COLUMNS = ("record_id", "name", "photo")


@dataclass(frozen=True)
class EnrolmentItem:
    """One photo to enrol under a person known by ``record_id``."""

    record_id: str
    name: str
    path: Path
    attributes: dict[str, str] = field(default_factory=dict)


class ManifestError(ValueError):
    pass


def from_folder(root: Path) -> list[EnrolmentItem]:
    """One sub-folder per person, named by the person's record id; underscores read as spaces."""
    if not root.is_dir():
        raise ManifestError(f"{root} is not a folder")
    items = [
        EnrolmentItem(record_id=person.name, name=person.name.replace("_", " "), path=photo)
        for person in sorted(p for p in root.iterdir() if p.is_dir())
        for photo in sorted(person.iterdir())
        if photo.suffix.lower() in IMAGE_SUFFIXES
    ]
    if not items:
        raise ManifestError(f"{root} holds no photos in per-person folders")
    return items


def from_manifest(path: Path) -> list[EnrolmentItem]:
    """Rows of ``record_id,name,photo[,attribute...]``; photo paths relative to the CSV."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise ManifestError(f"{path}: missing column(s) {', '.join(missing)}")
        items = list(_rows(path, reader))
    if not items:
        raise ManifestError(f"{path} lists no photos")
    return items


def _rows(path: Path, reader: csv.DictReader[str]) -> Iterator[EnrolmentItem]:
    for line, row in enumerate(reader, start=2):
        values = {key: (value or "").strip() for key, value in row.items() if key is not None}
        empty = [name for name in REQUIRED_COLUMNS if not values.get(name)]
        if empty:
            raise ManifestError(f"{path}, line {line}: empty {', '.join(empty)}")
        photo = Path(values["photo"])
        attributes = {k: v for k, v in values.items() if k not in REQUIRED_COLUMNS and v}
        yield EnrolmentItem(
            record_id=values["record_id"],
            name=values["name"],
            path=photo if photo.is_absolute() else path.parent / photo,
            attributes=attributes,
        )


def stored_location(path: Path, root: Path | None) -> str:
    """Where a photo is, as the gallery keeps it: relative to the photo root when under it,
    else absolute. Never relative to the folder an enrolment happened to run in, which the
    service (started elsewhere) could not find again. ``..`` is folded away, links kept."""
    absolute = Path(os.path.abspath(path))
    if root is not None and absolute.is_relative_to(root):
        return absolute.relative_to(root).as_posix()
    return str(absolute)


def photo_path(location: str, root: Path | None) -> Path:
    """The file a stored location names. A relative one is under the photo root; rows
    written before locations were stored resolved are found by setting the root to the
    folder their enrolment ran in."""
    path = Path(location)
    return path if path.is_absolute() or root is None else root / path
