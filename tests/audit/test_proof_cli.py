"""``audit prove``, ``audit consistency`` and the offline ``audit verify-proof``."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.audit.test_audit_cli import _record, _run, data_dir  # noqa: F401 (fixture)

from facedocket.audit.note import cosignature_line, parse, sign, witness_vkey


def _public_key() -> str:
    code, output = _run("public-key")
    assert code == 0, output
    return output.split()[0]


def test_an_entry_proven_in_the_signed_tree_verifies_offline(data_dir: Path) -> None:  # noqa: F811
    _record(6)
    assert _run("checkpoint")[0] == 0
    proof = data_dir / "entry-4.json"
    code, output = _run("prove", "4", "--out", str(proof))
    assert code == 0, output
    key = _public_key()
    code, output = _run("verify-proof", str(proof), "--public-key", key)
    assert code == 0, output
    assert "entry 4 (request.submitted) is in the log" in output
    assert "of 6 entries signed by the agency" in output

    document = json.loads(proof.read_text())
    document["entry"]["actor"] = "someone else"
    forged = data_dir / "forged.json"
    forged.write_text(json.dumps(document))
    code, output = _run("verify-proof", str(forged), "--public-key", key)
    assert code == 1
    assert "not in this tree" in output

    other = _run_key_of_another_agency()
    code, output = _run("verify-proof", str(proof), "--public-key", other)
    assert code == 1
    assert "no signature" in output


def _run_key_of_another_agency() -> str:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    return base64.b64encode(raw).decode()


def test_a_witness_cosignature_is_required_when_its_key_is_given(data_dir: Path) -> None:  # noqa: F811
    _record(3)
    assert _run("checkpoint")[0] == 0
    proof = data_dir / "entry-2.json"
    assert _run("prove", "2", "--out", str(proof))[0] == 0
    witness = Ed25519PrivateKey.generate()
    vkey = witness_vkey("eopss.example/witness", witness.public_key())
    key = _public_key()
    code, output = _run("verify-proof", str(proof), "--public-key", key, "--witness-key", vkey)
    assert code == 1
    assert "no cosignature by witness eopss.example/witness" in output

    document = json.loads(proof.read_text())
    body = parse(document["checkpoint"]).body
    document["checkpoint"] += cosignature_line(
        body, "eopss.example/witness", witness, int(time.time())
    )
    proof.write_text(json.dumps(document))
    code, output = _run("verify-proof", str(proof), "--public-key", key, "--witness-key", vkey)
    assert code == 0, output
    assert "cosigned by eopss.example/witness" in output


def test_the_log_only_grew_since_a_kept_checkpoint(data_dir: Path) -> None:  # noqa: F811
    _record(5)
    assert _run("checkpoint")[0] == 0
    first = data_dir / "entry-1.json"
    assert _run("prove", "1", "--out", str(first))[0] == 0
    kept = data_dir / "kept.checkpoint"
    kept.write_text(json.loads(first.read_text())["checkpoint"])
    _record(4)
    assert _run("checkpoint")[0] == 0
    growth = data_dir / "growth.json"
    code, output = _run("consistency", "--from", str(kept), "--out", str(growth))
    assert code == 0, output
    key = _public_key()
    code, output = _run("verify-proof", str(growth), "--public-key", key)
    assert code == 0, output
    assert "of 9 entries extends the one of 5 entries" in output

    # An insider with the key signs a rewritten history of 5 entries: the kept checkpoint
    # and the current log cannot both be true, and the proof says so.
    document = json.loads(growth.read_text())
    rewritten = parse(document["old_checkpoint"])
    signing = (data_dir / "audit-signing.key").read_text()
    insider = Ed25519PrivateKey.from_private_bytes(base64.b64decode(signing))
    body = rewritten.body.replace(rewritten.body.split("\n")[2], "A" * 43 + "=")
    document["old_checkpoint"] = sign(body, rewritten.origin, insider)
    growth.write_text(json.dumps(document))
    code, output = _run("verify-proof", str(growth), "--public-key", key)
    assert code == 1
    assert "old root" in output


def test_hostile_proof_files_are_refused_with_a_message(data_dir: Path) -> None:  # noqa: F811
    key = _run_key_of_another_agency()
    for name, content in [
        ("not-json", "{"),
        ("wrong-format", '{"format": "x"}'),
        ("no-note", '{"format": "facedocket-inclusion-proof/v1", "proof": []}'),
        ("two", '{"format": "x"}\n{"format": "y"}'),
    ]:
        path = data_dir / name
        path.write_text(content)
        code, output = _run("verify-proof", str(path), "--public-key", key)
        assert code == 1, (name, output)
        assert "error" in output
    code, output = _run("prove", "1", "--out", str(data_dir / "p.json"))
    assert code == 1
    assert "no signed checkpoint covers entry 1" in output or "there is no entry 1" in output
