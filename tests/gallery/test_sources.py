"""Enrolment sources: folders and CSV manifests, and their refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from facedocket.gallery.sources import (
    ManifestError,
    from_folder,
    from_manifest,
    photo_path,
    stored_location,
)
from facedocket.settings import Settings


def test_folder_per_person(tmp_path: Path) -> None:
    for person, photos in {"Ada_Lovelace": ["1.jpg", "2.PNG"], "Alan_Turing": ["a.jpeg"]}.items():
        (tmp_path / person).mkdir()
        for photo in photos:
            (tmp_path / person / photo).write_bytes(b"x")
    (tmp_path / "Alan_Turing" / "notes.txt").write_text("not a photo")
    (tmp_path / "stray.jpg").write_bytes(b"x")
    items = from_folder(tmp_path)
    assert [(i.record_id, i.name, i.path.name) for i in items] == [
        ("Ada_Lovelace", "Ada Lovelace", "1.jpg"),
        ("Ada_Lovelace", "Ada Lovelace", "2.PNG"),
        ("Alan_Turing", "Alan Turing", "a.jpeg"),
    ]


def test_empty_folder_refused(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="holds no photos"):
        from_folder(tmp_path)


def test_manifest_with_attributes_and_relative_paths(tmp_path: Path) -> None:
    manifest = tmp_path / "licences.csv"
    manifest.write_text(
        "record_id,name,photo,dob\nMA-1,Ada Lovelace,photos/1.jpg,1815-12-10\n"
        "MA-2,Alan Turing,/abs/2.jpg,\n",
        encoding="utf-8",
    )
    first, second = from_manifest(manifest)
    assert first.path == tmp_path / "photos" / "1.jpg"
    assert first.attributes == {"dob": "1815-12-10"}
    assert second.path == Path("/abs/2.jpg")
    assert second.attributes == {}


def test_manifest_missing_column_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "bad.csv"
    manifest.write_text("id,name,photo\n1,Ada,1.jpg\n")
    with pytest.raises(ManifestError, match=r"missing column.*record_id"):
        from_manifest(manifest)


def test_manifest_empty_field_named_with_line(tmp_path: Path) -> None:
    manifest = tmp_path / "bad.csv"
    manifest.write_text("record_id,name,photo\n1,Ada,1.jpg\n2,,2.jpg\n")
    with pytest.raises(ManifestError, match=r"line 3: empty name"):
        from_manifest(manifest)


def test_manifest_with_no_rows_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "empty.csv"
    manifest.write_text("record_id,name,photo\n")
    with pytest.raises(ManifestError, match="lists no photos"):
        from_manifest(manifest)


def test_locations_are_kept_absolute_whatever_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "photos" / "Ada").mkdir(parents=True)
    (tmp_path / "photos" / "Ada" / "1.jpg").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    (item,) = from_folder(Path("photos"))
    kept = stored_location(item.path, None)
    assert kept == str(tmp_path / "photos" / "Ada" / "1.jpg")
    monkeypatch.chdir(tmp_path / "photos" / "Ada")
    assert photo_path(kept, None).read_bytes() == b"x"
    # ``..`` in what an operator typed is folded away, not kept.
    assert stored_location(Path("../Ada/./1.jpg"), None) == kept


def test_locations_under_the_photo_root_move_with_it(tmp_path: Path) -> None:
    root = tmp_path / "store"
    (root / "Ada").mkdir(parents=True)
    (root / "Ada" / "1.jpg").write_bytes(b"x")
    kept = stored_location(root / "Ada" / "1.jpg", root)
    assert kept == "Ada/1.jpg"
    moved = tmp_path / "moved"
    root.rename(moved)
    assert photo_path(kept, moved).read_bytes() == b"x"
    # Outside the root a photo is kept by its absolute path; a look-alike prefix is outside.
    assert stored_location(tmp_path / "store2" / "b.jpg", root) == str(tmp_path / "store2/b.jpg")


def test_photo_root_must_be_absolute(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="absolute path"):
        Settings(data_dir=tmp_path, photo_root=Path("photos"))
