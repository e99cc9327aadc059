"""``facedocket models``: register before measuring, attach the figures later, approve."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_workflow_commands import run
from tests.records import BENCH


def test_a_model_registered_unmeasured_gets_its_figures_and_is_approved(tmp_path: Path) -> None:
    run("admin", "add-agency", "state-police", "Massachusetts State Police")
    run(
        "admin",
        "add-user",
        "admin",
        "--name",
        "A. Admin",
        "--agency",
        "state-police",
        "--role",
        "administrator",
    )
    results = tmp_path / "accuracy.json"
    results.write_text(json.dumps(BENCH))
    missing = str(tmp_path / "missing.json")

    registered = run("models", "register", "--as", "admin", "--accuracy", missing)
    assert "model 1 (dlib-resnet-v1) registered; accuracy: not measured" in registered
    assert "cannot be approved" in registered and "facedocket models accuracy 1" in registered
    refused = run("models", "approve", "1", "--note", "Looks accurate.", "--as", "admin", code=1)
    assert "no measured accuracy" in refused and "models accuracy 1 --accuracy FILE" in refused
    assert "nothing to attach" in run(
        "models", "accuracy", "1", "--accuracy", missing, "--as", "admin", code=1
    )

    again = run("models", "register", "--as", "admin", "--accuracy", str(results))
    assert "was in the register already; these figures are now attached" in again
    assert "measured" in run("models", "list")
    run("models", "approve", "1", "--note", "Measured 98% on LFW pairs.", "--as", "admin")
    assert "keeps them" in run(
        "models", "accuracy", "1", "--accuracy", str(results), "--as", "admin", code=1
    )
    record = run("audit", "verify", "--no-signatures")
    assert "intact" in record
