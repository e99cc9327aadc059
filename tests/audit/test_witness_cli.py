"""``audit witness`` for a scheduler, and ``audit verify`` showing the gap, with a witness
process that is down and then up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from tests.audit.test_audit_cli import _record, _run, data_dir  # noqa: F401 (fixture)
from tests.audit.witnessed import witness_store
from tests.witness.process import free_port, witness_process

from facedocket.audit.keys import signing_key
from facedocket.settings import Settings, get_settings


def test_audit_witness_down_then_up(
    data_dir: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, vkey = witness_store(data_dir / "witness", signing_key(get_settings()))
    port = free_port()
    witnesses = [{"url": f"http://127.0.0.1:{port}/", "key": vkey}]
    monkeypatch.setenv("FACEDOCKET_WITNESSES", json.dumps(witnesses))
    monkeypatch.setenv("FACEDOCKET_WITNESS_TIMEOUT_SECONDS", "0.5")
    get_settings.cache_clear()
    _record(4)
    code, output = _run("witness")
    assert code == 1
    assert "witness eopss.example/witness: NOT cosigned: no checkpoint is signed yet" in output
    assert _run("checkpoint")[0] == 0
    code, output = _run("witness")
    assert code == 1 and "not reached" in output
    code, output = _run("verify")
    assert code == 0, output
    assert "GAP of 4 entries signed since that it has not cosigned" in output
    with witness_process(data_dir / "witness", port=port):
        code, output = _run("witness")
        assert code == 0, output
        assert "witness eopss.example/witness: cosigned entries 1 to 4" in output
    assert store.logs()[0].size == 4
    code, output = _run("verify")
    assert "no gap" in output
    proof = data_dir / "entry-2.json"
    assert _run("prove", "2", "--out", str(proof))[0] == 0
    public = _run("public-key")[1].split()[0]
    code, output = _run("verify-proof", str(proof), "--public-key", public, "--witness-key", vkey)
    assert code == 0, output
    assert "cosigned by eopss.example/witness" in output


def test_no_witness_configured_is_said_and_not_a_failure(data_dir: Path) -> None:  # noqa: F811
    assert _run("witness") == (
        0,
        "no witnesses configured (FACEDOCKET_WITNESSES): nothing submitted",
    )


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ({"url": "file:///etc/passwd", "key": None}, "String should match pattern"),
        ({"url": "http://w.example", "key": "eopss.example/witness+00000000+AAAA"}, "witness key"),
        ({"url": "http://w.example", "key": "not a key"}, "a C2SP verifier key"),
        ({"url": "http://w.example"}, "Field required"),
    ],
)
def test_witness_settings_refuse_what_does_not_parse(
    entry: dict[str, object], said: str, tmp_path: Path
) -> None:
    if entry.get("key", "") is None:
        entry["key"] = witness_store(tmp_path / "w", Ed25519PrivateKey.generate())[1]
    with pytest.raises(ValidationError, match=said):
        Settings(data_dir=tmp_path, witnesses=[entry])
