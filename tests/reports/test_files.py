"""Report folders against their manifests, and the command line that checks them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.databases import migrated_file
from typer.testing import CliRunner

from facedocket.cli import app, context
from facedocket.reports.files import (
    BundleError,
    check_manifest,
    csv_bytes,
    read_folder,
    with_manifest,
    write_folder,
)
from facedocket.settings import get_settings
from facedocket.store.db import transaction

runner = CliRunner()


def test_changed_added_and_removed_files_are_named(tmp_path: Path) -> None:
    write_folder(tmp_path, with_manifest({"a.csv": b"x\r\n", "b.json": b"{}\n"}, {"report": "t"}))
    assert check_manifest(read_folder(tmp_path)) == []
    (tmp_path / "a.csv").write_bytes(b"y\r\n")
    (tmp_path / "b.json").unlink()
    (tmp_path / "c.txt").write_bytes(b"new")
    assert check_manifest(read_folder(tmp_path)) == [
        "a.csv: its SHA-256 does not match the manifest: it was changed",
        "b.json: listed in the manifest but missing",
        "c.txt: not listed in the manifest: it was added",
    ]


@pytest.mark.parametrize(
    "manifest",
    [
        b"not json",
        b"[]",
        b'{"files": [{"name": "a"}]}',
        b'{"files": [{"name": "manifest.json", "sha256": "", "size": 0}]}',
    ],
)
def test_a_malformed_manifest_is_a_problem_not_a_crash(manifest: bytes) -> None:
    problems = check_manifest({"manifest.json": manifest, "a": b""})
    assert len(problems) == 1 and "manifest.json" in problems[0]


def test_earlier_exports_are_not_overwritten(tmp_path: Path) -> None:
    write_folder(tmp_path, {"a.csv": b"1"})
    with pytest.raises(BundleError, match=r"already holds a\.csv"):
        write_folder(tmp_path, {"a.csv": b"2"})


def test_csv_cells_that_would_run_as_formulas_are_defused() -> None:
    rows = [{"v": "=1+1"}, {"v": "+1"}, {"v": "-2"}, {"v": "@SUM(A1)"}, {"v": "ok"}, {"v": None}]
    assert csv_bytes(["v"], rows) == (b"v\r\n'=1+1\r\n'+1\r\n'-2\r\n'@SUM(A1)\r\nok\r\n\"\"\r\n")


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FACEDOCKET_DATA_DIR", str(tmp_path / "data"))
    migrated_file(tmp_path / "data" / "facedocket.db")
    monkeypatch.delenv("FACEDOCKET_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    context.sessions.cache_clear()
    from facedocket.cases.directory import add_agency, add_user

    with transaction(context.sessions()) as session:
        add_agency(session, "operator:test", "state-police", "Massachusetts State Police")
        for username, role in (("auditor", "auditor"), ("examiner", "examiner")):
            add_user(
                session,
                "operator:test",
                username=username,
                full_name=username,
                agency_code="state-police",
                roles=[role],
            )
    yield tmp_path
    get_settings.cache_clear()
    context.sessions.cache_clear()


def test_the_commands_write_verify_and_refuse(deployment: Path) -> None:
    out = deployment / "q"
    made = runner.invoke(
        app,
        [
            "reports",
            "quarterly",
            "--as",
            "auditor",
            "--quarter",
            "2026Q3",
            "--body",
            "state-police",
            "--out",
            str(out),
        ],
    )
    assert made.exit_code == 0, made.output
    checked = runner.invoke(app, ["reports", "verify", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "recorded as entry" in checked.output
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["about"]["searches"] = 99
    (out / "manifest.json").write_text(json.dumps(manifest))
    forged = runner.invoke(app, ["reports", "verify", str(out)])
    assert forged.exit_code == 1 and "no production of manifest" in forged.output
    refused = runner.invoke(
        app,
        [
            "reports",
            "quarterly",
            "--as",
            "examiner",
            "--quarter",
            "2026Q3",
            "--body",
            "state-police",
            "--out",
            str(deployment / "x"),
        ],
    )
    assert refused.exit_code == 1 and "auditor, administrator" in refused.output
    assert not (deployment / "x").exists()
    purge = runner.invoke(app, ["retention", "purge", "--as", "examiner", "--dry-run"])
    assert purge.exit_code == 1 and "Traceback" not in purge.output
    bogus = deployment / "packet.zip"
    bogus.write_bytes(b"not a zip")
    verdict = runner.invoke(app, ["disclosure", "verify", str(bogus)])
    assert verdict.exit_code == 1 and "NOT intact" in verdict.output
