"""An agency's record witnessed by a real witness process, and an insider who rewrites it.

The insider holds the agency's signing key and the database: they drop the append-only
triggers, rewrite the entries as they like (one changed, deleted, inserted, reordered, or
the tail cut), recompute every hash and link, rebuild the Merkle tree, delete the
checkpoints and cosignatures that no longer match, and sign the new history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import attacker, insert_entry, rebuilt, rows
from tests.witness.process import witness_process

from facedocket.audit import checkpoint
from facedocket.audit.canonical import entry_bytes
from facedocket.audit.keys import public_key_text
from facedocket.audit.note import DEFAULT_ORIGIN, parse_witness_vkey
from facedocket.audit.tree import build
from facedocket.audit.witnesses import Witness
from facedocket.witness.store import WitnessStore

NAME = "eopss.example/witness"

Entries = list[dict[str, Any]]


@dataclass
class Witnessed:
    engine: Engine
    sessions: sessionmaker[Session]
    key: Ed25519PrivateKey
    witness: Witness
    store: WitnessStore


def witness_store(folder: Path, agency: Ed25519PrivateKey) -> tuple[WitnessStore, str]:
    """A new witness trusting ``agency``'s key for the default origin; its verifier key."""
    store = WitnessStore(folder)
    store.init(NAME)
    store.trust(DEFAULT_ORIGIN, public_key_text(agency.public_key()))
    return store, store.vkeys()[0][1]


def witnessed(
    engine: Engine, sessions: sessionmaker[Session], key: Ed25519PrivateKey, folder: Path
) -> Iterator[Witnessed]:
    store, vkey = witness_store(folder / "witness", key)
    name, public = parse_witness_vkey(vkey)
    with witness_process(folder / "witness") as url:
        yield Witnessed(engine, sessions, key, Witness(name, public, url), store)


def rewrite_history(setup: Witnessed, change: Callable[[Entries], Entries]) -> None:
    """The insider's rewrite of the whole record, then their signature over it."""
    new = change(rows(setup.sessions))
    with attacker(setup.engine) as connection:
        for table in ("audit_cosignatures", "audit_checkpoints", "audit_tree_nodes"):
            connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(text("DELETE FROM audit_entries"))
        # Every hash and link recomputed, the per-case chains too: perfect on its own.
        chained = rebuilt(new, relink_subjects=True)
        for linked in chained:
            insert_entry(connection, linked)
        connection.execute(
            text("UPDATE audit_head SET seq = :seq, head_hash = :hash"),
            {"seq": len(chained), "hash": chained[-1]["entry_hash"]},
        )
        build(Session(bind=connection), (entry_bytes(entry) for entry in chained))
    with setup.sessions.begin() as session:
        checkpoint(session, setup.key)
