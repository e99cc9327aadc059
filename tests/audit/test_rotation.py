"""Key rotation: the change is an entry signed by the old key (and the new), each
checkpoint verifies under the key that signed it, and a retired key signs nothing more."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import fill, rebuilt, rows

from facedocket.audit import AuditError, AuditKeyError, Problem, checkpoint, verify, verify_entries
from facedocket.audit.history import ROTATED, rotations
from facedocket.audit.log import stored_checkpoints
from facedocket.audit.rotation import rotate

OLD, NEW = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()


def rotated(sessions: sessionmaker[Session]) -> int:
    """Entries and a checkpoint under OLD, a rotation to NEW, more under NEW; its seq."""
    fill(sessions, 3)
    with sessions.begin() as session:
        checkpoint(session, OLD)
    with sessions.begin() as session:
        entry, last_old, first_new = rotate(session, OLD, NEW, actor="operator:me", role="operator")
        seq = entry.seq
    assert (last_old.seq, first_new.seq) == (seq, seq)
    fill(sessions, 2, start=3)
    with sessions.begin() as session:
        checkpoint(session, NEW)  # walks only the entries after NEW's first checkpoint
    return seq


def test_each_checkpoint_verifies_under_the_key_that_signed_it(
    sessions: sessionmaker[Session],
) -> None:
    seq = rotated(sessions)
    with sessions() as session:
        for keys in ([OLD.public_key()], [NEW.public_key()], [NEW.public_key(), OLD.public_key()]):
            result = verify(session, keys)
            assert result.ok and result.signatures_checked, str(result)
            assert result.checkpoints == 4
        entry = rows(sessions)[seq - 1]
    assert entry["action"] == ROTATED
    assert entry["details"]["new_fingerprint"] != entry["details"]["old_fingerprint"]


def test_an_export_verifies_with_the_newest_key_alone(sessions: sessionmaker[Session]) -> None:
    rotated(sessions)
    entries = rows(sessions)
    with sessions() as session:
        signed = stored_checkpoints(session)
    alone = verify_entries(entries, signed, [NEW.public_key()], announced=rotations(entries))
    assert alone.ok, str(alone)
    # Not told of the rotation, the old key's checkpoints name a key it was not given.
    untold = verify_entries(entries, signed, [NEW.public_key()])
    assert (untold.problem, untold.first_bad) == (Problem.CHECKPOINT, 3), str(untold)


def test_a_retired_key_signs_nothing_more(sessions: sessionmaker[Session]) -> None:
    seq = rotated(sessions)
    with sessions.begin() as session, pytest.raises(AuditError, match=f"retired at entry {seq}"):
        checkpoint(session, OLD)
    with sessions() as session:
        assert verify(session, [OLD.public_key()]).ok


def test_a_key_replaced_without_rotation_is_named(sessions: sessionmaker[Session]) -> None:
    fill(sessions, 2)
    with sessions.begin() as session:
        checkpoint(session, OLD)
    with sessions.begin() as session, pytest.raises(AuditError, match="rotate-key"):
        checkpoint(session, NEW)


def test_a_forged_rotation_is_caught(sessions: sessionmaker[Session]) -> None:
    seq = rotated(sessions)
    thief = Ed25519PrivateKey.generate().public_key()
    entries = rows(sessions)
    # An insider swaps his own key into the rotation and recomputes every hash and link:
    # he cannot make the old key's signature over the statement naming his key.
    details = entries[seq - 1]["details"]
    details["new_public_key"] = base64.b64encode(thief.public_bytes_raw()).decode()
    result = verify_entries(rebuilt(entries), [], [OLD.public_key()])
    assert (result.problem, result.first_bad) == (Problem.KEY, seq), str(result)
    assert "old key's signature does not verify" in result.reason


def test_rotating_to_the_same_key_is_refused(sessions: sessionmaker[Session]) -> None:
    fill(sessions, 1)
    with sessions.begin() as session, pytest.raises(AuditKeyError, match="nothing to rotate"):
        rotate(session, OLD, OLD, actor="operator:me", role="operator")
