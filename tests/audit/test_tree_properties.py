"""Property: random appends and checkpoints; every proof verifies, every mutation is caught."""

from __future__ import annotations

import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from tests.audit.helpers import attacker, fill, rows

from facedocket.audit import checkpoint, verify
from facedocket.audit.canonical import entry_bytes
from facedocket.audit.log import stored_checkpoints
from facedocket.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from facedocket.audit.note import parse
from facedocket.audit.tree import consistency_proof, inclusion_proof
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import upgrade

KEY = Ed25519PrivateKey.generate()


@settings(max_examples=8, deadline=None)
@given(batches=st.lists(st.integers(1, 9), min_size=1, max_size=4), data=st.data())
def test_random_appends_and_checkpoints(batches: list[int], data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'record.db'}")
        upgrade(engine)
        sessions = session_factory(engine)
        done = 0
        for count in batches:
            fill(sessions, count, start=done)
            done += count
            with sessions.begin() as session:
                checkpoint(session, KEY)
        entries = rows(sessions)
        with sessions() as session:
            notes = [parse(record["note"]) for record in stored_checkpoints(session)]
            newest = notes[-1]
            for seq in range(1, done + 1):
                path = inclusion_proof(session, seq - 1, newest.size)
                leaf = leaf_hash(entry_bytes(entries[seq - 1]))
                verify_inclusion(seq - 1, newest.size, leaf, path, newest.root)
            for note in notes:
                path = consistency_proof(session, note.size, newest.size)
                verify_consistency(note.size, newest.size, note.root, newest.root, path)
        victim = data.draw(st.integers(1, done))
        column = data.draw(st.sampled_from(["actor", "action", "subject_id"]))
        with attacker(engine) as connection:
            connection.execute(
                text(f"UPDATE audit_entries SET {column} = 'forged.value' WHERE seq = :s"),
                {"s": victim},
            )
        with sessions() as session:
            result = verify(session, KEY.public_key())
        assert not result.ok
        assert result.first_bad is not None and result.first_bad <= victim
        engine.dispose()
