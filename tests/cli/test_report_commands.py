"""``facedocket reports public-log``: the pack's public fields, written as the folder
``reports verify`` checks; refusals exit non-zero with the reason."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from tests.cli.test_workflow_commands import run

from facedocket.policy import load_policy
from facedocket.settings import get_settings


def test_public_log_from_the_command_line(tmp_path: Path) -> None:
    run("admin", "add-agency", "maine-bmv", "Maine Bureau of Motor Vehicles")
    run("admin", "add-user", "aud", "--name", "Aud", "--agency", "maine-bmv", "--role", "auditor")
    out = tmp_path / "log"
    dates = ("--from", "2026-01-01", "--to", "2026-12-31")
    written = run(
        "reports", "public-log", "--as", "aud", "--pack", "maine-2021", *dates, "--out", str(out)
    )
    assert "files written" in written
    rule = load_policy("maine-2021").public_log
    assert rule is not None
    header = next(csv.reader(io.StringIO((out / "public-log.csv").read_text())))
    assert header == list(rule.fields)
    assert "intact" in run("reports", "verify", str(out))
    refused = run(
        "reports",
        "public-log",
        "--as",
        "aud",
        "--pack",
        "massachusetts",
        *dates,
        "--out",
        str(tmp_path / "ma"),
        code=1,
    )
    assert "makes no search log public" in refused
    bad = ("--from", "2026-13-01", "--to", "2026-12-31")
    assert "not a date" in run(
        "reports",
        "public-log",
        "--as",
        "aud",
        "--pack",
        "maine-2021",
        *bad,
        "--out",
        str(tmp_path / "x"),
        code=1,
    )


def test_the_kinds_of_the_pack_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACEDOCKET_POLICY", "montana-2023")
    listed = run("reports", "kinds", "--year", "2026")
    assert "montana-agency-annual:" in listed and "due 2027-06-30" in listed
    assert "montana-state-annual:" in listed and "due 2027-09-01" in listed
    monkeypatch.setenv("FACEDOCKET_POLICY", "massachusetts")
    get_settings.cache_clear()
    assert "names no report of its law's own" in run("reports", "kinds")
