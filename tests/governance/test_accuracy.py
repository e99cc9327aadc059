"""Reading the benchmark's results: a small subset, defensively; absence said plainly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.records import BENCH

from facedocket.governance.accuracy import read_accuracy


def write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "accuracy.json"
    path.write_bytes(content)
    return path


def test_figures_of_the_named_system(tmp_path: Path) -> None:
    other = {"name": "face_recognition", "identification": {"rank1": 0.5}}
    content = {**BENCH, "systems": [other, *BENCH["systems"]]}  # type: ignore[list-item]
    measured = read_accuracy(write(tmp_path, json.dumps(content).encode()))
    assert measured.measured and measured.identification["rank1"] == "0.9131"
    assert measured.measured_at == "2026-11-27T12:58:15+00:00"
    assert measured.lines()[1] == (
        "1:1 verification on lfw: accuracy 0.9844, pairs 3600, true_accepts 0.9611, "
        "at_false_accepts 0.0010"
    )


def test_a_missing_file_says_not_measured(tmp_path: Path) -> None:
    measured = read_accuracy(tmp_path / "nope.json")
    assert not measured.measured
    assert measured.note == "not measured: no benchmark results (nope.json not found)"
    assert measured.lines() == [measured.note]


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[" * 100_000,
        b'{"systems": []}',
        b'{"systems": [{"name": "a"}, {"name": "b"}]}',
        json.dumps({"systems": [{"identification": {"rank1": "0.99"}}]}).encode(),
        json.dumps({"systems": [{"identification": {"rank1": 1.5}}]}).encode(),
        json.dumps({"systems": [{"identification": {"rank1": True}}]}).encode(),
        b'{"systems": [{"identification": {"rank1": NaN}}]}',
        json.dumps(
            {"systems": [{"verification": {"../x": {"accuracy_at_default": 0.9}}}]}
        ).encode(),
    ],
)
def test_hostile_or_empty_results_are_not_measurements(tmp_path: Path, content: bytes) -> None:
    measured = read_accuracy(write(tmp_path, content))
    assert not measured.measured
    assert measured.note.startswith("not measured")


def test_a_huge_file_is_not_read(tmp_path: Path) -> None:
    measured = read_accuracy(write(tmp_path, b" " * (5 * 1024 * 1024 + 1)))
    assert not measured.measured and "over" in measured.note
