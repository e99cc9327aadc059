"""The database itself refuses to change or remove the record, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import fill

from facedocket.audit import checkpoint, verify


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET actor = 'someone else' WHERE seq = 1",
        "UPDATE audit_entries SET seq = seq + 100",
        "DELETE FROM audit_entries WHERE seq = 2",
        "DELETE FROM audit_entries",
        "UPDATE audit_checkpoints SET head_hash = '00'",
        "DELETE FROM audit_checkpoints",
        "DELETE FROM audit_head",
    ],
)
def test_changes_to_the_record_are_refused(
    engine: Engine,
    sessions: sessionmaker[Session],
    key: Ed25519PrivateKey,
    statement: str,
) -> None:
    fill(sessions, 3)
    with sessions.begin() as session:
        checkpoint(session, key)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    with sessions() as session:
        result = verify(session, key.public_key())
    assert result.ok, str(result)
    assert (result.entries, result.checkpoints) == (3, 1)


@pytest.mark.parametrize(
    "table", ["audit_entries", "audit_checkpoints", "audit_tree_nodes", "audit_cosignatures"]
)
def test_truncate_is_refused_on_postgresql(
    engine: Engine, sessions: sessionmaker[Session], table: str
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE trigger covers DELETE without WHERE")
    fill(sessions, 1)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        # CASCADE, the strongest form: without it a table that others reference is
        # refused by its foreign keys before its trigger could say why.
        connection.execute(text(f"TRUNCATE {table} CASCADE"))
