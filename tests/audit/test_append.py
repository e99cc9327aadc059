"""Appending to the record: numbering, links, transactions, concurrency, refusals."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker
from tests.audit.helpers import fill

from facedocket.audit import AuditError, AuditFormatError, append, verify
from facedocket.audit.canonical import MAX_DETAILS_BYTES
from facedocket.audit.log import head
from facedocket.store.db import session_factory
from facedocket.store.schema import AuditEntry, Gallery
from facedocket.store.schema.audit import GENESIS_HASH


@dataclass(frozen=True)
class Stamp:
    id: str
    version: str


def _append(session: Session, **overrides: Any) -> AuditEntry:
    arguments: dict[str, Any] = {
        "actor": "examiner-7",
        "role": "examiner",
        "action": "search.run",
        "subject_type": "request",
        "subject_id": 42,
        "details": {"gallery": "rmv", "candidates": 20},
    }
    arguments.update(overrides)
    return append(session, **arguments)


def test_entries_are_numbered_from_one_and_linked(sessions: sessionmaker[Session]) -> None:
    fill(sessions, 5)
    with sessions() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        result = verify(session)
    assert [entry.seq for entry in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    assert [entry.prev_hash for entry in entries[1:]] == [e.entry_hash for e in entries[:-1]]
    assert result.ok, str(result)
    assert (result.entries, result.last_seq, result.last_hash) == (5, 5, entries[-1].entry_hash)


def test_an_empty_record_verifies(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        result = verify(session)
    assert result.ok
    assert result.entries == 0


def test_what_is_written_is_what_is_read(sessions: sessionmaker[Session]) -> None:
    details = {"note": 'Ünïcödé 😀 עברית\n\t"quoted"', "nested": {"list": [1, None, True]}}
    with sessions.begin() as session:
        _append(session, details=details, policy=Stamp("massachusetts", "1.0"))
    with sessions() as session:
        entry = session.scalars(select(AuditEntry)).one()
        result = verify(session)
    assert entry.details == details
    assert (entry.policy_id, entry.policy_version) == ("massachusetts", "1.0")
    assert entry.subject_id == "42"
    assert entry.at.tzinfo is not None
    assert abs((datetime.now(UTC) - entry.at).total_seconds()) < 60
    assert result.ok, str(result)


def test_an_entry_commits_with_the_change_it_records(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add(Gallery(name="rmv"))
        _append(session, action="gallery.created", subject_type="gallery", subject_id="rmv")
    with sessions() as session:
        assert session.scalar(select(Gallery.name)) == "rmv"
        assert session.scalar(select(AuditEntry.action)) == "gallery.created"


def test_a_rolled_back_entry_leaves_no_trace_and_no_gap(sessions: sessionmaker[Session]) -> None:
    fill(sessions, 2)

    def search_that_fails() -> None:
        with sessions.begin() as session:
            session.add(Gallery(name="state"))
            _append(session)
            raise RuntimeError("the search failed")

    with pytest.raises(RuntimeError, match="the search failed"):
        search_that_fails()
    with sessions() as session:
        assert session.scalar(select(Gallery).where(Gallery.name == "state")) is None
        assert head(session)[0] == 2
    fill(sessions, 1, start=2)
    with sessions() as session:
        assert list(session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq))) == [1, 2, 3]
        assert verify(session).ok


def test_concurrent_appends_never_share_a_number(engine: Engine) -> None:
    factory = session_factory(engine)
    failures: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            for index in range(10):
                with factory.begin() as session:
                    _append(session, actor=f"writer-{number}", subject_id=index)
        except BaseException as error:  # reported below; a thread swallows it otherwise
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with factory() as session:
        numbers = list(session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        result = verify(session)
    assert numbers == list(range(1, 81))
    assert result.ok, str(result)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"details": {"score": 0.62}}, r"details\['score'\]: floats are not allowed"),
        ({"details": {"x": float("nan")}}, "floats are not allowed"),
        ({"details": {"list": [1, [2, float("inf")]]}}, r"details\['list'\]\[1\]\[1\]: floats"),
        ({"details": {"big": 2**53}}, "outside"),
        ({"details": {"small": -(2**53)}}, "outside"),
        ({"details": {"nul": "a\x00b"}}, "NUL"),
        ({"details": {"bad": "\ud800"}}, "lone surrogate"),
        ({"details": {"\ud800": 1}}, "lone surrogate"),
        ({"details": {1: "x"}}, "key 1 is not a string"),
        ({"details": {"t": (1, 2)}}, "tuple is not a JSON value"),
        ({"details": {"s": {1, 2}}}, "set is not a JSON value"),
        ({"details": {"b": b"bytes"}}, "bytes is not a JSON value"),
        ({"details": {"when": datetime.now(UTC)}}, "datetime is not a JSON value"),
        ({"details": ["not", "a", "mapping"]}, "expected a mapping"),
        ({"details": {"big": "x" * MAX_DETAILS_BYTES}}, "at most"),
        ({"action": "Search Run"}, "not a dotted lower-case name"),
        ({"action": "search"}, "not a dotted lower-case name"),
        ({"action": "search.run; DROP TABLE audit_entries"}, "not a dotted"),
        ({"actor": ""}, "actor: empty"),
        ({"actor": "   "}, "actor: empty"),
        ({"actor": "x" * 201}, "actor: longer than 200"),
        ({"role": "examiner\x00"}, "role: contains a NUL"),
        ({"subject_id": True}, "got bool"),
        ({"actor": 7}, "actor: expected a string"),
        ({"policy": Stamp("massachusetts", "")}, "policy_version: empty"),
    ],
)
def test_values_the_record_cannot_hold_are_refused_before_writing(
    sessions: sessionmaker[Session], overrides: dict[str, Any], message: str
) -> None:
    with sessions.begin() as session:
        with pytest.raises(AuditFormatError, match=message):
            _append(session, **overrides)
        assert head(session) == (0, GENESIS_HASH)
    with sessions() as session:
        assert session.scalar(select(AuditEntry)) is None


def test_deep_nesting_is_refused_not_a_crash(sessions: sessionmaker[Session]) -> None:
    deep: dict[str, Any] = {}
    for _ in range(5000):
        deep = {"d": deep}
    with sessions.begin() as session, pytest.raises(AuditFormatError, match="nested deeper"):
        _append(session, details=deep)


def test_a_missing_head_row_is_a_clear_error(engine: Engine) -> None:
    # Simulates a database that was never migrated to 0002 or was damaged by hand.
    with engine.begin() as connection:
        trigger = {"sqlite": "audit_head_no_delete", "postgresql": "audit_head_kept ON audit_head"}
        connection.execute(text(f"DROP TRIGGER {trigger[engine.dialect.name]}"))
        connection.execute(text("DELETE FROM audit_head"))
    with session_factory(engine).begin() as session, pytest.raises(AuditError, match="head row"):
        _append(session)
