"""Checkpoints as C2SP signed notes: the published example, the signed tree, cosignatures."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import attacker, fill

from facedocket.audit import Problem, checkpoint, verify
from facedocket.audit.log import stored_checkpoints
from facedocket.audit.note import (
    NoteError,
    check_cosignature,
    check_signature,
    cosignature_line,
    key_id,
    parse,
    parse_witness_vkey,
    sign,
    witness_vkey,
)
from facedocket.audit.tree import root

# The example of golang.org/x/mod/sumdb/note's package documentation (C2SP signed-note):
# key "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", private key
# "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz".
EXAMPLE_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
EXAMPLE_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
EXAMPLE_NOTE = (
    EXAMPLE_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"
    "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_the_published_signed_note_example() -> None:
    key = Ed25519PrivateKey.from_private_bytes(EXAMPLE_SEED)
    assert key_id("PeterNeumann", key.public_key()).hex() == "c74f20a3"
    assert sign(EXAMPLE_TEXT, "PeterNeumann", key) == EXAMPLE_NOTE


def test_a_checkpoint_signs_the_tree_root_as_a_c2sp_note(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    fill(sessions, 7)
    with sessions.begin() as session:
        row = checkpoint(session, key, origin="police.example/audit")
        assert row.note is not None
        note = parse(row.note)
        assert (note.origin, note.size, note.root) == ("police.example/audit", 7, root(session, 7))
    assert row.note.startswith(
        f"police.example/audit\n7\n{base64.b64encode(note.root).decode()}\n\n"
    )
    check_signature(note, "police.example/audit", key.public_key())
    with pytest.raises(NoteError, match="no signature by police"):
        check_signature(note, "police.example/audit", Ed25519PrivateKey.generate().public_key())
    with sessions() as session:
        assert verify(session, key.public_key()).ok


def test_a_forged_note_fails_verification(
    engine: Engine, sessions: sessionmaker[Session], key: Ed25519PrivateKey
) -> None:
    fill(sessions, 4)
    with sessions.begin() as session:
        checkpoint(session, key)
    with sessions() as session:
        note = stored_checkpoints(session)[0]["note"]
    body, _, signature = note.partition("\n\n")
    forged = body.replace("\n4\n", "\n3\n") + "\n\n" + signature
    with attacker(engine) as connection:
        connection.execute(text("UPDATE audit_checkpoints SET note = :n"), {"n": forged})
    with sessions() as session:
        result = verify(session, key.public_key())
    assert result.problem is Problem.CHECKPOINT
    assert "does not verify" in result.reason


def test_a_witness_cosignature_verifies_and_a_changed_body_does_not() -> None:
    agency, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    body = f"police.example/audit\n12\n{base64.b64encode(bytes(32)).decode()}\n"
    note = sign(body, "police.example/audit", agency)
    cosigned = note + cosignature_line(body, "eopss.example/witness", witness, 1_764_700_000)
    parsed = parse(cosigned)
    assert check_cosignature(parsed, "eopss.example/witness", witness.public_key()) == 1_764_700_000
    check_signature(parsed, "police.example/audit", agency.public_key())
    moved = parse(cosigned.replace("\n12\n", "\n13\n", 1))
    with pytest.raises(NoteError, match="does not verify"):
        check_cosignature(moved, "eopss.example/witness", witness.public_key())
    with pytest.raises(NoteError, match="no cosignature"):
        check_cosignature(parsed, "other.example/witness", witness.public_key())


@pytest.mark.parametrize(
    "note",
    [
        "",
        "origin\n12\n",
        "origin\n012\nAAAA\n\n\u2014 a AAAA\n",
        "origin\n12\nnot base64!\n\n\u2014 a AAAA\n",
        "origin\n12\nAAAA\n\n\u2014 a AAAA\n",
        f"origin\n12\n{base64.b64encode(bytes(32)).decode()}\n\n- a AAAA\n",
        f"origin\n12\n{base64.b64encode(bytes(32)).decode()}\n\n\u2014 a AAAA",
    ],
)
def test_malformed_notes_are_refused_by_name(note: str) -> None:
    with pytest.raises(NoteError):
        parse(note)


def test_witness_verifier_keys_round_trip_even_with_plus_in_base64() -> None:
    for _ in range(20):  # a base64 key holds "+" often enough to matter
        key = Ed25519PrivateKey.generate().public_key()
        name, parsed = parse_witness_vkey(witness_vkey("eopss.example/witness", key))
        assert name == "eopss.example/witness"
        assert parsed.public_bytes_raw() == key.public_bytes_raw()
    vkey = witness_vkey("w", Ed25519PrivateKey.generate().public_key())
    with pytest.raises(NoteError, match="key id does not match"):
        parse_witness_vkey("w+00000000+" + vkey.split("+", 2)[2])
    with pytest.raises(NoteError, match="name"):
        parse_witness_vkey("just-a-name")
