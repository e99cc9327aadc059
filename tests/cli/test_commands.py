"""The command line as an operator uses it: exit codes and messages, not tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.photos import blank, lfw, side_by_side
from typer.testing import CliRunner

from facedocket.cli import app

runner = CliRunner()


def test_detect_lists_faces_as_json(faces: Path) -> None:
    result = runner.invoke(app, ["faces", "detect", str(lfw(faces, "Aaron_Peirsol")), "--json"])
    assert result.exit_code == 0, result.output
    assert '"faces"' in result.output
    assert '"eye_distance"' in result.output


def test_compare_same_and_different(faces: Path) -> None:
    same = runner.invoke(
        app,
        [
            "faces",
            "compare",
            str(lfw(faces, "Abdullah_Gul", 1)),
            str(lfw(faces, "Abdullah_Gul", 2)),
        ],
    )
    assert same.exit_code == 0, same.output
    assert "similar: worth an examiner's review" in same.output
    assert "never an identification" in same.output


def test_compare_refuses_a_photo_without_a_face(tmp_path: Path, faces: Path) -> None:
    wall = tmp_path / "wall.jpg"
    wall.write_bytes(blank())
    result = runner.invoke(app, ["faces", "compare", str(wall), str(lfw(faces, "Aaron_Peirsol"))])
    assert result.exit_code == 1
    assert "no face was found" in result.output
    assert "Traceback" not in result.output


def test_compare_asks_which_face(tmp_path: Path, faces: Path) -> None:
    pair = tmp_path / "pair.jpg"
    pair.write_bytes(side_by_side(lfw(faces, "Aaron_Peirsol"), lfw(faces, "Adam_Sandler")))
    result = runner.invoke(app, ["faces", "compare", str(pair), str(lfw(faces, "Aaron_Peirsol"))])
    assert result.exit_code == 1
    assert "holds 2 faces; choose one" in result.output
    chosen = runner.invoke(
        app, ["faces", "compare", str(pair), str(lfw(faces, "Aaron_Peirsol")), "--face-a", "0"]
    )
    assert chosen.exit_code == 0, chosen.output


def test_enrol_and_stats(tmp_path: Path, faces: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = tmp_path / "gallery.csv"
    manifest.write_text(
        "record_id,name,photo\n"
        f"L1,Aaron Peirsol,{lfw(faces, 'Aaron_Peirsol')}\n"
        f"L2,Adam Sandler,{lfw(faces, 'Adam_Sandler')}\n"
        f"L3,Abdullah Gul,{lfw(faces, 'Abdullah_Gul')}\n"
    )
    monkeypatch.setenv("FACEDOCKET_ENROL_BATCH_SIZE", "1")
    command = [
        "gallery",
        "enrol",
        "state",
        str(manifest),
        "--workers",
        "1",
        "--progress-every",
        "0",
    ]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "3 enrolled, 0 refused" in result.output
    # Not a terminal (a log): plain progress lines while it runs, not a bar at the end.
    lines = [line for line in result.output.splitlines() if line.startswith("enrolling: ")]
    assert [line.split(" photos")[0] for line in lines] == [
        "enrolling: 1/3",
        "enrolling: 2/3",
        "enrolling: 3/3",
    ]
    assert "photos/s" in lines[0]
    stats = runner.invoke(app, ["gallery", "stats", "state"])
    assert stats.exit_code == 0
    assert "persons" in stats.output
    assert "dlib-resnet-v1 1.0" in stats.output


def test_enrol_with_a_bad_manifest_says_why(tmp_path: Path) -> None:
    manifest = tmp_path / "gallery.csv"
    manifest.write_text("id,photo\n1,a.jpg\n")
    result = runner.invoke(app, ["gallery", "enrol", "state", str(manifest)])
    assert result.exit_code == 1
    assert "missing column(s) record_id, name" in result.output


def test_stats_of_an_unknown_gallery() -> None:
    result = runner.invoke(app, ["gallery", "stats", "nowhere"])
    assert result.exit_code == 1
    assert "no gallery called 'nowhere'" in result.output


def test_demo_without_photos_says_what_to_pass(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--faces", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "pass --faces /path/to/faces" in result.output
