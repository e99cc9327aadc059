"""Exports: deterministic JSON Lines an auditor verifies without the database."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import fill

from facedocket.audit import (
    AuditError,
    Problem,
    VerifyResult,
    checkpoint,
    export_checkpoints,
    export_entries,
    read_json_lines,
    verify_entries,
)


@pytest.fixture
def exported(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> tuple[list[bytes], list[bytes]]:
    fill(sessions, 3)
    with sessions.begin() as session:
        checkpoint(session, key)
    fill(sessions, 3, start=3)
    with sessions.begin() as session:
        checkpoint(session, key)
    with sessions() as session:
        return list(export_entries(session)), list(export_checkpoints(session))


def _check(lines: list[bytes], signed: list[bytes], key: Ed25519PrivateKey) -> VerifyResult:
    return verify_entries(
        read_json_lines(lines, "entries.jsonl"),
        list(read_json_lines(signed, "checkpoints.jsonl")),
        key.public_key(),
    )


def test_an_export_verifies_offline(
    exported: tuple[list[bytes], list[bytes]], key: Ed25519PrivateKey
) -> None:
    result = _check(*exported, key)
    assert result.ok, str(result)
    assert (result.entries, result.checkpoints) == (6, 2)


def test_an_export_is_the_same_bytes_every_time(
    sessions: sessionmaker[Session], exported: tuple[list[bytes], list[bytes]]
) -> None:
    with sessions() as session:
        assert list(export_entries(session)) == exported[0]
        assert list(export_checkpoints(session)) == exported[1]


def test_a_third_party_recomputes_every_hash_from_the_documented_format(
    exported: tuple[list[bytes], list[bytes]],
) -> None:
    # With ASCII keys, RFC 8785 bytes are what any JSON library gives with sorted keys and
    # no whitespace; this check uses nothing of FaceDocket.
    previous = "0" * 64
    for line in exported[0]:
        entry: dict[str, Any] = json.loads(line)
        claimed = entry.pop("entry_hash")
        body = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(body.encode("utf-8")).hexdigest() == claimed
        assert entry["prev_hash"] == previous
        previous = claimed


def test_a_slice_verifies_from_its_first_number(
    sessions: sessionmaker[Session],
    exported: tuple[list[bytes], list[bytes]],
    key: Ed25519PrivateKey,
) -> None:
    with sessions() as session:
        lines = list(export_entries(session, first=2, last=4))
        signed = list(export_checkpoints(session, last=4))
    entries = read_json_lines(lines, "slice")
    result = verify_entries(entries, read_json_lines(signed, "cp"), key.public_key(), first_seq=2)
    assert result.ok, str(result)
    assert (result.entries, result.checkpoints, result.last_seq) == (3, 1, 4)
    # The same slice claimed to start at 1 is missing entry 1.
    result = verify_entries(read_json_lines(lines, "slice"), [], None)
    assert (result.first_bad, result.problem) == (1, Problem.DELETED)


def _edit(line: bytes, **changes: Any) -> bytes:
    return json.dumps({**json.loads(line), **changes}).encode()


@pytest.mark.parametrize(
    ("tamper", "first_bad", "problem"),
    [
        (lambda lines: [*lines[:2], lines[3], lines[2], *lines[4:]], 3, Problem.REORDERED),
        (lambda lines: [*lines[:2], *lines[3:]], 3, Problem.DELETED),
        (lambda lines: [*lines[:3], lines[2], *lines[3:]], 4, Problem.INSERTED),
        (lambda lines: lines[:5], 6, Problem.DELETED),
        (lambda lines: [lines[0], _edit(lines[1], role="judge"), *lines[2:]], 2, Problem.EDITED),
        (lambda lines: [lines[0], _edit(lines[1], seq="2"), *lines[2:]], 2, Problem.MALFORMED),
        (lambda lines: [lines[0], _edit(lines[1], extra=1), *lines[2:]], 2, Problem.MALFORMED),
        (lambda lines: [lines[0], b"[1, 2]", *lines[2:]], 2, Problem.MALFORMED),
        (
            lambda lines: [lines[0], _edit(lines[1], details={"score": 0.5}), *lines[2:]],
            2,
            Problem.EDITED,
        ),
    ],
)
def test_a_tampered_export_is_named(
    exported: tuple[list[bytes], list[bytes]],
    key: Ed25519PrivateKey,
    tamper: Any,
    first_bad: int,
    problem: Problem,
) -> None:
    lines, signed = exported
    entries = [json.loads(line) for line in tamper(lines)]
    result = verify_entries(entries, [json.loads(line) for line in signed], key.public_key())
    assert (result.first_bad, result.problem) == (first_bad, problem), str(result)


def test_a_malformed_checkpoint_is_named(
    exported: tuple[list[bytes], list[bytes]], key: Ed25519PrivateKey
) -> None:
    lines, signed = exported
    broken = [{**json.loads(signed[0]), "seq": "3"}]
    result = verify_entries([json.loads(line) for line in lines], broken, key.public_key())
    assert result.problem == Problem.CHECKPOINT
    assert "wrong type" in result.reason


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"seq": 1, "seq": 2}', "entries.jsonl:1: not JSON: duplicate key 'seq'"),
        (b"{not json", "entries.jsonl:1: not JSON"),
        (b'"a string"', "entries.jsonl:1: not a JSON object"),
        (b'{"seq": NaN}', "not JSON"),
    ],
)
def test_hostile_lines_are_refused_with_their_line_number(line: bytes, message: str) -> None:
    with pytest.raises(AuditError, match=message):
        list(read_json_lines([line], "entries.jsonl"))
