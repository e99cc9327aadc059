"""``facedocket demo`` on a small gallery: a usable probe, or a plain reason why not."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from facedocket.cli import app
from facedocket.demo import DemoError, choose_probe
from facedocket.faces.pipeline import FacePipeline
from facedocket.faces.registry import build_pipeline
from facedocket.policy import load_policy
from facedocket.settings import Settings

runner = CliRunner()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> FacePipeline:
    return build_pipeline(Settings(data_dir=tmp_path_factory.mktemp("models")))


def test_a_demo_of_100_people_runs_to_a_verified_record(faces: Path) -> None:
    """Issue 19: the probe the demo picked at this size was under the floor: a traceback."""
    result = runner.invoke(
        app, ["demo", "--faces", str(faces), "--gallery-size", "100", "--no-serve"]
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "pixels between the eyes, above the floor" in result.output
    assert "The auditor verifies the record: " in result.output


def test_no_usable_probe_is_said_plainly(faces: Path) -> None:
    result = runner.invoke(app, ["demo", "--faces", str(faces), "--gallery-size", "1"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "no usable probe" in result.output and "--gallery-size" in result.output


def test_the_probe_meets_the_floor_or_none_is_chosen(faces: Path, pipeline: FacePipeline) -> None:
    people = sorted(p for p in (faces / "lfw").iterdir() if p.is_dir())[:40]
    policy = load_policy("massachusetts")
    probe = choose_probe(people, pipeline, policy)
    assert probe.eye_distance >= policy.probe_min_eye_distance
    assert probe.path.parent.name == probe.subject and probe.path.parent in people
    assert probe.path != sorted(probe.path.parent.glob("*.jpg"))[0], "not the enrolled photo"
    demanding = policy.model_copy(update={"probe_min_eye_distance": 1000})
    with pytest.raises(DemoError, match="at least 1000 pixels between the eyes"):
        choose_probe(people, pipeline, demanding)
