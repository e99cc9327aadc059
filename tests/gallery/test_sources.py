"""Enrolment sources: folders and CSV manifests, and their refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from facedocket.gallery.sources import ManifestError, from_folder, from_manifest


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
