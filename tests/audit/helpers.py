"""A filled record, and an attacker with database admin rights who rewrites it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from facedocket.audit import append
from facedocket.audit.canonical import SUBJECT_PREV, entry_bytes, entry_hash, format_time
from facedocket.audit.log import ENTRY_COLUMNS, stored_entries
from facedocket.audit.tree import add_leaf
from facedocket.store.schema.audit import GENESIS_HASH

TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER audit_entries_no_update",
        "DROP TRIGGER audit_entries_no_delete",
        "DROP TRIGGER audit_checkpoints_no_update",
        "DROP TRIGGER audit_checkpoints_no_delete",
        "DROP TRIGGER audit_tree_nodes_no_update",
        "DROP TRIGGER audit_tree_nodes_no_delete",
        "DROP TRIGGER audit_cosignatures_no_update",
        "DROP TRIGGER audit_cosignatures_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER audit_entries_append_only ON audit_entries",
        "DROP TRIGGER audit_checkpoints_append_only ON audit_checkpoints",
        "DROP TRIGGER audit_tree_nodes_append_only ON audit_tree_nodes",
        "DROP TRIGGER audit_cosignatures_append_only ON audit_cosignatures",
    ],
}


def fill(sessions: sessionmaker[Session], count: int, start: int = 0) -> None:
    """``count`` entries, each committed on its own as requests come in one by one."""
    for number in range(start, start + count):
        with sessions.begin() as session:
            about(session, number, f"officer-{number}", {"case": f"2026-{number:04d}"})


def about(
    session: Session, subject: str | int, actor: str, details: dict[str, Any] | None = None
) -> None:
    """One entry about request ``subject``."""
    append(
        session,
        actor=actor,
        role="requester",
        action="request.submitted",
        subject_type="request",
        subject_id=subject,
        details=details or {"probes": 1},
    )


@contextmanager
def attacker(engine: Engine, tables: tuple[str, ...] = ()) -> Iterator[Connection]:
    """A connection of someone who can drop the append-only triggers: a DB administrator
    (of ``tables`` only, if given: a database before the tree has no trigger on it)."""
    with engine.begin() as connection:
        for statement in TRIGGERS[engine.dialect.name]:
            if not tables or any(f" {table}_" in statement for table in tables):
                connection.execute(text(statement))
        yield connection


def rows(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    with sessions() as session:
        return list(stored_entries(session))


def insert_entry(connection: Connection, entry: dict[str, Any]) -> None:
    """Write an entry row directly, as a forger would, with a correct hash of its own; a
    v1 entry (no subject_prev_hash) as one written before migration 0014."""
    record = {**entry, "entry_hash": entry_hash(entry)}
    columns = [name for name in ENTRY_COLUMNS.split(", ") if name in record]
    connection.execute(
        text(
            f"INSERT INTO audit_entries ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + name for name in columns)})"
        ),
        {**record, "details": _json(record["details"]), "at": _time(record["at"])},
    )


def fill_v1(engine: Engine, subjects: list[str], *, with_tree: bool = False) -> None:
    """Format v1 entries (no per-subject link), one per subject id given, as the code
    before migration 0014 wrote them; the database may be at any revision from 0007
    (``with_tree``: from 0008, whose appends also wrote the entry's Merkle leaf)."""
    with engine.begin() as connection:
        seq, previous = connection.execute(text("SELECT seq, head_hash FROM audit_head")).one()
        for subject in subjects:
            seq += 1
            entry = {
                "seq": seq,
                "at": format_time(datetime.now(UTC)),
                "actor": "officer-1",
                "role": "requester",
                "action": "request.submitted",
                "subject_type": "request",
                "subject_id": subject,
                "details": {"case": f"2025-{seq:04d}"},
                "policy_id": None,
                "policy_version": None,
                "prev_hash": previous,
            }
            insert_entry(connection, entry)
            previous = entry_hash(entry)
            if with_tree:
                add_leaf(
                    Session(bind=connection), seq - 1, entry_bytes(entry | {"entry_hash": previous})
                )
        connection.execute(
            text("UPDATE audit_head SET seq = :seq, head_hash = :hash"),
            {"seq": seq, "hash": previous},
        )


def _json(value: Any) -> str:
    return json.dumps(value)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def rechain(
    connection: Connection,
    original: list[dict[str, Any]],
    seq: int,
    actor: str,
    *,
    subject_prev: str | None = None,
) -> None:
    """Give entry ``seq`` another actor, then recompute every later hash and link (the
    chain's and the subjects') and the head row: what an attacker who knows the scheme
    does, so that the chains alone look perfect and only a checkpoint can tell."""
    previous = original[seq - 2]["entry_hash"]
    renamed: dict[str, str] = {}
    for entry in original[seq - 1 :]:
        changed = {**entry, "prev_hash": previous}
        if SUBJECT_PREV in entry:
            changed[SUBJECT_PREV] = renamed.get(entry[SUBJECT_PREV], entry[SUBJECT_PREV])
        if entry["seq"] == seq:
            changed["actor"] = actor
            if subject_prev is not None:
                changed[SUBJECT_PREV] = subject_prev
        changed["entry_hash"] = entry_hash(changed)
        renamed[entry["entry_hash"]] = changed["entry_hash"]
        connection.execute(
            text(
                "UPDATE audit_entries SET actor = :actor, prev_hash = :prev_hash, "
                "subject_prev_hash = :subject_prev_hash, entry_hash = :entry_hash "
                "WHERE seq = :seq"
            ),
            {SUBJECT_PREV: None, **changed},
        )
        previous = changed["entry_hash"]
    connection.execute(text("UPDATE audit_head SET head_hash = :h"), {"h": previous})


def chained(subjects: list[str]) -> list[dict[str, Any]]:
    """Format v2 entries about ``request`` s for each s, linked as ``append`` links them."""
    return rebuilt(
        [
            {
                "seq": 0,
                "at": "2026-12-03T10:00:00.000000Z",
                "actor": "officer-1",
                "role": "requester",
                "action": "request.submitted",
                "subject_type": "request",
                "subject_id": subject,
                "details": {"n": number},
                "policy_id": None,
                "policy_version": None,
                "prev_hash": GENESIS_HASH,
                SUBJECT_PREV: GENESIS_HASH,
                "entry_hash": GENESIS_HASH,
            }
            for number, subject in enumerate(subjects)
        ],
        relink_subjects=True,
    )


def rebuilt(
    entries: list[dict[str, Any]], *, relink_subjects: bool = False
) -> list[dict[str, Any]]:
    """Renumber from 1 and recompute every hash and chain link, as an insider who removed
    or added entries would; subject links are only carried over to the new hashes unless
    ``relink_subjects`` (then they are made right, as ``append`` makes them)."""
    previous = GENESIS_HASH
    renamed: dict[str, str] = {GENESIS_HASH: GENESIS_HASH}
    last: dict[tuple[str, str], str] = {}
    result = []
    for seq, entry in enumerate(entries, start=1):
        changed = {**entry, "seq": seq, "prev_hash": previous}
        subject = (entry["subject_type"], entry["subject_id"])
        if relink_subjects:
            changed[SUBJECT_PREV] = last.get(subject, GENESIS_HASH)
        else:
            changed[SUBJECT_PREV] = renamed.get(entry[SUBJECT_PREV], entry[SUBJECT_PREV])
        changed["entry_hash"] = entry_hash({k: v for k, v in changed.items() if k != "entry_hash"})
        renamed[entry["entry_hash"]] = last[subject] = previous = changed["entry_hash"]
        result.append(changed)
    return result
