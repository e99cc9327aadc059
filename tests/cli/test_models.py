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


def test_per_group_figures_are_entered_and_listed(tmp_path: Path) -> None:
    run("admin", "add-agency", "state-police", "Virginia State Police")
    add = ["admin", "add-user", "admin", "--name", "A. Admin", "--agency", "state-police"]
    run(*add, "--role", "administrator")
    results = tmp_path / "accuracy.json"
    results.write_text(json.dumps(BENCH))
    run("models", "register", "--as", "admin", "--accuracy", str(results))
    figure = ["models", "figure", "1", "--as", "admin", "--reference", "NIST FRTE 1:N, 2025"]
    day = ["--measured-on", "2025-11-01"]
    entered = run(*figure, "--group", "black-female", "--value", "0.9712", *day)
    assert "model 1: true_positive_rate 0.9712 for black-female entered" in entered
    refused = run(*figure, "--group", "Black Women", "--value", "98%", *day, code=1)
    assert "is not a group id" in refused and "'98%' is not a number" in refused
    assert "Invalid isoformat" in run(
        *figure, "--group", "g", "--value", "0.9", "--measured-on", "soon", code=1
    )
    listed = run("models", "figures", "1")
    # A narrow terminal wraps the cells: the figure is whole, the names may be wrapped.
    assert "0.9712" in listed and "black-" in listed and "nist" in listed
    assert "sets no per-group accuracy floor" in listed
    assert "intact" in run("audit", "verify", "--no-signatures")
