"""The stored Merkle tree: the root of the entries, proofs that verify, no fork, no edit."""

from __future__ import annotations

import multiprocessing

import pytest
from alembic import command
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import about, attacker, fill, fill_v1, rows
from tests.audit.test_merkle import reference_mth

from facedocket.audit import Problem, verify
from facedocket.audit.canonical import entry_bytes
from facedocket.audit.merkle import (
    EMPTY_ROOT,
    ProofError,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from facedocket.audit.tree import (
    StoredTreeCheck,
    TreeError,
    consistency_proof,
    inclusion_proof,
    root,
)
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import alembic_config, upgrade
from facedocket.store.schema import AuditTreeNode


def leaves(sessions: sessionmaker[Session]) -> list[bytes]:
    return [entry_bytes(entry) for entry in rows(sessions)]


def test_the_root_is_the_rfc_9162_hash_of_the_export_lines(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        assert root(session, 0) == EMPTY_ROOT
    fill(sessions, 13)
    everything = leaves(sessions)
    with sessions() as session:
        for size in range(1, 14):
            assert root(session, size) == reference_mth(everything[:size])
        # 13 leaves make 13 + 6 + 3 + 1 complete subtrees.
        assert session.scalar(select(func.count()).select_from(AuditTreeNode)) == 23


def test_every_proof_verifies(sessions: sessionmaker[Session]) -> None:
    fill(sessions, 11)
    everything = leaves(sessions)
    with sessions() as session:
        for size in range(1, 12):
            top = root(session, size)
            for index in range(size):
                proof = inclusion_proof(session, index, size)
                verify_inclusion(index, size, leaf_hash(everything[index]), proof, top)
            for old in range(1, size + 1):
                proof = consistency_proof(session, old, size)
                verify_consistency(old, size, root(session, old), top, proof)


def test_appends_after_a_rollback_build_the_tree_of_what_was_kept(
    sessions: sessionmaker[Session],
) -> None:
    """A transaction keeps the tree's right edge between its appends: a savepoint rolled
    back, a transaction rolled back and its number taken by another writer, and the
    session used again, must still write the tree of the entries as committed."""
    fill(sessions, 3)
    with sessions() as session:
        with session.begin():
            about(session, 1, "officer-1")
            savepoint = session.begin_nested()
            about(session, 2, "officer-2")
            about(session, 3, "officer-3")
            savepoint.rollback()
            about(session, 4, "officer-4")
            about(session, 5, "officer-5")
        session.begin()
        about(session, 6, "officer-6")
        session.rollback()
        fill(sessions, 1, start=6)  # another writer takes the number it gave back
        with session.begin():
            about(session, 7, "officer-7")
    fill(sessions, 2, start=8)
    everything = leaves(sessions)
    assert len(everything) == 10
    with sessions() as session:
        assert verify(session, None).ok
        for size in range(1, 11):
            assert root(session, size) == reference_mth(everything[:size])
        assert session.scalar(select(func.count()).select_from(AuditTreeNode)) == 10 + 5 + 2 + 1


def test_a_proof_beyond_the_tree_is_refused(sessions: sessionmaker[Session]) -> None:
    fill(sessions, 3)
    with sessions() as session, pytest.raises(ProofError, match="entry 4 is not in a tree of 3"):
        inclusion_proof(session, 3, 3)
    with sessions() as session, pytest.raises(TreeError, match="entries 1 to 4"):
        root(session, 4)


def test_the_tree_is_append_only(engine: Engine, sessions: sessionmaker[Session]) -> None:
    fill(sessions, 2)
    for statement in ("UPDATE audit_tree_nodes SET hash = hash", "DELETE FROM audit_tree_nodes"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_tree_nodes SET hash = :forged WHERE level = 0 AND idx = 2",
        "UPDATE audit_tree_nodes SET hash = :forged WHERE level = 2 AND idx = 0",
        "DELETE FROM audit_tree_nodes WHERE level = 0 AND idx = 4",
    ],
)
@pytest.mark.parametrize("chunk", [2, StoredTreeCheck.CHUNK])
def test_verify_catches_a_rewritten_or_cut_tree(
    engine: Engine, statement: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StoredTreeCheck, "CHUNK", chunk)
    sessions = session_factory(engine)
    fill(sessions, 5)
    with attacker(engine) as connection:
        connection.execute(text(statement), {"forged": bytes(32)})
    with sessions() as session:
        result = verify(session)
    assert not result.ok
    assert result.problem is Problem.TREE, str(result)


def test_the_migration_builds_the_tree_over_existing_entries(engine: Engine) -> None:
    sessions = session_factory(engine)
    command.downgrade(alembic_config(engine), "0007")
    fill_v1(engine, [str(number) for number in range(9)])
    upgrade(engine)
    with sessions() as session:
        assert root(session, 9) == reference_mth(leaves(sessions))
    fill(sessions, 3, start=9)
    with sessions() as session:
        assert root(session, 12) == reference_mth(leaves(sessions))


def test_the_migration_takes_a_tampered_entry_as_stored(engine: Engine) -> None:
    sessions = session_factory(engine)
    command.downgrade(alembic_config(engine), "0007")
    fill_v1(engine, ["1", "2", "3", "4"])
    with attacker(engine, ("audit_entries",)) as connection:
        connection.execute(text("UPDATE audit_entries SET actor = 'someone else' WHERE seq = 2"))
    upgrade(engine)
    with sessions() as session:
        assert root(session, 4) == reference_mth(leaves(sessions))


def _writer(url: str, schema: str | None, number: int, count: int) -> None:
    options = {"connect_args": {"options": f"-csearch_path={schema}"}} if schema else {}
    engine = make_engine(url, **options)
    fill(session_factory(engine), count, start=number * 1000)
    engine.dispose()


def test_appends_from_several_processes_never_fork_the_tree(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    schema = None
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema = str(connection.execute(text("SHOW search_path")).scalar_one())
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(url, schema, n, 15)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    sessions = session_factory(engine)
    everything = leaves(sessions)
    assert len(everything) == 60
    with sessions() as session:
        assert root(session, 60) == reference_mth(everything)
        assert (
            session.scalar(select(func.count()).select_from(AuditTreeNode))
            == 60 + 30 + 15 + 7 + 3 + 1
        )
