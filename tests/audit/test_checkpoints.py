"""Signed checkpoints: a third party checks them with the public key alone."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import attacker, fill

from facedocket.audit import (
    AuditError,
    Problem,
    checkpoint,
    checkpoint_if_due,
    fingerprint,
    verify,
)


def test_a_checkpoint_signs_the_head(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    fill(sessions, 4)
    with sessions.begin() as session:
        row = checkpoint(session, key)
    with sessions() as session:
        result = verify(session, key.public_key())
    assert (row.seq, row.head_hash) == (4, result.last_hash)
    assert row.key_fingerprint == fingerprint(key.public_key())
    assert result.ok
    assert (result.checkpoints, result.signatures_checked) == (1, True)


def test_the_signature_checks_out_with_nothing_but_the_public_key(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    # What an auditor's own tool would do, from the documented message format.
    fill(sessions, 2)
    with sessions.begin() as session:
        row = checkpoint(session, key)
        created = row.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        seq, head_hash, signature = row.seq, row.head_hash, row.signature
    body = {"created_at": created, "head_hash": head_hash, "seq": seq}
    message = b"facedocket audit checkpoint v1\n" + json.dumps(
        body, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")
    key.public_key().verify(base64.b64decode(signature), message)  # raises if wrong


def test_a_forged_signature_is_caught(
    engine: Engine, sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    fill(sessions, 3)
    with sessions.begin() as session:
        checkpoint(session, key)
    forged = base64.b64encode(bytes(64)).decode()
    with attacker(engine) as connection:
        connection.execute(text("UPDATE audit_checkpoints SET signature = :s"), {"s": forged})
    with sessions() as session:
        result = verify(session, key.public_key())
    assert (result.first_bad, result.problem) == (3, Problem.CHECKPOINT)
    assert "signature does not verify" in result.reason


def test_a_checkpoint_signed_by_another_key_is_caught(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    # An insider with database access but not the agency's key signs with a key of his own.
    fill(sessions, 3)
    with sessions.begin() as session:
        checkpoint(session, Ed25519PrivateKey.generate())
    with sessions() as session:
        result = verify(session, key.public_key())
    assert (result.first_bad, result.problem) == (3, Problem.CHECKPOINT)
    assert "not the given key" in result.reason


def test_a_moved_checkpoint_is_caught(
    engine: Engine, sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    fill(sessions, 3)
    with sessions.begin() as session:
        checkpoint(session, key)
    with attacker(engine) as connection:
        connection.execute(text("UPDATE audit_checkpoints SET seq = 2"))
    with sessions() as session:
        result = verify(session, key.public_key())
    assert (result.first_bad, result.problem) == (2, Problem.CHECKPOINT)


def test_without_a_key_head_hashes_are_still_compared(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    fill(sessions, 3)
    with sessions.begin() as session:
        checkpoint(session, key)
    with sessions() as session:
        result = verify(session)
    assert result.ok
    assert (result.checkpoints, result.signatures_checked) == (1, False)
    assert "NOT checked" in str(result)


def test_a_broken_record_is_not_signed(
    engine: Engine, sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    fill(sessions, 3)
    with attacker(engine) as connection:
        connection.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    with (
        pytest.raises(AuditError, match="does not verify, so it is not signed"),
        sessions.begin() as session,
    ):
        checkpoint(session, key)


def test_an_empty_record_is_not_signed(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    with pytest.raises(AuditError, match="empty"), sessions.begin() as session:
        checkpoint(session, key)


def test_verify_counts_the_entries_no_checkpoint_covers(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    fill(sessions, 3)
    with sessions() as session:
        assert verify(session, key.public_key()).uncovered == 3
    with sessions.begin() as session:
        checkpoint(session, key)
    fill(sessions, 2, start=3)
    with sessions() as session:
        result = verify(session, key.public_key())
    assert (result.ok, result.checkpoints, result.uncovered) == (True, 1, 2)
    assert "2 entries covered by no checkpoint" in str(result)


def test_the_next_checkpoint_walks_again_what_came_after_the_last(
    engine: Engine, sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    fill(sessions, 3)
    with sessions.begin() as session:
        checkpoint(session, key)
    fill(sessions, 3, start=3)
    with attacker(engine) as connection:
        connection.execute(text("UPDATE audit_entries SET actor = 'x' WHERE seq = 5"))
    with (
        pytest.raises(AuditError, match="entry 5: edited"),
        sessions.begin() as session,
    ):
        checkpoint(session, key)


def test_a_forged_last_checkpoint_is_not_built_on(
    engine: Engine, sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    fill(sessions, 3)
    with sessions.begin() as session:
        checkpoint(session, key)
    fill(sessions, 1, start=3)
    forged = base64.b64encode(bytes(64)).decode()
    with attacker(engine) as connection:
        connection.execute(text("UPDATE audit_checkpoints SET signature = :s"), {"s": forged})
    with (
        pytest.raises(AuditError, match="signature does not verify"),
        sessions.begin() as session,
    ):
        checkpoint(session, key)


def test_the_scheduled_signing_signs_only_what_is_new(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    with sessions.begin() as session:
        assert checkpoint_if_due(session, key) is None  # an empty record: nothing to sign
    fill(sessions, 2)
    with sessions.begin() as session:
        first = checkpoint_if_due(session, key)
        assert first is not None and first.seq == 2
    with sessions.begin() as session:
        assert checkpoint_if_due(session, key) is None
    fill(sessions, 1, start=2)
    with sessions.begin() as session:
        later = checkpoint_if_due(session, key)
        assert later is not None and later.seq == 3
    with sessions() as session:
        result = verify(session, key.public_key())
    assert (result.ok, result.checkpoints, result.uncovered) == (True, 2, 0)
