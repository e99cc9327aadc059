"""A filled record, and an attacker with database admin rights who rewrites it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from facedocket.audit import append
from facedocket.audit.canonical import entry_hash
from facedocket.audit.log import stored_entries

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
            append(
                session,
                actor=f"officer-{number}",
                role="requester",
                action="request.submitted",
                subject_type="request",
                subject_id=number,
                details={"case": f"2026-{number:04d}", "probes": number % 3},
            )


@contextmanager
def attacker(engine: Engine) -> Iterator[Connection]:
    """A connection of someone who can drop the append-only triggers: a DB administrator."""
    with engine.begin() as connection:
        for statement in TRIGGERS[engine.dialect.name]:
            connection.execute(text(statement))
        yield connection


def rows(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    with sessions() as session:
        return list(stored_entries(session))


def insert_entry(connection: Connection, entry: dict[str, Any]) -> None:
    """Write an entry row directly, as a forger would, with a correct hash of its own."""
    record = {**entry, "entry_hash": entry_hash(entry)}
    connection.execute(
        text(
            "INSERT INTO audit_entries (seq, at, actor, role, action, subject_type, "
            "subject_id, details, policy_id, policy_version, prev_hash, entry_hash) VALUES "
            "(:seq, :at, :actor, :role, :action, :subject_type, :subject_id, :details, "
            ":policy_id, :policy_version, :prev_hash, :entry_hash)"
        ),
        {**record, "details": _json(record["details"]), "at": _time(record["at"])},
    )


def _json(value: Any) -> str:
    return json.dumps(value)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def rechain(connection: Connection, original: list[dict[str, Any]], seq: int, actor: str) -> None:
    """Give entry ``seq`` another actor, then recompute every later hash and link and the
    head row: what an attacker who knows the scheme does, so that the chain alone looks
    perfect and only a checkpoint can tell."""
    previous = original[seq - 2]["entry_hash"]
    for entry in original[seq - 1 :]:
        changed = {**entry, "prev_hash": previous}
        if entry["seq"] == seq:
            changed["actor"] = actor
        changed["entry_hash"] = entry_hash(changed)
        connection.execute(
            text(
                "UPDATE audit_entries SET actor = :actor, prev_hash = :prev_hash, "
                "entry_hash = :entry_hash WHERE seq = :seq"
            ),
            changed,
        )
        previous = changed["entry_hash"]
    connection.execute(text("UPDATE audit_head SET head_hash = :h"), {"h": previous})
