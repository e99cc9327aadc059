"""Appends raced by real processes on two cases: neither the record's chain, nor the
Merkle tree, nor either case's chain ever forks (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import about, rows
from tests.audit.test_merkle import reference_mth
from tests.races import RACERS, Database, Racers

from facedocket.audit import verify
from facedocket.audit.canonical import SUBJECT_PREV, entry_bytes
from facedocket.audit.tree import root
from facedocket.store.db import session_factory
from facedocket.store.schema.audit import GENESIS_HASH

APPENDS = 6
CASES = ("1", "2")

pytestmark = pytest.mark.slow


def append_many(session: Session, racer: int) -> int:
    """``APPENDS`` entries about the two cases in turn, each in a transaction of its own,
    so the racers' appends interleave."""
    factory = session_factory(session.get_bind())  # type: ignore[arg-type]
    for number in range(APPENDS):
        with factory.begin() as own:
            about(own, CASES[number % len(CASES)], f"racer-{racer}", {"n": number})
    return APPENDS


def test_racing_appends_fork_neither_the_tree_nor_a_case_chain(
    engine: Engine, racers: Racers
) -> None:
    answers = racers.race(Database.of(engine), [(append_many, (n,)) for n in range(RACERS)])
    assert [answer.value for answer in answers] == [APPENDS] * RACERS
    sessions: sessionmaker[Session] = session_factory(engine)
    entries = rows(sessions)
    assert [entry["seq"] for entry in entries] == list(range(1, RACERS * APPENDS + 1))
    for case in CASES:
        chain = [entry for entry in entries if entry["subject_id"] == case]
        assert len(chain) == RACERS * APPENDS // len(CASES)
        links = [entry[SUBJECT_PREV] for entry in chain]
        assert links == [GENESIS_HASH] + [entry["entry_hash"] for entry in chain[:-1]]
    with sessions() as session:
        assert verify(session).ok
        assert root(session, len(entries)) == reference_mth([entry_bytes(e) for e in entries])
