"""``facedocket audit rotate-key``: the key changes on the record; old and new proofs,
exports and checkpoints verify under the key history, and signing goes on. And the
checkpoints' origin line is the configured one."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from tests.audit.test_audit_cli import _record, _run, data_dir  # noqa: F401 (fixture)
from tests.audit.test_proof_cli import _public_key

from facedocket.audit.keys import private_key_text
from facedocket.audit.note import parse
from facedocket.settings import Settings, get_settings


def _new_key_file(folder: Path, mode: int = 0o600) -> tuple[Path, str]:
    key = Ed25519PrivateKey.generate()
    path = folder / "new-audit.key"
    path.write_text(private_key_text(key) + "\n", encoding="ascii")
    os.chmod(path, mode)
    return path, base64.b64encode(key.public_key().public_bytes_raw()).decode()


def test_rotate_key_then_everything_verifies_under_the_history(data_dir: Path) -> None:  # noqa: F811
    _record(3)
    assert _run("checkpoint")[0] == 0
    old = _public_key()
    assert _run("prove", "2", "--out", str(data_dir / "old.json"))[0] == 0
    path, new = _new_key_file(data_dir)
    code, output = _run("rotate-key", "--new-key-file", str(path))
    assert code == 0, output
    assert f"the audit key is now {new}" in output
    assert _public_key() == new, "the development key file now holds the new key"
    _record(2)
    code, output = _run("checkpoint")
    assert code == 0, output  # signing goes on under the new key
    for keys in (["--public-key", old], ["--public-key", new]):
        code, output = _run("verify", *keys)
        assert code == 0, output
    export = data_dir / "record.jsonl"
    assert _run("export", "--out", str(export))[0] == 0
    code, output = _run("verify-export", str(export), "--public-key", new)
    assert code == 0, output
    # The proof kept from before verifies with the old key; a new one with the new key,
    # and both with the history.
    assert _run("prove", "2", "--out", str(data_dir / "new.json"))[0] == 0
    history = ["--public-key", old, "--public-key", new]
    for name, good in (("old.json", old), ("new.json", new)):
        assert _run("verify-proof", str(data_dir / name), "--public-key", good)[0] == 0
        assert _run("verify-proof", str(data_dir / name), *history)[0] == 0
    code, output = _run("verify-proof", str(data_dir / "new.json"), "--public-key", old)
    assert code == 1 and "no signature" in output


def test_rotate_key_refuses_a_readable_key_file_and_writes_nothing(data_dir: Path) -> None:  # noqa: F811
    _record(1)
    path, _ = _new_key_file(data_dir, 0o644)
    before = _public_key()
    code, output = _run("rotate-key", "--new-key-file", str(path))
    assert code != 0 and "chmod 600" in output
    assert _public_key() == before
    code, output = _run("show")
    assert "record.key_rotated" not in output


def test_the_checkpoint_origin_is_the_configured_one(
    data_dir: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FACEDOCKET_AUDIT_ORIGIN", "records.statepolice.example/audit")
    get_settings.cache_clear()
    _record(2)
    assert _run("checkpoint")[0] == 0
    assert _run("prove", "1", "--out", str(data_dir / "p.json"))[0] == 0
    note = parse(json.loads((data_dir / "p.json").read_text())["checkpoint"])
    assert note.origin == "records.statepolice.example/audit"
    assert note.signatures[0][0] == "records.statepolice.example/audit"
    for bad in ("two words", "a+b", ""):
        monkeypatch.setenv("FACEDOCKET_AUDIT_ORIGIN", bad)
        with pytest.raises(ValidationError, match="audit_origin"):
            Settings()
