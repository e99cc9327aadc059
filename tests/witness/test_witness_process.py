"""The witness over HTTP, as a separate process started here (C2SP tlog-witness)."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.witness.memory_log import ORIGIN, MemoryLog
from tests.witness.process import witness_process
from typer.testing import CliRunner

from facedocket.audit.keys import public_key_text
from facedocket.audit.note import check_cosignature, parse, parse_witness_vkey
from facedocket.cli import app


def post(url: str, body: bytes) -> tuple[int, str, str]:
    request = urllib.request.Request(f"{url}/add-checkpoint", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers["content-type"], answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"], error.read().decode()


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_witness_process_cosigns_refuses_and_shows_its_evidence(tmp_path: Path) -> None:
    folder = str(tmp_path / "witness")
    agency = Ed25519PrivateKey.generate()
    vkey = cli("witness", "init", "--name", "eopss.example/witness", "--dir", folder).split()[0]
    cli(
        "witness",
        "trust",
        ORIGIN,
        "--dir",
        folder,
        "--public-key",
        public_key_text(agency.public_key()),
    )
    log = MemoryLog(agency)
    log.append(7)
    with witness_process(tmp_path / "witness") as url:
        status, _, body = post(url, log.body(0))
        assert status == 200, body
        name, key = parse_witness_vkey(vkey)
        assert check_cosignature(parse(log.note() + body), name, key) > 0
        log.append(2)
        assert post(url, log.body(3)) == (409, "text/x.tlog.size", "7\n")
        log.leaves[0] = b"rewritten"
        status, _, body = post(url, log.body(7))
        assert status == 422, body
        assert post(url, b"x" * 70_000)[0] == 413
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/add-checkpoint", timeout=10)
        assert refused.value.code == 405
    listed = cli("witness", "conflicts", "--dir", folder)
    assert "not_extension" in listed
    shown = cli("witness", "conflicts", "--dir", folder, "--show", "1")
    assert log.note() in shown
    assert "the checkpoint cosigned before:" in shown
    status_lines = cli("witness", "status", "--dir", folder).splitlines()
    assert any(ORIGIN in line and " 7 " in line for line in status_lines), status_lines
