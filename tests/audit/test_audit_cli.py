"""``facedocket audit``: the commands an operator and an auditor run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.databases import migrated_file
from typer.testing import CliRunner

from facedocket.audit import append
from facedocket.settings import get_settings

# The CLI package imports the face pipeline, whose dlib-to-ONNX converter lands from
# another branch; on a tree without it the app cannot be imported at all.
pytest.importorskip("facedocket.faces.dlib_resnet_onnx", reason="the face converter is not merged")

from facedocket.cli import app, context

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FACEDOCKET_DATA_DIR", str(tmp_path))
    migrated_file(tmp_path / "facedocket.db")
    monkeypatch.delenv("FACEDOCKET_DATABASE_URL", raising=False)
    monkeypatch.delenv("FACEDOCKET_AUDIT_SIGNING_KEY", raising=False)
    get_settings.cache_clear()
    context.sessions.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    context.sessions.cache_clear()


def _run(*arguments: str) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", *arguments])
    # Rich wraps long lines at the terminal width; compare the words, not the layout.
    return result.exit_code, " ".join(result.output.split())


def _record(count: int) -> None:
    with context.sessions().begin() as session:
        for number in range(count):
            append(
                session,
                actor="officer-1",
                role="requester",
                action="request.submitted",
                subject_type="request",
                subject_id=number,
                details={},
            )


def test_verify_checkpoint_export_and_verify_the_export(data_dir: Path) -> None:
    _record(3)
    code, output = _run("checkpoint")
    assert code == 0, output
    assert "checkpoint: entries 1 to 3" in output
    code, output = _run("public-key")
    assert code == 0, output
    public_key = output.split()[0]

    code, output = _run("verify")
    assert code == 0, output
    assert "intact: 3 entries up to 3, 1 checkpoints match, signatures checked" in output

    out = data_dir / "export" / "audit.jsonl"
    out.parent.mkdir()
    code, output = _run("export", "--out", str(out))
    assert code == 0, output
    assert "3 entries" in output
    assert len(out.read_bytes().splitlines()) == 3
    signed = data_dir / "export" / "audit.checkpoints.jsonl"
    assert len(signed.read_bytes().splitlines()) == 1

    code, output = _run(
        "verify-export", str(out), "--checkpoints", str(signed), "--public-key", public_key
    )
    assert code == 0, output
    assert "intact: 3 entries" in output


def test_verify_names_the_first_bad_entry_and_fails(data_dir: Path) -> None:
    _record(4)
    with context.sessions().begin() as session:
        session.execute(text("DROP TRIGGER audit_entries_no_update"))
        session.execute(text("UPDATE audit_entries SET actor = 'x' WHERE seq = 2"))
    code, output = _run("verify")
    assert code == 1
    assert "NOT intact: entry 2: edited" in output


def test_verify_with_another_public_key_fails(data_dir: Path) -> None:
    _record(1)
    assert _run("checkpoint")[0] == 0
    other = "Ym9ndXMga2V5IGJvZ3VzIGtleSBib2d1cyBrZXkgYmI="  # 32 bytes, not this deployment's
    code, output = _run("verify", "--public-key", other)
    assert code == 1
    assert "not the given key" in output


def test_a_bad_public_key_is_one_clear_line(data_dir: Path) -> None:
    code, output = _run("verify", "--public-key", "not-a-key")
    assert code == 1
    assert "error: the public key is not base64" in output


def test_verify_without_any_key_fails_loudly(data_dir: Path) -> None:
    _record(1)
    code, output = _run("verify")
    assert code == 3
    assert "intact: 1 entries" in output  # the chain was checked ...
    assert "error: checkpoint signatures were NOT checked" in output  # ... the rest was not
    assert not (data_dir / "audit-signing.key").exists()  # verifying never makes a key


def test_verify_without_a_key_passes_only_when_asked_to_skip_signatures(data_dir: Path) -> None:
    _record(2)
    code, output = _run("verify", "--no-signatures")
    assert code == 0, output
    assert "signatures NOT checked (no public key)" in output
    export = data_dir / "audit.jsonl"
    assert _run("export", "--out", str(export))[0] == 0
    assert _run("verify-export", str(export))[0] == 3
    code, output = _run("verify-export", str(export), "--no-signatures")
    assert code == 0, output


def test_a_broken_record_fails_as_broken_even_without_signatures(data_dir: Path) -> None:
    _record(2)
    with context.sessions().begin() as session:
        session.execute(text("DROP TRIGGER audit_entries_no_update"))
        session.execute(text("UPDATE audit_entries SET actor = 'x' WHERE seq = 1"))
    code, output = _run("verify", "--no-signatures")
    assert code == 1
    assert "NOT intact: entry 1: edited" in output


def test_the_scheduled_checkpoint_signs_only_when_there_is_something_new(
    data_dir: Path,
) -> None:
    code, output = _run("checkpoint", "--if-due")
    assert (code, "nothing new" in output) == (0, True)  # an empty record is no error here
    _record(2)
    code, output = _run("checkpoint", "--if-due")
    assert (code, "checkpoint: entries 1 to 2" in output) == (0, True)
    code, output = _run("checkpoint", "--if-due")
    assert (code, "nothing new since the newest checkpoint" in output) == (0, True)
    code, output = _run("verify")
    assert code == 0, output
    assert "0 entries covered by no checkpoint" in output


def test_an_unreadable_export_is_one_clear_line(data_dir: Path) -> None:
    broken = data_dir / "broken.jsonl"
    broken.write_text("\n{oops\n")
    code, output = _run("verify-export", str(broken))
    assert code == 1
    assert "broken.jsonl:2: not JSON" in output


def test_checkpoint_of_an_empty_record_is_refused(data_dir: Path) -> None:
    code, output = _run("checkpoint")
    assert code == 1
    assert "nothing to sign" in output


def test_show_lists_the_newest_first(data_dir: Path) -> None:
    _record(5)
    code, output = _run("show", "--limit", "2")
    assert code == 0, output
    assert "last 2 audit entries" in output
    assert output.index("request 4") < output.index("request 3")
    assert "request 2" not in output
